package explain

import (
	"fmt"
	"strings"
	"time"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

// Result is the answer for one input: the cause, why it happened for this
// person, and what to run.
type Result struct {
	// Cause is the stable id of the cause; when Found is false it is the
	// closest guess, or [Unknown].
	Cause Cause  `json:"cause"`
	Found bool   `json:"found"`
	Title string `json:"title"`
	// Summary is one sentence; Explanation is the paragraphs about this
	// setup first, then the general background.
	Summary     string `json:"summary"`
	Explanation string `json:"explanation"`
	// Fixes are commands to run, or instructions where no single command
	// does it, most specific first.
	Fixes []string `json:"fixes"`
	// Matched is the line that identified the cause, redacted; Line is its
	// number in the input.
	Matched string `json:"matched"`
	Line    int    `json:"line,omitempty"`
	// Also lists other causes in the input, after the root one.
	Also []Also `json:"also,omitempty"`
	// Closest lists, when no cause was found, the causes the input is
	// most like; Cause is the first of them.
	Closest []Cause `json:"closest,omitempty"`
	// Profile is the profile the advice is about.
	Profile string `json:"profile,omitempty"`

	// ForYou, General, Steps and Setup are the parts of Explanation and
	// Fixes, for the human form.
	ForYou  []string `json:"-"`
	General string   `json:"-"`
	Steps   []Fix    `json:"-"`
	Setup   string   `json:"-"`
}

// Diagnose explains a scan for a situation. It never fails: with nothing
// recognised it returns the closest guess, or [Unknown], with Found false.
func Diagnose(sc *Scan, sit *Situation) *Result {
	s := *sit
	s.Tool = sc.Tool
	res := &Result{Profile: s.Profile, Setup: setupLine(&s)}
	var r *Rule
	switch {
	case sc.Root != nil:
		r, _ = RuleFor(sc.Root.Cause)
		res.Found = true
		res.Matched, res.Line = sc.Root.Text, sc.Root.Line
		res.Also = sc.Also
		s.Line = lineVars(&s, r.Cause, sc.Root.Vars)
	case sc.Guess != "":
		r, _ = RuleFor(sc.Guess)
		res.Closest = sc.Closest
		s.Line = lineVars(&s, r.Cause, nil)
	}
	if r == nil {
		return unknown(res, sc, &s)
	}
	v := vars(&s)
	res.Cause, res.Title = r.Cause, r.Title
	res.Summary = fill(r.Summary, v)
	res.General = fill(r.Explain, v)
	var steps []Fix
	for _, adv := range r.When {
		if !adv.If.Test(&s) {
			continue
		}
		if adv.Why != "" {
			res.ForYou = append(res.ForYou, fill(adv.Why, v))
		}
		steps = append(steps, adv.Fixes...)
	}
	steps = append(steps, r.Fixes...)
	res.Steps = fillFixes(steps, v)
	res.finish()
	return res
}

func unknown(res *Result, sc *Scan, s *Situation) *Result {
	v := vars(s)
	res.Cause = Unknown
	res.Title = "No known AWS authentication error in the input"
	res.Summary = fmt.Sprintf("Nothing in the %d lines read matches a known cause.", sc.Lines)
	res.General = "awsauth explain knows the authentication and configuration failures of the AWS SDKs, the AWS CLI and the CDK " +
		"(awsauth explain --list shows them). Paste the first error the failing command printed: later lines are often only its consequences."
	res.Steps = fillFixes([]Fix{
		cmd("awsauth status --profile {profile}", "checks that the credentials work, and for how long"),
	}, v)
	res.finish()
	return res
}

func (res *Result) finish() {
	paras := append(append([]string{}, res.ForYou...), res.General)
	res.Explanation = strings.Join(paras, "\n\n")
	res.Fixes = make([]string, len(res.Steps))
	for i, f := range res.Steps {
		res.Fixes[i] = f.String()
	}
}

// fillFixes fills placeholders and drops repeats, keeping the first.
func fillFixes(fs []Fix, v map[string]string) []Fix {
	seen := map[string]bool{}
	var out []Fix
	for _, f := range fs {
		f = Fix{Cmd: fill(f.Cmd, v), Note: fill(f.Note, v)}
		if seen[f.String()] {
			continue
		}
		seen[f.String()] = true
		out = append(out, f)
	}
	return out
}

// setupLine says in one line what awsauth resolved.
func setupLine(s *Situation) string {
	if !s.Known {
		if s.ResolveError != "" {
			return "awsauth could not resolve the profile: " + s.ResolveError
		}
		return ""
	}
	from := ""
	if s.ProfileFrom != "" && s.ProfileFrom != "default" {
		from = " (from " + s.ProfileFrom + ")"
	}
	out := "awsauth resolves profile " + s.Profile + from + " to " + s.Chain
	if s.Region != "" {
		out += "; region " + s.Region
	} else {
		out += "; no region"
	}
	return out
}

// lineVars completes what was read from the matched line with what follows
// from it and the setup.
func lineVars(s *Situation, c Cause, found map[string]string) map[string]string {
	v := map[string]string{}
	for k, val := range found {
		v[k] = val
	}
	if c == ProfileNotFound {
		if v["named_profile"] == "" && !s.ProfileExists {
			v["named_profile"] = s.Profile
		}
		if name := v["named_profile"]; name != "" {
			names := make([]string, 0, len(s.Profiles))
			for _, p := range s.Profiles {
				names = append(names, p.Name)
			}
			for _, cand := range awsconfig.Nearest(name, names) {
				if cand != name {
					v["suggestion"] = cand
					break
				}
			}
		}
	}
	if acct := v["account"]; acct != "" {
		for _, name := range s.profilesFor(acct) {
			if name != s.Profile || s.Account != acct {
				v["account_profile"] = name
				break
			}
		}
	}
	if d, ok := skew(v["request_time"], v["server_time"]); ok {
		v["skew"] = d
	}
	return v
}

// skew describes how far the signing clock was from AWS's.
func skew(request, server string) (string, bool) {
	rt, ok1 := parseTime(request)
	st, ok2 := parseTime(server)
	if !ok1 || !ok2 {
		return "", false
	}
	d := rt.Sub(st)
	switch {
	case d > 0:
		return "about " + shortDuration(d) + " ahead of AWS", true
	case d < 0:
		return "about " + shortDuration(d) + " behind AWS", true
	}
	return "", false
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{"20060102T150405Z", time.RFC3339, "2006-01-02T15:04:05.000Z", time.RFC1123} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// placeholders name what each placeholder stands for when its value is not
// known; the guide shows these.
var placeholders = map[string]string{
	"profile":          "PROFILE",
	"profile_from":     "where the profile name came from",
	"cmd":              "<command>",
	"sso":              "SSO_SESSION",
	"sso_state":        "the state of the cached SSO token",
	"role":             "ROLE_ARN",
	"chain":            "the credential chain",
	"region":           "REGION",
	"region_from":      "where the region came from",
	"mfa":              "MFA_SERIAL",
	"process":          "PROGRAM",
	"token_file":       "TOKEN_FILE",
	"config_file":      "~/.aws/config",
	"credentials_file": "~/.aws/credentials",
	"env_profile":      "NAME",
	"my_account":       "ACCOUNT",
	"resolve_error":    "the resolution error",
	"named_profile":    "NAME",
	"suggestion":       "NAME",
	"account":          "ACCOUNT",
	"current_account":  "OTHER_ACCOUNT",
	"account_profile":  "PROFILE",
	"action":           "the action",
	"resource":         "the resource",
	"target_role":      "the role",
	"skew":             "off by the difference between the two times",
	"exit_status":      "N",
	"login_profile":    "PROFILE",
	"login_profiles":   "the profiles with login_session",
	"login_session":    "the identity in login_session",
	"login_state":      "the state of the cached aws login session",
	"config_path":      "the file",
	"config_line":      "N",
}

func vars(s *Situation) map[string]string {
	v := map[string]string{
		"profile":          s.Profile,
		"profile_from":     s.ProfileFrom,
		"cmd":              s.Tool,
		"sso":              s.SSOName,
		"sso_state":        s.SSOState,
		"role":             s.RoleARN,
		"chain":            s.Chain,
		"region":           s.Region,
		"region_from":      s.RegionFrom,
		"mfa":              s.MFASerial,
		"process":          s.Process,
		"token_file":       s.TokenFile,
		"config_file":      s.ConfigFile,
		"credentials_file": s.CredentialsFile,
		"env_profile":      s.EnvProfile,
		"my_account":       s.Account,
		"resolve_error":    s.ResolveError,
		"login_profile":    loginProfile(s),
		"login_profiles":   strings.Join(s.LoginProfiles, ", "),
		"login_session":    s.LoginSession,
		"login_state":      s.LoginState,
	}
	if v["profile_from"] == "" {
		v["profile_from"] = "default"
	}
	for k, val := range s.Line {
		v[k] = val
	}
	return v
}

// loginProfile is the profile to sign in again with aws login: the one the
// chain uses, else the only or first that has login_session, else the
// selected profile (aws login writes login_session into it).
func loginProfile(s *Situation) string {
	switch {
	case s.LoginProfile != "":
		return s.LoginProfile
	case len(s.LoginProfiles) > 0:
		return s.LoginProfiles[0]
	}
	return s.Profile
}

// fill replaces {name} with v[name], or with the placeholder's stand-in.
func fill(text string, v map[string]string) string {
	if !strings.Contains(text, "{") {
		return text
	}
	var sb strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			sb.WriteString(text)
			return sb.String()
		}
		j := strings.IndexByte(text[i:], '}')
		name := ""
		if j > 0 {
			name = text[i+1 : i+j]
		}
		stand, known := placeholders[name]
		if !known {
			// Not a placeholder (JSON in a text): keep the brace.
			sb.WriteString(text[:i+1])
			text = text[i+1:]
			continue
		}
		sb.WriteString(text[:i])
		if val := v[name]; val != "" {
			sb.WriteString(val)
		} else {
			sb.WriteString(stand)
		}
		text = text[i+j+1:]
	}
}
