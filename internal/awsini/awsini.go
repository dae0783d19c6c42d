// Package awsini reads and edits the AWS shared config and credentials files
// (~/.aws/config, ~/.aws/credentials) the way the Go SDK v2 reads them, so
// that every part of awsauth means by a profile, a key or a line what the
// SDK means.
//
// [Parse] follows the SDK's own reader (aws-sdk-go-v2
// config/internal/ini: tokenize.go, parse.go, strings.go) rule for rule,
// and [Combine] follows its LoadSharedConfigProfile (config/shared_config.go:
// processConfigSections, processCredentialsSections, mergeSections). The SDK
// reads every file without an error, skipping what it does not understand;
// [File.Problems] names the lines it skips or misreads, which awsauth
// refuses with the file and line, so that nothing in a file is silently
// lost.
//
// # The rules, and where botocore differs
//
// botocore (boto3, the AWS CLI) reads the same files with Python's
// configparser.RawConfigParser (botocore/configloader.py). Where the two
// disagree, awsini follows the Go SDK, which awsauth mirrors; the
// differences are:
//
//   - Comments. A line whose first non-blank character is # or ; is a
//     comment in both. After a setting, " #", " ;", "\t#" and "\t;" start a
//     comment for the Go SDK; botocore has no inline comments, so
//     "region = us-east-1 # x" is "us-east-1 # x" there. Nested settings
//     keep their comments in both.
//   - Section headers. The Go SDK cuts the line at its first # or ; (even
//     inside the brackets), trims it, and needs "[...]"; botocore takes the
//     text between the first [ and the last ] and ignores what follows. So
//     "[default] # note" is [default] in both, "[a;b]" is no header for the
//     Go SDK, and "[default] # [x]" is "default] # [x" for botocore.
//   - Names. The Go SDK trims the name and joins its first word and the
//     rest with one space ("[ profile   dev ]" is "profile dev"); botocore
//     keeps the text as written (" profile   dev " is no profile there, and
//     "[ default ]" is not [default]) and splits "profile NAME" with
//     shlex, so [profile "a b"] is profile "a b" for botocore and profile
//     `"a b"` for the Go SDK, and [profilex y] is profile y for botocore and
//     nothing for the Go SDK.
//   - Quotes. The Go SDK removes one pair of surrounding quotes from a
//     value (and crashes on a value that is a lone " or '); botocore keeps
//     quotes.
//   - Duplicates. The Go SDK merges a section that appears twice (the later
//     value of a key wins) and lets a later key win within a section;
//     botocore refuses the whole file (DuplicateSectionError,
//     DuplicateOptionError).
//   - Indented lines. For the Go SDK an indented line is a nested setting
//     under a key with an empty value ("s3 =" then "  max_attempts = 3"), a
//     setting of its own when it holds = or : anywhere else, and a
//     continuation of the value above when it holds neither. For botocore
//     any line indented deeper than its key continues the value, so
//     "region = x" then "  output = json" is one value "x\noutput = json".
//     Nested settings take = or : for the Go SDK, only = for botocore.
//   - [DEFAULT] is configparser's defaults section for botocore: its keys
//     are inherited by every section, [default] included. For the Go SDK it
//     is a profile named DEFAULT (in the config file too, where any
//     spelling of "default" is kept without the "profile " prefix).
//   - [profile default] and [default] in the config file: the Go SDK takes
//     [profile default] whole and drops [default]; botocore takes whichever
//     comes last.
//   - [profile NAME] in the credentials file is dropped by the Go SDK and
//     is a profile named "profile NAME" for botocore.
//   - A profile in both files: the Go SDK takes a fixed list of keys from
//     the credentials file over the config file's (the access key only as
//     a pair of aws_access_key_id and aws_secret_access_key), see
//     [Combine]; botocore lays every key of the credentials file's section
//     over the config file's.
//   - Lines. The Go SDK splits lines at \n only; botocore also at a lone \r.
//     botocore decodes the file (as UTF-8) and refuses invalid bytes, which
//     the Go SDK keeps. A byte order mark makes the Go SDK skip the first
//     line, and botocore refuse the file.
//   - Settings before the first section header, and lines that are neither
//     header nor setting, are skipped by the Go SDK and refused by botocore.
//   - Keys are lower-cased by both; section names are case-sensitive in
//     both.
package awsini

