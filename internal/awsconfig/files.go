// Package awsconfig reads the shared AWS config and credentials files and
// works out, as data, which credential source the AWS SDK default chain
// would pick and why.
//
// Loading goes through the SDK's own [config.LoadSharedConfigProfile], so a
// profile means here exactly what it means to the Go SDK; listing profiles
// and pointing at a file and line go through [awsini], which reads the
// files by the SDK's rules.
package awsconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/awsauth/awsauth/internal/awsini"
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
	switch e.Why {
	case awsini.WhyByteOrderMark:
		return []string{fmt.Sprintf("save %s as UTF-8 without a byte order mark (\"UTF-8\", not \"UTF-8 with BOM\", in an editor)", e.File)}
	case awsini.WhyCarriageReturn:
		return []string{fmt.Sprintf("fix %s: end lines with \\n (or \\r\\n), never with a lone \\r", where)}
	case awsini.WhyLoneQuote:
		return []string{fmt.Sprintf("fix %s: close the quote around the value, or remove it", where)}
	case awsini.WhyCommentInHeader:
		return []string{fmt.Sprintf("fix %s: a section name cannot hold # or ;", where)}
	case awsini.WhyOrphanContinuation:
		return []string{fmt.Sprintf("fix %s: indent a line only to continue the value above it, or as key = value under a key with an empty value (s3 =)", where)}
	}
	return []string{
		fmt.Sprintf("fix %s: sections look like [profile NAME] (config) or [NAME] (credentials), settings like key = value", where),
	}
}

// parseFile reads a shared file as the Go SDK does. A missing file is nil:
// the SDKs treat it as empty. A line the SDK would skip, misread or crash on
// is a [SyntaxError].
func parseFile(path string) (*awsini.File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	f := awsini.Parse(data)
	if len(f.Problems) > 0 {
		p := f.Problems[0]
		return nil, &SyntaxError{File: path, Line: p.Line, Why: p.Why}
	}
	return f, nil
}
