package doctor

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/logintoken"
	"github.com/awsauth/awsauth/internal/status"
)

// chainCap is how long AWS lets a role session last when it was assumed
// with the credentials of another role session (role chaining).
const chainCap = time.Hour

// link is one link of the chain as far as its lifetime goes.
type link struct {
	what string
	// ends is when the link runs out for good unless a person acts; zero
	// when it has no fixed end (it is renewed from its source).
	ends time.Time
	// unknown is a link that will end but does not say when.
	unknown bool
	// missing is an SSO login that never happened or whose cache is gone.
	missing bool
	// session is how long each renewed session lasts, when that matters.
	session time.Duration
	chained bool
	// refreshable is an SSO token that renews itself.
	refreshable bool
	// maxLife is the longest the link can last after a new sign-in (an
	// aws login session's 12 hours); zero when a sign-in does not bound it.
	maxLife time.Duration
	// unknownWhy replaces "do not say when they expire" for an unknown
	// end.
	unknownWhy string
	note       string
	fix        string
}

// Lifetime: every link of the chain lasts as long as the deployment.
var Lifetime = Check{
	ID:    "lifetime",
	Title: "Credentials last the deployment",
	Run: func(ctx context.Context, e *Env) Result {
		rep, err := e.Report(ctx)
		if err != nil {
			return Result{Status: Skip, Detail: "the chain does not resolve (see credentials)"}
		}
		t := rep.Trace
		now := e.now()
		d := e.Expect.Duration
		end := now.Add(d)
		planned := ""
		if d > 0 {
			planned = "the planned " + human(d) + " run (until " + stamp(end) + ")"
		}
		if underExec(t, e) {
			return Result{Status: OK, Detail: "the credentials come from awsauth exec (profile " + e.Lookup.Get("AWSAUTH_PROFILE") + "), which renews them while the command runs"}
		}
		links := chainLinks(rep, now)

		// Links nobody renews end the deployment's credentials with them.
		var hard []link
		for _, l := range links {
			if !l.ends.IsZero() {
				hard = append(hard, l)
			}
		}
		sort.SliceStable(hard, func(i, j int) bool { return hard[i].ends.Before(hard[j].ends) })
		if len(hard) > 0 && !hard[0].ends.After(now) {
			l := hard[0]
			if l.missing {
				return Result{Status: Fail, Detail: l.what + l.note, Fix: l.fix}
			}
			return Result{Status: Fail, Detail: fmt.Sprintf("%s ended at %s (%s ago)%s", l.what, stamp(l.ends), human(now.Sub(l.ends)), l.note), Fix: l.fix}
		}
		if len(hard) > 0 && d > 0 && hard[0].ends.Before(end) {
			l := hard[0]
			fix := l.fix
			if l.maxLife > 0 && d > l.maxLife {
				fix = fmt.Sprintf("no sign-in lasts %s: %s; split the run, or run it from an IAM Identity Center or role profile, whose credentials renew for longer", human(d), l.maxNote())
			}
			return Result{Status: Fail, Detail: fmt.Sprintf("first to end: %s, at %s (in %s), before %s ends%s", l.what, stamp(l.ends), human(l.ends.Sub(now)), planned, l.note), Fix: fix}
		}
		if d > 0 {
			for _, l := range links {
				switch {
				case l.unknown && l.unknownWhy != "":
					fix := l.fix
					if l.maxLife > 0 && d > l.maxLife {
						fix = fmt.Sprintf("no sign-in lasts %s: %s; split the run, or run it from an IAM Identity Center or role profile", human(d), l.maxNote())
					}
					return Result{Status: Warn, Detail: fmt.Sprintf("%s%s: it may not last %s%s", l.what, l.unknownWhy, planned, l.note), Fix: fix}
				case l.unknown:
					return Result{Status: Warn, Detail: fmt.Sprintf("%s do not say when they expire: they may not last %s%s", l.what, planned, l.note), Fix: l.fix}
				case l.chained && l.session < d:
					return Result{Status: Warn, Detail: fmt.Sprintf("%s end after %s (AWS caps chained role sessions at 1h), before %s ends: a tool that keeps one session fails then; or assume the role from a source that is not a role session", l.what, human(l.session), planned), Fix: l.fix}
				}
			}
		}
		detail := "no link of the chain has ended"
		if d > 0 {
			detail = "nothing in the chain ends before " + planned
		}
		if len(hard) > 0 {
			l := hard[0]
			detail += fmt.Sprintf("; first to end: %s, at %s (in %s)%s", l.what, stamp(l.ends), human(l.ends.Sub(now)), l.note)
		} else if renew := renewedBy(links); renew != "" {
			detail += "; " + renew
		}
		return Result{Status: OK, Detail: detail}
	},
}