import (
	"fmt"
	"strings"
)

// File is one shared config or credentials file as the Go SDK reads it.
type File struct {
	// Sections are the section headers in file order, each with the
	// settings under it. A name may appear more than once; [Combine]
	// merges them as the SDK does.
	Sections []*Section
	// Problems are the lines the SDK skips, misreads or crashes on, in file
	// order.
	Problems []Problem

	lines   []string
	removed map[int]bool
}

// Section is one section header and the settings under it.
type Section struct {
	// Name is the name as the SDK normalises it: trimmed, with the first
	// word and the rest joined by one space ("profile dev",
	// "sso-session corp", "default").
	Name string
	// Line is the header's line, from 1.
	Line     int
	Settings []*Setting
}

// Setting is one key and its value.
type Setting struct {
	// Key is lower case, as the SDK keys it.
	Key string
	// Value is what the SDK reads: without an inline comment or one pair
	// of surrounding quotes, with continuation lines joined by "\n". A key
	// with nested settings has the empty value.
	Value string
	// Sub are the nested settings under a key with an empty value
	// ("s3 =" then "  max_attempts = 3"), in file order.
	Sub []Sub
	// Line is the key's line, from 1.
	Line int
	// Indented is a key whose line starts with a blank: botocore may read
	// it as part of the value above.
	Indented bool

	// more are the lines of continuations and nested settings.
	more []int
}

// Sub is one nested setting.
type Sub struct {
	Key, Value string
	Line       int
}

// SubMap is the nested settings as the SDK keeps them: the last of each
// key; nil when there are none.
func (s *Setting) SubMap() map[string]string {
	if len(s.Sub) == 0 {
		return nil
	}
	m := make(map[string]string, len(s.Sub))
	for _, sub := range s.Sub {
		m[sub.Key] = sub.Value
	}
	return m
}

// Lines are every line of the setting: its key, its continuations and its
// nested settings.
func (s *Setting) Lines() []int {
	return append([]int{s.Line}, s.more...)
}

// Problem is a line the SDK does not read as it looks.
type Problem struct {
	Line int // from 1
	Why  string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Why) }

// The reasons a [Problem] gives. They are fixed texts: a line of a shared
// file may hold a secret, and no part of it is ever repeated.
const (
	WhyLoneQuote          = "a value is a lone quote, which crashes the Go SDK's reader"
	WhyUnclosedHeader     = "section header is not closed with ]"
	WhyCommentInHeader    = "section header holds a # or ;, where the Go SDK starts a comment"
	WhyTextAfterHeader    = "section header has text after ] that is not a # or ; comment"
	WhyEmptyHeader        = "section header has no name"
	WhyOutsideSection     = "setting outside of any [section]"
	WhyNotINI             = "line is neither a [section] nor key = value"
	WhyNoKey              = "setting has no key"
	WhyByteOrderMark      = "the file starts with a byte order mark (BOM), which the AWS SDKs do not skip"
	WhyCarriageReturn     = "a carriage return (CR) inside the line, where botocore ends the line and the Go SDK does not"
	WhyOrphanContinuation = "indented line continues no value: the Go SDK drops it"
)

// Parse reads a shared file. It never fails: what the SDK would skip or
// crash on is listed in the File's Problems.
func Parse(data []byte) *File {
	f := &File{lines: strings.Split(string(data), "\n")}
	p := parser{f: f}
	for i, line := range f.lines {
		p.line(i+1, line)
	}
	return f
}

type parser struct {
	f *File
	// cur is the section of the last header; nil before the first.
	cur *Section
	// key is the setting that continuation lines and nested settings
	// attach to: the SDK's "ckey", reset by every header.
	key *Setting
}

