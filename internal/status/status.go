// Package status gathers what `awsauth status` reports: the resolved chain,
// the identity STS sees, and how long each credential still lives.
package status

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/awspath"
	"github.com/awsauth/awsauth/internal/credsource"
	"github.com/awsauth/awsauth/internal/identity"
	"github.com/awsauth/awsauth/internal/logintoken"
	"github.com/awsauth/awsauth/internal/session"
	"github.com/awsauth/awsauth/internal/ssotoken"
)

// Report is the outcome of a status check. Its JSON form is the stable
// `awsauth status --json` contract.
type Report struct {
	Profile     string              `json:"profile"`
	Region      string              `json:"region"`
	Source      awsconfig.Kind      `json:"source"`
	Chain       []Link              `json:"chain"`
	Identity    *identity.Identity  `json:"identity"`
	Credentials Lifetime            `json:"credentials"`
	SSO         *SSOState           `json:"sso"`
	Login       *LoginState         `json:"login,omitempty"`
	Warnings    []awsconfig.Warning `json:"warnings"`
	Offline     bool                `json:"offline"`
	Error       *ErrorInfo          `json:"error,omitempty"`
	// Agent is set when the awsauth agent holds the profile's session.
	Agent       *AgentHold       `json:"agent,omitempty"`
	Trace       *awsconfig.Trace `json:"-"`
	AccessKeyID string           `json:"-"`
	Creds       *aws.Credentials `json:"-"`
}

// Link is one hop of the chain as reported.
type Link struct {
	Profile string         `json:"profile"`
	Kind    awsconfig.Kind `json:"kind"`
	Reason  string         `json:"reason"`
	Detail  string         `json:"detail,omitempty"`
}

// Lifetime is when the credentials expire; both nil for ones that do not.
type Lifetime struct {
	Expires          *time.Time `json:"expires"`
	RemainingSeconds *int64     `json:"remaining_seconds"`
}

// SSOState is the IAM Identity Center token behind the chain.
type SSOState struct {
	Session          string     `json:"session"`
	StartURL         string     `json:"start_url"`
	Expires          *time.Time `json:"expires"`
	RemainingSeconds *int64     `json:"remaining_seconds"`
	Refreshable      bool       `json:"refreshable"`
	LoggedIn         bool       `json:"logged_in"`
	CachePath        string     `json:"cache_path"`
}

// LoginState is the aws login session behind the chain: its cached
// credentials, and when the session itself ends.
type LoginState struct {
	// Profile is the profile whose login_session it is: the one to sign
	// in again with.
	Profile string `json:"profile"`
	Session string `json:"session"`
	// SignedIn: a usable token is cached (someone signed in on this
	// machine); it may have ended since.
	SignedIn           bool       `json:"signed_in"`
	CredentialsExpires *time.Time `json:"credentials_expires"`
	// SignedInAt is when the session began, Ends the latest it ends (12 h
	// later); both null when the cache does not say.
	SignedInAt       *time.Time `json:"signed_in_at"`
	Ends             *time.Time `json:"ends"`
	RemainingSeconds *int64     `json:"remaining_seconds"`
	// Renewable: the credentials can be renewed without a browser (a
	// refresh token, and a session not known to have ended).
	Renewable bool   `json:"renewable"`
	CachePath string `json:"cache_path"`
	// problem is why the cache is unusable, for the warning.
	problem string
}

// AgentHold is the awsauth agent's session of the profile.
type AgentHold struct {
	Clients     int        `json:"clients"`
	Renewals    uint64     `json:"renewals"`
	NextRenewal *time.Time `json:"next_renewal"`
}

// ErrorInfo is the failure, in the JSON report.
type ErrorInfo struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Options are the inputs of [Check].
type Options struct {
	Request awsconfig.Request
	Deps    session.Deps
	// Offline makes no network call: the report says what the
	// configuration says, and the check fails as the online one would
	// wherever that is known without the network (a missing token file,
	// an SSO session nobody is logged in to, instance metadata turned off).
	Offline bool
	// ConfigOnly stops after resolution: the report says only what the
	// configuration says, and nothing is checked (doctor's own checks
	// judge the rest).
	ConfigOnly bool
	Now        func() time.Time
	// Debugf, when set, receives progress lines. It never gets secrets.
	Debugf func(format string, args ...any)
}

