// Package awsconfig reads the shared AWS config and credentials files and
// works out, as data, which credential source the AWS SDK default chain
// would pick and why.
//
// Loading goes through the SDK's own [config.LoadSharedConfigProfile], so a
// profile means here exactly what it means to the Go SDK. gopkg.in/ini.v1 is
// used only to list profiles and to point at a file and line.
package awsconfig

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/awsauth/awsauth/internal/awspath"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// Files names the shared config and credentials files in use.
type Files = awspath.Files

// LocateFiles returns the files the SDKs read: AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE when set, else ~/.aws/config and
// ~/.aws/credentials.
func LocateFiles(env sysenv.Env) Files { return awspath.Locate(env) }

// HomeDir is the user's home directory as the SDKs find it.
func HomeDir(env sysenv.Env) string { return awspath.Home(env) }

// SyntaxError is a line of a shared file that is not INI.
type SyntaxError struct {
	File string
	Line int
	Why  string
}

func (e *SyntaxError) Error() string {
	// The line itself is never quoted: it may hold a secret key.
	if e.Line == 0 {
		return fmt.Sprintf("%s: malformed file: %s", e.File, e.Why)
	}
	return fmt.Sprintf("%s:%d: malformed file: %s", e.File, e.Line, e.Why)
}

// Hints tells how to repair the file.
func (e *SyntaxError) Hints() []string {
	where := fmt.Sprintf("line %d of %s", e.Line, e.File)
	if e.Line == 0 {
		where = e.File
	}
	return []string{
		fmt.Sprintf("fix %s: sections look like [profile NAME] (config) or [NAME] (credentials), settings like key = value", where),
	}
}

// checkSyntax reports the first line of data that the SDKs' INI readers would
// misread. Missing files are fine: the SDKs treat them as empty.
func checkSyntax(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	n := 0
	inSection := false
	// An indented line is a nested value (as under "s3 =") only right after
	// a setting with an empty value; anywhere else it is read as a setting.
	nested := false
	for sc.Scan() {
		n++
		raw := sc.Text()
		if sdkValueIsLoneQuote(raw) {
			return &SyntaxError{File: path, Line: n, Why: "a value is a lone quote, which crashes the Go SDK's reader"}
		}
		line := strings.TrimSpace(raw)
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return &SyntaxError{File: path, Line: n, Why: "section header is not closed with ]"}
			}
			if strings.TrimSpace(line[1:end]) == "" {
				return &SyntaxError{File: path, Line: n, Why: "section header has no name"}
			}
			inSection = true
			nested = false
		case nested && (raw[0] == ' ' || raw[0] == '\t'):
			// A nested setting (for example under "s3 =").
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return &SyntaxError{File: path, Line: n, Why: "line is neither a [section] nor key = value"}
			}
			if strings.TrimSpace(k) == "" {
				return &SyntaxError{File: path, Line: n, Why: "setting has no key"}
			}
			if !inSection {
				return &SyntaxError{File: path, Line: n, Why: "setting outside of any [section]"}
			}
			nested = strings.TrimSpace(v) == ""
		}
	}
	return sc.Err()
}

// sdkValueIsLoneQuote reports whether the Go SDK's INI reader would take raw
// as a setting whose value is a single " or ': it strips a pair of quotes
// from values without checking that there are two, and panics
// (aws-sdk-go-v2 config/internal/ini: unquote). The tests mirror its
// tokenizer: comments, then [sections], then settings.
func sdkValueIsLoneQuote(raw string) bool {
	if strings.TrimSpace(raw) == "" {
		return false
	}
	if t := strings.TrimLeft(raw, " \t"); strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") {
		return false
	}
	head, _, _ := strings.Cut(raw, "#")
	head, _, _ = strings.Cut(head, ";")
	if head = strings.TrimSpace(head); strings.HasPrefix(head, "[") && strings.HasSuffix(head, "]") {
		return false
	}
	s := raw
	if s[0] != ' ' && s[0] != '\t' {
		for _, c := range []string{" #", " ;", "\t#", "\t;"} {
			s, _, _ = strings.Cut(s, c)
		}
	}
	eq, colon := strings.Index(s, "="), strings.Index(s, ":")
	sep := eq
	if eq < 0 || colon >= 0 && colon < eq {
		sep = colon
	}
	if sep < 0 {
		return false
	}
	v := strings.TrimSpace(s[sep+1:])
	return v == `"` || v == `'`
}