func (p *parser) problem(n int, why string) {
	p.f.Problems = append(p.f.Problems, Problem{Line: n, Why: why})
}

// inSection reports whether a setting on this line lands in a section: the
// SDK drops settings before the first header and under a header without a
// name.
func (p *parser) inSection() bool { return p.cur != nil && p.cur.Name != "" }

func (p *parser) line(n int, line string) {
	if n == 1 && strings.HasPrefix(line, "\ufeff") {
		p.problem(n, WhyByteOrderMark)
	}
	// botocore also ends a line at a lone \r; where only blanks follow it,
	// both read the same.
	if i := strings.IndexByte(line, '\r'); i >= 0 && strings.TrimSpace(line[i:]) != "" {
		p.problem(n, WhyCarriageReturn)
	}
	// tokenize: blank lines and comments first.
	if strings.TrimSpace(line) == "" || isLineComment(line) {
		return
	}
	if name, ok := asProfile(line); ok {
		if name == "" {
			p.problem(n, WhyEmptyHeader)
		}
		// parser.handleProfile
		p.cur = &Section{Name: name, Line: n}
		p.f.Sections = append(p.f.Sections, p.cur)
		p.key = nil
		return
	}
	indented := isLineSpace(line[0])
	if !indented {
		// asProperty
		k, v, ok := splitProperty(strings.TrimRight(trimPropertyComment(line), " \t"))
		if !ok {
			p.problem(n, p.notINI(line))
			return
		}
		if isLoneQuote(v) {
			p.problem(n, WhyLoneQuote)
		}
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "["):
			// "[x] = y" is a key "[x]" to the SDK, "[a#b] = c" a key "[a".
			p.problem(n, p.notINI(line))
		case !p.inSection():
			if p.cur == nil {
				p.problem(n, WhyOutsideSection)
			}
		case k == "":
			p.problem(n, WhyNoKey)
		}
		p.property(n, k, legacyStrconv(v), false)
		return
	}
	if k, v, ok := splitProperty(strings.TrimLeft(line, " \t")); ok {
		// asSubProperty: comments on nested settings are part of the value.
		if isLoneQuote(v) {
			p.problem(n, WhyLoneQuote)
		}
		p.subProperty(n, strings.ToLower(k), legacyStrconv(v))
		return
	}
	// asContinuation, which keeps comments and trailing blanks.
	p.continuation(n, strings.TrimLeft(line, " \t"))
}

// notINI names what is wrong with a line that is neither a header nor a
// setting to the SDK.
func (p *parser) notINI(line string) string {
	t := strings.TrimSpace(line)
	if !strings.HasPrefix(t, "[") {
		return WhyNotINI
	}
	end := strings.LastIndexByte(t, ']')
	switch {
	case end < 0:
		return WhyUnclosedHeader
	case strings.ContainsAny(t[:end], "#;"):
		return WhyCommentInHeader
	default:
		return WhyTextAfterHeader
	}
}

// property is parser.handleProperty.
func (p *parser) property(n int, key, value string, indented bool) {
	if !p.inSection() {
		return // the SDK drops "global" settings
	}
	s := &Setting{Key: strings.ToLower(key), Value: value, Line: n, Indented: indented}
	p.cur.Settings = append(p.cur.Settings, s)
	p.key = s
}

// subProperty is parser.handleSubProperty.
func (p *parser) subProperty(n int, key, value string) {
	if !p.inSection() {
		if p.cur == nil {
			p.problem(n, WhyOutsideSection)
		}
		return
	}
	if p.key == nil || p.key.Value != "" {
		// An "orphaned" nested setting, at the start of a section or
		// after a key with a value: the SDK promotes it to a setting,
		// removing an inline comment from the already unquoted value.
		if key == "" {
			p.problem(n, WhyNoKey)
		}
		p.property(n, key, strings.TrimSpace(trimPropertyComment(value)), true)
		return
	}
	p.key.Sub = append(p.key.Sub, Sub{Key: key, Value: value, Line: n})
	p.key.more = append(p.key.more, n)
}

