package credsource

import (
	"fmt"
	"strings"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/credfile"
)

// CacheKey fingerprints a request without resolving it: the profile, the
// shared files' bytes and the environment that matters (see
// [credfile.Key]). Reading two small files is all a warm call pays.
func CacheKey(req awsconfig.Request) string { return credfile.Key(req.Profile, req.Env) }

// SelfReferenceError is a profile whose credential_process is awsauth
// credential-process for the same profile: it would call itself forever.
type SelfReferenceError struct {
	Profile string
	Command string
}

func (e *SelfReferenceError) Error() string {
	return fmt.Sprintf("profile %s gets its credentials from awsauth credential-process (%q), so awsauth cannot get them from it", e.Profile, e.Command)
}

// Hints names the fix.
func (e *SelfReferenceError) Hints() []string {
	return []string{"pass the profile that holds the real source: credential_process = awsauth credential-process --profile SOURCE, where SOURCE uses SSO, keys or a role"}
}

// CheckSelfReference refuses a trace in which a credential_process hop
// runs awsauth credential-process for its own profile: it would call
// itself forever.
func CheckSelfReference(trace *awsconfig.Trace, req awsconfig.Request) error {
	for _, h := range trace.Hops {
		if h.Kind == awsconfig.KindProcess && callsItself(h, req) {
			return &SelfReferenceError{Profile: h.Profile, Command: h.CredentialProcess}
		}
	}
	return nil
}

// callsItself reports whether a credential_process hop runs awsauth
// credential-process for the very profile it belongs to.
func callsItself(h awsconfig.Hop, req awsconfig.Request) bool {
	f := strings.Fields(h.CredentialProcess)
	awsauth, sub := false, false
	target := ""
	for i, w := range f {
		switch {
		case isAwsauth(strings.Trim(w, `"'`)):
			awsauth = true
		case w == "credential-process":
			sub = true
		case w == "--profile" && i+1 < len(f):
			target = strings.Trim(f[i+1], `"'`)
		case strings.HasPrefix(w, "--profile="):
			target = strings.Trim(strings.TrimPrefix(w, "--profile="), `"'`)
		}
	}
	if !awsauth || !sub {
		return false
	}
	if target == "" {
		target, _ = req.Env.First("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
		if target == "" {
			target = "default"
		}
	}
	return target == h.Profile
}

// isAwsauth reports whether w names the awsauth program: alone, by a Unix or
// Windows path, or as awsauth.exe, which the SDKs run through cmd.exe on
// Windows. Another program whose name merely ends in "awsauth" is not it.
func isAwsauth(w string) bool {
	if i := strings.LastIndexAny(w, `/\`); i >= 0 {
		w = w[i+1:]
	}
	return w == "awsauth" || strings.EqualFold(w, "awsauth.exe")
}