// chainLinks describes each hop of the chain by how long it lasts.
func chainLinks(rep *status.Report, now time.Time) []link {
	t := rep.Trace
	var out []link
	for i, h := range t.Hops {
		switch h.Kind {
		case awsconfig.KindEnv:
			fix := "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION, then run the deployment from a profile, renewed: awsauth exec --profile NAME -- cdk deploy"
			switch {
			case h.Expires != nil:
				out = append(out, link{what: "the environment's keys (AWS_CREDENTIAL_EXPIRATION)", ends: *h.Expires, note: ", and nothing renews them", fix: fix})
			case h.Static.SessionToken != "":
				out = append(out, link{what: "the environment's temporary keys (AWS_SESSION_TOKEN)", unknown: true, note: ", and nothing renews them", fix: fix})
			}
		case awsconfig.KindStatic:
			if h.Static.SessionToken != "" {
				out = append(out, link{what: fmt.Sprintf("the temporary keys of profile %s", h.Profile), unknown: true, note: ", and nothing renews them",
					fix: fmt.Sprintf("aws configure sso --profile %s   (credentials that renew), then: awsauth exec --profile %s -- cdk deploy", h.Profile, h.Profile)})
			}
		case awsconfig.KindAssumeRole:
			l := link{what: fmt.Sprintf("role sessions of profile %s", h.Profile), session: h.Duration}
			if l.session == 0 {
				l.session = time.Hour
			}
			if i+1 < len(t.Hops) && roleSession(t.Hops[i+1]) {
				l.chained = true
				if l.session > chainCap {
					l.session = chainCap
				}
			}
			l.fix = "awsauth exec --profile " + h.Profile + " -- cdk deploy   (renews the session before it ends)"
			out = append(out, l)
		case awsconfig.KindSSO, awsconfig.KindSSOLegacy:
			if l, ok := ssoLink(rep.SSO, h, now); ok {
				out = append(out, l)
			}
		case awsconfig.KindLogin:
			if l, ok := loginLink(rep.Login, now); ok {
				out = append(out, l)
			}
		}
	}
	return out
}

// loginLink is the aws login session under the chain: it ends at most 12
// hours after the sign-in, whatever renews its credentials.
func loginLink(s *status.LoginState, now time.Time) (link, bool) {
	if s == nil {
		return link{}, false
	}
	name := "the aws login session of profile " + s.Profile
	login := "awsauth login --profile " + s.Profile
	switch {
	case !s.SignedIn:
		return link{what: name, ends: now, missing: true, note: " is missing: nobody has signed in on this machine", fix: login}, true
	case !s.Renewable && (s.Ends == nil || s.Ends.After(now)) && s.CredentialsExpires != nil:
		return link{what: name, ends: *s.CredentialsExpires, note: ": its credentials cannot be renewed (the cache has no refresh token)",
			fix: login + "   (a new sign-in renews for 12h)"}, true
	case s.Ends == nil:
		return link{what: name, unknown: true, maxLife: logintoken.MaxSession,
			unknownWhy: " does not say when it began (it ends at most 12h after the sign-in)",
			fix:        login + "   (right before the run: a new sign-in lasts 12h)"}, true
	}
	return link{what: name, ends: *s.Ends, maxLife: logintoken.MaxSession,
		note: " (a session lasts at most 12h after the sign-in)",
		fix:  login + "   (right before the run: a new sign-in lasts 12h)"}, true
}

// maxNote says what bounds a link with a maximum life.
func (l link) maxNote() string {
	return fmt.Sprintf("an aws login session lasts at most %s after the sign-in", human(l.maxLife))
}

// ssoLink is the IAM Identity Center token under hop h.
func ssoLink(s *status.SSOState, h awsconfig.Hop, now time.Time) (link, bool) {
	if s == nil {
		return link{}, false
	}
	name := "the SSO token of sso-session " + s.Session
	if s.Session == "" {
		name = "the SSO token of profile " + h.Profile + " (legacy SSO)"
	}
	login := "awsauth login --profile " + h.Profile
	switch {
	case s.Expires == nil:
		return link{what: name, ends: now, missing: true, note: " is missing: nobody has logged in", fix: login}, true
	case s.Refreshable:
		return link{what: name, refreshable: true}, true
	case h.Kind == awsconfig.KindSSOLegacy:
		return link{what: name, ends: *s.Expires, note: ", and a legacy SSO profile cannot refresh it",
			fix: fmt.Sprintf("aws configure sso --profile %s   (give it an SSO session name: those tokens refresh), then %s", h.Profile, login)}, true
	}
	return link{what: name, ends: *s.Expires, note: ", and it has no refresh token",
		fix: login + "   (a new login gets a refresh token and lasts the session's full length)"}, true
}

// renewedBy says what renews a chain with no fixed end.
func renewedBy(links []link) string {
	var parts []string
	for _, l := range links {
		switch {
		case l.refreshable:
			parts = append(parts, l.what+" refreshes itself until the IAM Identity Center session's maximum length")
		case l.session > 0:
			parts = append(parts, fmt.Sprintf("%s last %s and are renewed from their source", l.what, human(l.session)))
		}
	}
	return strings.Join(parts, "; ")
}

// roleSession reports whether h hands out the credentials of an IAM role
// session, so that assuming a role with them is role chaining.
func roleSession(h awsconfig.Hop) bool {
	switch h.Kind {
	case awsconfig.KindAssumeRole, awsconfig.KindWebIdentity, awsconfig.KindSSO, awsconfig.KindSSOLegacy, awsconfig.KindContainer, awsconfig.KindIMDS:
		return true
	case awsconfig.KindStatic, awsconfig.KindEnv:
		return strings.HasPrefix(h.Static.AccessKeyID, "ASIA") || h.Static.SessionToken != ""
	}
	return false
}

// underExec reports whether these credentials come from awsauth exec's
// endpoint, which renews them.
func underExec(t *awsconfig.Trace, e *Env) bool {
	return t.Source() == awsconfig.KindContainer && e.Lookup.Get("AWSAUTH_PROFILE") != "" &&
		strings.HasPrefix(t.Hops[0].ContainerURI, "http://127.0.0.1:")
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// human prints 3h, 2h05m, 14m, 45s.
func human(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}