// continuation is parser.handleContinuation: a line joins a value only
// when that value is not empty and has no nested settings.
func (p *parser) continuation(n int, text string) {
	if p.key == nil || p.key.Value == "" {
		if p.cur == nil {
			p.problem(n, WhyNotINI)
		} else {
			p.problem(n, WhyOrphanContinuation)
		}
		return
	}
	p.key.Value += "\n" + text
	p.key.more = append(p.key.more, n)
}

// Names returns the distinct section names, in the order they first
// appear.
func (f *File) Names() []string {
	var names []string
	seen := map[string]bool{}
	for _, s := range f.Sections {
		if !seen[s.Name] {
			seen[s.Name] = true
			names = append(names, s.Name)
		}
	}
	return names
}

// The Go SDK's tokenizer, from aws-sdk-go-v2 config/internal/ini
// (tokenize.go and strings.go), kept as close to the original as the
// difference of a crash allows.

func isLineComment(line string) bool {
	trimmed := strings.TrimLeft(line, " \t")
	return strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";")
}

// asProfile reads " [ type name ] ; comment" as "type name".
func asProfile(line string) (string, bool) {
	trimmed := strings.TrimSpace(trimProfileComment(line))
	if !strings.HasPrefix(trimmed, "[") || !strings.HasSuffix(trimmed, "]") {
		return "", false
	}
	trimmed = strings.TrimSpace(trimmed[1 : len(trimmed)-1])
	typ, name := splitProfile(trimmed)
	if typ != "" {
		return typ + " " + name, true
	}
	return name, true
}

func trimProfileComment(s string) string {
	r, _, _ := strings.Cut(s, "#")
	r, _, _ = strings.Cut(r, ";")
	return r
}

func trimPropertyComment(s string) string {
	r, _, _ := strings.Cut(s, " #")
	r, _, _ = strings.Cut(r, " ;")
	r, _, _ = strings.Cut(r, "\t#")
	r, _, _ = strings.Cut(r, "\t;")
	return r
}

// splitProperty splits at the first = or : (the legacy separator).
func splitProperty(s string) (string, string, bool) {
	equalsi := strings.Index(s, "=")
	coloni := strings.Index(s, ":")
	sep := "="
	if equalsi == -1 || coloni != -1 && coloni < equalsi {
		sep = ":"
	}
	k, v, ok := strings.Cut(s, sep)
	if !ok {
		return "", "", false
	}
	return strings.TrimSpace(k), strings.TrimSpace(v), true
}

// splitProfile splits "type name" at the first run of blanks; a single
// word is a name without a type.
func splitProfile(s string) (string, string) {
	var first int
	for i, r := range s {
		if r == ' ' || r == '\t' {
			if first == 0 {
				first = i
			}
		} else if first != 0 {
			return s[:first], s[i:]
		}
	}
	if first == 0 {
		return "", s
	}
	return "", ""
}

func isLineSpace(b byte) bool { return b == ' ' || b == '\t' }

// legacyStrconv removes one pair of surrounding quotes. The SDK's own
// version slices a lone quote out of range and panics; here it is kept
// (and reported as a Problem).
func legacyStrconv(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

func isLoneQuote(s string) bool { return s == `"` || s == `'` }

// Remove drops lines (from 1) from the file's text; [File.Bytes] leaves
// them out. The parsed sections do not change.
func (f *File) Remove(lines ...int) {
	if f.removed == nil {
		f.removed = map[int]bool{}
	}
	for _, n := range lines {
		if n >= 1 && n <= len(f.lines) {
			f.removed[n] = true
		}
	}
}

// Bytes returns the file's text without the removed lines. Every other
// line keeps its bytes and its own line end.
func (f *File) Bytes() []byte {
	var b strings.Builder
	for i, line := range f.lines {
		if f.removed[i+1] {
			continue
		}
		b.WriteString(line)
		if i < len(f.lines)-1 {
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}

// Line returns the text of line n (from 1), without its \n.
func (f *File) Line(n int) string {
	if n < 1 || n > len(f.lines) {
		return ""
	}
	return f.lines[n-1]
}
