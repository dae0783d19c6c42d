package awsconfig

import (
	"fmt"
	"sort"
	"strings"
)

// ProfileNotFoundError is an unknown profile name.
type ProfileNotFoundError struct {
	Name         string
	From         string // "--profile", "AWS_PROFILE", "source_profile of X", ...
	Files        Files
	Suggestions  []string
	HaveProfiles bool
}

func (e *ProfileNotFoundError) Error() string {
	return fmt.Sprintf("profile %q (from %s) is not defined in %s or %s", e.Name, e.From, e.Files.Config, e.Files.Credentials)
}

// Hints suggests the nearest names and how to list or create profiles.
func (e *ProfileNotFoundError) Hints() []string {
	var h []string
	if len(e.Suggestions) > 0 {
		h = append(h, "did you mean "+quoteList(e.Suggestions)+"?")
	}
	if e.HaveProfiles {
		h = append(h, "list the defined profiles with: awsauth profiles")
	} else {
		h = append(h, "create one with: aws configure sso   (or add a [profile "+e.Name+"] section to "+e.Files.Config+")")
	}
	return h
}

// CycleError is a source_profile chain that loops without reaching credentials.
type CycleError struct {
	Path []string
	File string
}

func (e *CycleError) Error() string {
	return fmt.Sprintf("source_profile loop in %s: %s", e.File, strings.Join(e.Path, " -> "))
}

// Hints says how to break the loop.
func (e *CycleError) Hints() []string {
	return []string{fmt.Sprintf("point source_profile of profile %q at a profile that has credentials (static keys, sso_session or credential_process)", e.Path[len(e.Path)-2])}
}

// NoSourceError is a role_arn with nothing to assume it from.
type NoSourceError struct {
	Profile string
	RoleARN string
	File    string
}

func (e *NoSourceError) Error() string {
	return fmt.Sprintf("profile %q has role_arn %s but no source_profile or credential_source to assume it with", e.Profile, e.RoleARN)
}

// Hints gives the two ways to name a source.
func (e *NoSourceError) Hints() []string {
	return []string{
		fmt.Sprintf("add \"source_profile = NAME\" to [profile %s] in %s, naming a profile with credentials", e.Profile, e.File),
		"or add \"credential_source = Ec2InstanceMetadata\" (or EcsContainer, Environment)",
	}
}

// InvalidProfileError is a profile the SDK refuses to load.
type InvalidProfileError struct {
	Profile string
	File    string
	Err     error
}

func (e *InvalidProfileError) Error() string {
	return fmt.Sprintf("profile %q in %s: %v", e.Profile, e.File, e.Err)
}

func (e *InvalidProfileError) Unwrap() error { return e.Err }

// Hints points at the file to fix.
func (e *InvalidProfileError) Hints() []string {
	return []string{fmt.Sprintf("fix [profile %s] in %s; see: awsauth status -v --offline --profile %s", e.Profile, e.File, e.Profile)}
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
