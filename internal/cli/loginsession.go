package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/awspath"
	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/identity"
	"github.com/awsauth/awsauth/internal/logintoken"
	"github.com/awsauth/awsauth/internal/status"
)

// aws login sessions (login_session profiles) beside IAM Identity Center:
// awsauth login runs their browser sign-in itself, and exec's login notice
// names them.

// defaultSessionLoginTimeout bounds a browser sign-in when --timeout is
// not given: the page has no code that expires to end the wait.
const defaultSessionLoginTimeout = 10 * time.Minute

// loginHop is the hop of trace that signs in with aws login.
func loginHop(trace *awsconfig.Trace) (awsconfig.Hop, bool) {
	for _, h := range trace.Hops {
		if h.Kind == awsconfig.KindLogin {
			return h, true
		}
	}
	return awsconfig.Hop{}, false
}

// endedSession names the session whose end a login notice is about, while
// a command runs and before it starts, and the profile to sign in again
// with: the aws login session, else the IAM Identity Center one.
func endedSession(trace *awsconfig.Trace) (running, atStart, profile string) {
	if h, ok := loginHop(trace); ok {
		s := "the aws login session of profile " + h.Profile
		return s, s, h.Profile
	}
	profile = trace.Profile
	if _, p, ok := awsconfig.SSOFor(trace); ok {
		profile = p
	}
	return "the IAM Identity Center session", "the IAM Identity Center session of profile " + profile, profile
}

// resolveLoginSession resolves the selected profile and returns its aws
// login hop, when its chain has one.
func (a *app) resolveLoginSession(ctx context.Context) (*awsconfig.Trace, awsconfig.Hop, bool) {
	trace, err := awsconfig.Resolve(ctx, a.request())
	if err != nil {
		return nil, awsconfig.Hop{}, false
	}
	h, ok := loginHop(trace)
	return trace, h, ok
}

type sessionLoginOptions struct {
	noBrowser bool
	remote    bool
	timeout   time.Duration
}

// sessionLoginFlow is the sign-in of trace's aws login session.
func (a *app) sessionLoginFlow(trace *awsconfig.Trace) *logintoken.Flow {
	return &logintoken.Flow{
		API:   a.clients().Signin(trace.Region),
		Store: &logintoken.Store{Dir: awspath.LoginCacheDir(a.deps.Env)},
		Now:   a.deps.Now,
	}
}

// signIn runs the browser sign-in for hop h of trace and caches the token.
func (a *app) signIn(ctx context.Context, trace *awsconfig.Trace, h awsconfig.Hop, o sessionLoginOptions) (*logintoken.LoginResult, error) {
	f := a.sessionLoginFlow(trace)
	endpoint, err := logintoken.Endpoint(ctx, a.clients().Signin(trace.Region))
	if err != nil {
		return nil, err
	}
	return f.Login(ctx, logintoken.LoginOptions{
		Endpoint: endpoint,
		Remote:   o.remote,
		Session:  h.LoginSession,
		Prompt:   func(u string) { a.showSignInPrompt(u, o) },
		ReadCode: a.readPastedCode,
	})
}