// Check resolves, retrieves and identifies. It returns a report whenever
// resolution worked, even when a later step failed; the error says what
// failed.
func Check(ctx context.Context, o Options) (*Report, error) {
	debugf := o.Debugf
	if debugf == nil {
		debugf = func(string, ...any) {}
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	if o.Deps.Env == nil {
		o.Deps.Env = o.Request.Env
	}
	trace, err := awsconfig.Resolve(ctx, o.Request)
	if err != nil {
		return nil, err
	}
	r := &Report{
		Profile:  trace.Profile,
		Region:   trace.Region,
		Source:   trace.Source(),
		Warnings: append([]awsconfig.Warning{}, trace.Warnings...),
		Offline:  o.Offline,
		Trace:    trace,
	}
	for _, h := range trace.Hops {
		r.Chain = append(r.Chain, Link{Profile: h.Profile, Kind: h.Kind, Reason: h.Reason, Detail: h.Detail})
		debugf("chain: %s %s: %s", h.Kind, h.Profile, h.Reason)
	}
	r.SSO = ssoState(trace, o.Deps, now())
	if r.SSO != nil {
		if w, ok := ssoWarning(r.SSO, trace, now()); ok {
			r.Warnings = append(r.Warnings, w)
		}
	}
	r.Login = loginState(trace, o.Deps, now())
	if r.Login != nil {
		if w, ok := loginWarning(r.Login, now()); ok {
			r.Warnings = append(r.Warnings, w)
		}
	}
	if h := trace.Hops[0]; h.Expires != nil {
		r.Credentials = lifetime(*h.Expires, now())
	}
	if o.ConfigOnly {
		return r, nil
	}
	s, err := session.ForTrace(trace, o.Request, o.Deps)
	if err != nil {
		return r, r.fail(err)
	}
	if o.Offline {
		// The verdict the online check would reach without the
		// network; what only AWS can answer stays unchecked.
		if err := s.CheckOffline(); err != nil {
			return r, r.fail(err)
		}
		return r, nil
	}
	debugf("retrieving credentials from %s", trace.Source())
	creds, err := s.Retrieve(ctx)
	if err != nil {
		return r, r.fail(err)
	}
	r.Creds = &creds
	r.AccessKeyID = creds.AccessKeyID
	if r.Login != nil {
		// Fetching renewed the session's credentials.
		r.Login = loginState(trace, o.Deps, now())
	}
	if creds.CanExpire {
		r.Credentials = lifetime(creds.Expires, now())
	}
	debugf("calling sts:GetCallerIdentity")
	client := s.STSWith(creds)
	id, err := identity.Get(ctx, client)
	if err != nil {
		return r, r.fail(err)
	}
	r.Identity = &id
	return r, nil
}

func (r *Report) fail(err error) error {
	kind := "error"
	var login *credsource.LoginRequiredError
	var none *credsource.NoCredentialsError
	var rej *identity.RejectedError
	var unreach *identity.UnreachableError
	switch {
	case errors.As(err, &login):
		kind = "login-required"
	case errors.As(err, &none):
		kind = "no-credentials"
	case errors.As(err, &rej):
		kind = "rejected-" + string(rej.Reason)
	case errors.As(err, &unreach):
		kind = "unreachable"
	}
	r.Error = &ErrorInfo{Kind: kind, Message: err.Error()}
	return err
}

func lifetime(exp time.Time, now time.Time) Lifetime {
	e := exp.UTC().Truncate(time.Second)
	secs := int64(e.Sub(now).Seconds())
	return Lifetime{Expires: &e, RemainingSeconds: &secs}
}

func ssoState(trace *awsconfig.Trace, d session.Deps, now time.Time) *SSOState {
	for _, h := range trace.Hops {
		if h.SSO == nil {
			continue
		}
		home := awsconfig.HomeDir(d.Env)
		path := ssotoken.CachePath(home, ssotoken.CacheKey(h.SSO.Session, h.SSO.StartURL))
		s := &SSOState{Session: h.SSO.Session, StartURL: h.SSO.StartURL, CachePath: path}
		tok, err := ssotoken.Read(path)
		if err != nil {
			return s
		}
		s.Refreshable = tok.Refreshable()
		s.LoggedIn = tok.Valid(now)
		if tok.ExpiresAt != nil {
			lt := lifetime(tok.ExpiresAt.Time, now)
			s.Expires, s.RemainingSeconds = lt.Expires, lt.RemainingSeconds
		}
		return s
	}
	return nil
}

func ssoWarning(s *SSOState, trace *awsconfig.Trace, now time.Time) (awsconfig.Warning, bool) {
	_, err := ssotoken.Read(s.CachePath)
	var corrupt *ssotoken.CorruptError
	switch {
	case errors.As(err, &corrupt):
		return awsconfig.Warning{ID: "sso-cache-corrupt", Message: corrupt.Error(),
			Fix: "awsauth login --profile " + trace.Profile + "   (writes a new cache file)"}, true
	case err != nil:
		return awsconfig.Warning{ID: "sso-not-logged-in", Message: "no SSO token is cached for " + describeSSO(s),
			Fix: "awsauth login --profile " + trace.Profile}, true
	case !s.LoggedIn && !s.Refreshable:
		return awsconfig.Warning{ID: "sso-expired", Message: "the SSO session for " + describeSSO(s) + " has ended",
			Fix: "awsauth login --profile " + trace.Profile}, true
	}
	return awsconfig.Warning{}, false
}

// loginState reads the aws login cache of the chain's login hop.
func loginState(trace *awsconfig.Trace, d session.Deps, now time.Time) *LoginState {
	for _, h := range trace.Hops {
		if h.Kind != awsconfig.KindLogin {
			continue
		}
		store := &logintoken.Store{Dir: awspath.LoginCacheDir(d.Env)}
		s := &LoginState{Profile: h.Profile, Session: h.LoginSession, CachePath: store.Path(h.LoginSession)}
		tok, err := store.Read(h.LoginSession)
		if err != nil {
			var relogin *logintoken.ReloginError
			if errors.As(logintoken.ReadError(h.LoginSession, store.Dir, err), &relogin) {
				s.problem = relogin.Why
			} else {
				s.problem = err.Error()
			}
			return s
		}
		s.SignedIn = true
		exp := tok.Expires().UTC()
		s.CredentialsExpires = &exp
		s.Renewable = tok.Refreshable()
		if at, ok := tok.SignedIn(); ok {
			ends := at.Add(logintoken.MaxSession)
			lt := lifetime(ends, now)
			s.SignedInAt, s.Ends, s.RemainingSeconds = &at, lt.Expires, lt.RemainingSeconds
			if !now.Before(ends) {
				s.Renewable = false
			}
		}
		return s
	}
	return nil
}

func loginWarning(s *LoginState, now time.Time) (awsconfig.Warning, bool) {
	fix := "awsauth login --profile " + s.Profile + "   (or: aws login --profile " + s.Profile + ")"
	switch {
	case !s.SignedIn:
		return awsconfig.Warning{ID: "login-not-signed-in", Message: s.problem, Fix: fix}, true
	case s.Ends != nil && !now.Before(*s.Ends):
		return awsconfig.Warning{ID: "login-ended", Message: "the aws login session of profile " + s.Profile + " has ended (a session lasts at most 12h after the sign-in)", Fix: fix}, true
	}
	return awsconfig.Warning{}, false
}

func describeSSO(s *SSOState) string {
	if s.Session != "" {
		return "sso-session " + s.Session
	}
	return s.StartURL
}
