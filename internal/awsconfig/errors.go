package awsconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"syscall"
)

// ProfileNotFoundError is an unknown profile name.
type ProfileNotFoundError struct {
	Name         string
	From         string // "--profile", "AWS_PROFILE", "source_profile", ...
	Files        Files
	Suggestions  []string
	HaveProfiles bool
	// Referrer is the profile whose source_profile names Name, at File
	// and Line; empty when the name came from the command line or the
	// environment.
	Referrer string
	File     string
	Line     int
	// Misplaced says where a section by that name is that the SDKs do not
	// read as a profile (a [Name] in the config file, say).
	Misplaced string
}

func (e *ProfileNotFoundError) Error() string {
	if e.Referrer != "" {
		return fmt.Sprintf("%sprofile %q: source_profile %q is not defined in %s or %s", at(e.File, e.Line), e.Referrer, e.Name, e.Files.Config, e.Files.Credentials)
	}
	return fmt.Sprintf("profile %q (from %s) is not defined in %s or %s", e.Name, e.From, e.Files.Config, e.Files.Credentials)
}

// Hints suggests the nearest names and how to list or create profiles.
func (e *ProfileNotFoundError) Hints() []string {
	var h []string
	if e.Misplaced != "" {
		h = append(h, e.Misplaced)
	}
	if len(e.Suggestions) > 0 {
		h = append(h, "did you mean "+quoteList(e.Suggestions)+"?")
	}
	switch {
	case e.Referrer != "":
		h = append(h, fmt.Sprintf("fix source_profile on line %d of %s, or add a [profile %s] section with credentials", e.Line, e.File, e.Name))
	case e.HaveProfiles:
		h = append(h, "list the defined profiles with: awsauth profiles")
	default:
		h = append(h, "create one with: aws configure sso   (or add a [profile "+e.Name+"] section to "+e.Files.Config+")")
	}
	return h
}

// CycleError is a source_profile chain that loops without reaching credentials.
type CycleError struct {
	Path []string
	File string
	// Line is where the source_profile that closes the loop is.
	Line int
}

func (e *CycleError) Error() string {
	if len(e.Path) < 2 {
		return fmt.Sprintf("%ssource_profile loop: %s", at(e.File, e.Line), strings.Join(e.Path, " -> "))
	}
	return fmt.Sprintf("%sprofile %q: source_profile loop: %s", at(e.File, e.Line), e.Path[len(e.Path)-2], strings.Join(e.Path, " -> "))
}

// Hints says how to break the loop.
func (e *CycleError) Hints() []string {
	return []string{fmt.Sprintf("point source_profile of profile %q (line %d of %s) at a profile that has credentials (static keys, sso_session or credential_process)", e.Path[len(e.Path)-2], e.Line, e.File)}
}

// NoSourceError is a role_arn with nothing to assume it from.
type NoSourceError struct {
	Profile string
	RoleARN string
	File    string
	Line    int // of role_arn
}

func (e *NoSourceError) Error() string {
	return fmt.Sprintf("%sprofile %q: role_arn is set but neither source_profile nor credential_source is: nothing says whose credentials assume %s", at(e.File, e.Line), e.Profile, e.RoleARN)
}

// Hints gives the two ways to name a source. The Go SDK alone would assume
// the role with the instance's or container's credentials; boto3, the AWS
// CLI and the JS SDK refuse the profile, so awsauth does too.
func (e *NoSourceError) Hints() []string {
	return []string{
		fmt.Sprintf("add \"source_profile = NAME\" to [profile %s] in %s, naming a profile with credentials", e.Profile, e.File),
		"or add \"credential_source = Ec2InstanceMetadata\" (or EcsContainer, Environment)",
	}
}

// InvalidProfileError is a profile the AWS SDKs refuse, or that awsauth
// refuses because AWS or the other SDKs would: where the setting at fault
// is, what is wrong with it, and the fix. It never quotes a secret.
type InvalidProfileError struct {
	Profile string
	File    string
	Line    int // 0 when no one line is at fault
	// Problem says what is wrong, in awsauth's words.
	Problem string
	// Fix is the hint lines.
	Fix []string
	// Err is the SDK's own error, when it gave one. It is never printed:
	// its wording is the SDK's, and some of it repeats the file.
	Err error
}

func (e *InvalidProfileError) Error() string {
	return fmt.Sprintf("%sprofile %q: %s", at(e.File, e.Line), e.Profile, e.Problem)
}

func (e *InvalidProfileError) Unwrap() error { return e.Err }

// Hints says how to repair the profile.
func (e *InvalidProfileError) Hints() []string { return e.Fix }

// ReadError is a shared file that exists but cannot be read.
type ReadError struct {
	File  string
	Err   error
	IsDir bool // File is a directory
}

func (e *ReadError) Error() string {
	why := "cannot read it"
	var pe *fs.PathError
	switch {
	case e.IsDir || errors.Is(e.Err, syscall.EISDIR):
		why = "it is a directory, not a file"
	case errors.Is(e.Err, fs.ErrPermission):
		why = "permission denied"
	case errors.As(e.Err, &pe):
		why = "cannot read it: " + pe.Err.Error()
	}
	return fmt.Sprintf("%s: %s", e.File, why)
}

func (e *ReadError) Unwrap() error { return e.Err }

// Hints names the variables that choose the files.
func (e *ReadError) Hints() []string {
	return []string{
		"AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE choose the files (default ~/.aws/config and ~/.aws/credentials): point them at readable files, or unset them",
	}
}

// at is the "file:line: " prefix of a message; "" when file is unknown.
func at(file string, line int) string {
	switch {
	case file == "":
		return ""
	case line > 0:
		return fmt.Sprintf("%s:%d: ", file, line)
	}
	return file + ": "
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, " or ")
}

// Nearest returns up to three names closest to name by edit distance, closest
// first, leaving out those too far off to be a typo.
func Nearest(name string, names []string) []string {
	type cand struct {
		n string
		d int
	}
	var cs []cand
	lname := strings.ToLower(name)
	for _, n := range names {
		ln := strings.ToLower(n)
		d := levenshtein(lname, ln)
		limit := max(2, len(name)/3)
		if d <= limit || (len(lname) >= 3 && (strings.Contains(ln, lname) || strings.Contains(lname, ln))) {
			cs = append(cs, cand{n, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].n < cs[j].n
	})
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].n)
	}
	return out
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