// runSessionLogin is awsauth login for a login_session profile.
func (a *app) runSessionLogin(ctx context.Context, trace *awsconfig.Trace, h awsconfig.Hop, o sessionLoginOptions) error {
	timeout := o.timeout
	if timeout <= 0 {
		timeout = defaultSessionLoginTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := a.signIn(ctx, trace, h, o)
	if err != nil {
		return sessionLoginError(err, h, timeout)
	}
	if res.Session != h.LoginSession {
		return hint.With(fmt.Errorf("signed in as %s, but profile %s uses login_session %s: its token is cached, the profile's is not",
			res.Session, h.Profile, h.LoginSession),
			fmt.Sprintf("sign in as %s, or point the profile at the new identity: set login_session = %s in [profile %s] (aws login --profile %s does that)",
				h.LoginSession, res.Session, h.Profile, h.Profile))
	}
	return a.sessionLoginSummary(ctx, h, res)
}

func (a *app) showSignInPrompt(u string, o sessionLoginOptions) {
	w := a.deps.IO.ErrOut
	if o.remote {
		fmt.Fprintf(w, "To sign in, open this URL in a browser on any device:\n  %s\nthen paste the authorization code the page shows.\n", u)
		return
	}
	fmt.Fprintf(w, "To sign in, open this URL in a browser on this machine:\n  %s\n", u)
	if o.noBrowser || a.deps.OpenBrowser == nil {
		fmt.Fprintln(w, "Waiting for the browser to come back (on another machine: awsauth login --remote)...")
		return
	}
	if err := a.deps.OpenBrowser(u); err != nil {
		fmt.Fprintf(w, "(could not open a browser: %v; open the URL yourself, or use --remote)\n", err)
		return
	}
	fmt.Fprintln(w, "Opened the page in your browser. Waiting for you to allow the sign-in...")
}

// readPastedCode asks for the code the cross-device page shows and reads
// one line of stdin, until ctx ends.
func (a *app) readPastedCode(ctx context.Context) (string, error) {
	fmt.Fprint(a.deps.IO.ErrOut, "Authorization code: ")
	type line struct {
		s   string
		err error
	}
	got := make(chan line, 1)
	go func() {
		s, err := bufio.NewReader(a.deps.IO.In).ReadString('\n')
		if err != nil && s == "" {
			got <- line{err: fmt.Errorf("read the authorization code: %w", err)}
			return
		}
		got <- line{s: s}
	}()
	select {
	case l := <-got:
		return l.s, l.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// sessionLoginError adds the next step to a sign-in that ended without a
// token.
func sessionLoginError(err error, h awsconfig.Hop, timeout time.Duration) error {
	again := "awsauth login --profile " + h.Profile
	var le *logintoken.LoginError
	switch {
	case errors.As(err, &le) && le.Reason == "denied":
		return hint.With(err, "run "+again+" again and choose Allow in the browser")
	case errors.As(err, &le) && le.Reason == "expired":
		return hint.With(err, "run "+again+" again and allow the sign-in within a few minutes")
	case errors.As(err, &le) && le.Reason == "state":
		return hint.With(err, "run "+again+" again and open the URL that run shows")
	case errors.Is(err, context.DeadlineExceeded):
		return hint.With(fmt.Errorf("the sign-in was not finished within %s; nothing was written", timeout), "run "+again+" again (--timeout gives more time)")
	case errors.Is(err, context.Canceled):
		return &interruptedError{errors.New("login cancelled; nothing was written")}
	}
	return identity.Classify(err)
}

type sessionLoginResult struct {
	Profile            string             `json:"profile"`
	Session            string             `json:"login_session"`
	CredentialsExpires time.Time          `json:"credentials_expires"`
	SessionEnds        *time.Time         `json:"session_ends"`
	Reused             bool               `json:"reused"`
	Identity           *identity.Identity `json:"identity"`
}

func (a *app) sessionLoginSummary(ctx context.Context, h awsconfig.Hop, res *logintoken.LoginResult) error {
	out := sessionLoginResult{Profile: h.Profile, Session: res.Session, CredentialsExpires: res.Token.Expires().UTC(), Reused: res.Reused}
	if ends, ok := res.Token.SessionEnds(); ok {
		ends = ends.UTC()
		out.SessionEnds = &ends
	}
	req := a.request()
	req.Profile = h.Profile
	if rep, err := status.Check(ctx, status.Options{Request: req, Deps: a.sessionDeps(), Now: a.deps.Now}); err == nil {
		out.Identity = rep.Identity
	} else {
		a.debugf("identity after the sign-in: %v", err)
	}
	if a.g.json {
		return writeJSON(a.deps.IO.Out, out)
	}
	now := a.deps.Now()
	verb := "signed in"
	if res.Reused {
		verb = "already signed in by another awsauth"
	}
	ends := "within 12h"
	if out.SessionEnds != nil {
		ends = fmt.Sprintf("%s (%s)", out.SessionEnds.Format(time.RFC3339), humanDuration(out.SessionEnds.Sub(now)))
	}
	fmt.Fprintf(a.deps.IO.ErrOut, "%s: profile %s as %s; credentials valid until %s (%s), renewed until the session ends at %s\n",
		verb, h.Profile, res.Session, out.CredentialsExpires.Format(time.RFC3339), humanDuration(out.CredentialsExpires.Sub(now)), ends)
	return nil
}

// sessionAutoLogin is exec --auto-login for an aws login session: the
// browser sign-in, when the session ends.
func (a *app) sessionAutoLogin(trace *awsconfig.Trace, h awsconfig.Hop) func(context.Context) error {
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, defaultSessionLoginTimeout)
		defer cancel()
		_, err := a.signIn(ctx, trace, h, sessionLoginOptions{})
		return err
	}
}
