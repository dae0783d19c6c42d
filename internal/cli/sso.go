package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/identity"
	"github.com/awsauth/awsauth/internal/ssotoken"
	"github.com/awsauth/awsauth/internal/status"
)

// ssoTarget is the session a login, refresh or logout acts on.
type ssoTarget struct {
	session ssotoken.Session
	profile string // "" when chosen with --sso-session
}

// resolveSSOTarget finds the IAM Identity Center session from --sso-session,
// or from the profile (--profile, AWS_PROFILE, default), whichever hop of
// its chain is SSO.
func (a *app) resolveSSOTarget(ctx context.Context, sessionName string) (*ssoTarget, error) {
	inv, err := awsconfig.Load(awsconfig.LocateFiles(a.deps.Env))
	if err != nil {
		return nil, err
	}
	if sessionName != "" {
		s, ok := inv.SSOSession(sessionName)
		if !ok {
			sugg := awsconfig.Nearest(sessionName, inv.SSOSessions)
			hints := []string{}
			if len(sugg) > 0 {
				hints = append(hints, fmt.Sprintf("did you mean %q?", sugg[0]))
			}
			hints = append(hints, "sessions are [sso-session NAME] sections of "+inv.Files.Config)
			return nil, hint.With(fmt.Errorf("sso-session %q is not defined in %s", sessionName, inv.Files.Config), hints...)
		}
		if s.StartURL == "" || s.Region == "" {
			return nil, hint.With(fmt.Errorf("[sso-session %s] in %s needs sso_start_url and sso_region", sessionName, inv.Files.Config),
				"run: aws configure sso-session")
		}
		return &ssoTarget{session: sessionOf(&s)}, nil
	}
	name := a.g.profile
	if name == "" {
		name, _ = a.deps.Env.First("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
	}
	if name == "" {
		name = "default"
	}
	req := a.request()
	req.Profile = name
	trace, err := awsconfig.ResolveIn(ctx, inv, req, a.deps.Env)
	if err != nil {
		return nil, err
	}
	s, profile, ok := awsconfig.SSOFor(trace)
	if !ok {
		hints := []string{"set one up with: aws configure sso"}
		if len(inv.SSOSessions) > 0 {
			hints = []string{"or log in to a session directly: awsauth login --sso-session " + inv.SSOSessions[0]}
			hints = append([]string{"pick a profile that uses IAM Identity Center: awsauth profiles"}, hints...)
		}
		return nil, hint.With(fmt.Errorf("profile %s does not use IAM Identity Center (its credentials come from %s)", trace.Profile, trace.Source()), hints...)
	}
	return &ssoTarget{session: sessionOf(s), profile: profile}, nil
}

func sessionOf(s *awsconfig.SSOSettings) ssotoken.Session {
	out := ssotoken.Session{Name: s.Session, StartURL: s.StartURL, Region: s.Region}
	for _, sc := range strings.Split(s.Scopes, ",") {
		if sc = strings.TrimSpace(sc); sc != "" {
			out.Scopes = append(out.Scopes, sc)
		}
	}
	return out
}

func (a *app) flow(s ssotoken.Session) *ssotoken.Flow {
	return &ssotoken.Flow{
		OIDC:       a.clients().SSOOIDC(s.Region),
		Store:      ssotoken.NewStore(awsconfig.HomeDir(a.deps.Env)),
		Now:        a.deps.Now,
		ClientName: "awsauth",
	}
}

func (a *app) newLoginCmd() *cobra.Command {
	var session string
	var noBrowser, remote bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in to IAM Identity Center (SSO) or an aws login session",
		Long: `Sign in to the session the profile's credentials come from, and cache the
token where the AWS CLI v2 and every SDK read it.

IAM Identity Center (sso_session or sso_start_url profiles): the device
authorization flow. awsauth shows a URL and a code, opens the browser (unless
--no-browser or there is no display), and waits until you approve. The token
goes to ~/.aws/sso/cache, exactly as after "aws sso login". Profiles with an
sso-session get a refreshable token: "awsauth refresh" (and "awsauth exec")
renew it without a browser until the session's maximum length.

aws login (login_session profiles, the console sign-in of the AWS CLI 2.32
and later): the browser flow "aws login" runs, without the AWS CLI. awsauth
opens the sign-in page (--no-browser prints its URL instead) and waits for
the browser to come back to a listener on 127.0.0.1; on a machine without a
browser, --remote shows a URL to open on any device and asks for the code
the page then shows. The token goes to ~/.aws/login/cache (or
AWS_LOGIN_CACHE_DIRECTORY), as after "aws login": its credentials last 15
minutes and are renewed (by awsauth, the AWS CLI and the SDKs) for up to 12
hours after the sign-in.`,
		Example: `  awsauth login --profile dev
  awsauth login --sso-session corp --no-browser   # on a server: open the URL elsewhere
  awsauth login --profile console --remote        # aws login profile, browser on another device`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if session == "" {
				if trace, h, ok := a.resolveLoginSession(ctx); ok {
					return a.runSessionLogin(ctx, trace, h, sessionLoginOptions{noBrowser: noBrowser, remote: remote, timeout: timeout})
				}
			}
			if remote {
				return &usageError{errors.New("--remote is for aws login (login_session) profiles; IAM Identity Center's device code works on any device already: use --no-browser")}
			}
			t, err := a.resolveSSOTarget(ctx, session)
			if err != nil {
				return err
			}
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			f := a.flow(t.session)
			f.Prompt = func(p ssotoken.Prompt) { a.showPrompt(p, noBrowser) }
			tok, reused, err := f.Login(ctx, t.session)
			if err != nil {
				return loginError(err, t, timeout)
			}
			return a.loginSummary(ctx, t, tok, reused)
		},
	}
	cmd.Flags().StringVar(&session, "sso-session", "", "log in to this [sso-session] instead of the profile's")
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "do not open a browser; print the URL (and code) only")
	cmd.Flags().BoolVar(&remote, "remote", false, "aws login profiles: sign in with a browser on another device, then paste the code it shows")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up when the login is not approved within this time (default: when the code expires; 10m for aws login)")
	return cmd
}

func (a *app) showPrompt(p ssotoken.Prompt, noBrowser bool) {
	w := a.deps.IO.ErrOut
	cs := a.deps.IO.ErrColorScheme()
	fmt.Fprintf(w, "To sign in, open %s\nand confirm the code %s (valid for %s).\n",
		cs.Bold(p.VerificationURIComplete), cs.Bold(p.UserCode), humanDuration(time.Until(p.ExpiresAt)))
	if noBrowser || a.deps.OpenBrowser == nil {
		return
	}
	if err := a.deps.OpenBrowser(p.VerificationURIComplete); err != nil {
		fmt.Fprintf(w, "(could not open a browser: %v; open the URL yourself)\n", err)
		return
	}
	fmt.Fprintln(w, "Opened the page in your browser. Waiting for approval...")
}

// loginError adds the next step to a login that ended without a token.
func loginError(err error, t *ssoTarget, timeout time.Duration) error {
	again := "awsauth login " + t.flag()
	var de *ssotoken.DeviceFlowError
	switch {
	case errors.As(err, &de) && de.Reason == "expired":
		return hint.With(err, "run "+again+" again and approve the code before it expires")
	case errors.As(err, &de):
		return hint.With(err, "run "+again+" again and choose Allow in the browser")
	case errors.Is(err, context.DeadlineExceeded) && timeout > 0:
		return hint.With(fmt.Errorf("the login was not approved within %s", timeout), "run "+again+" again, or without --timeout")
	case errors.Is(err, context.Canceled):
		return &interruptedError{errors.New("login cancelled; nothing was written")}
	}
	return identity.Classify(err)
}

// flag is how to name the target on a command line.
func (t *ssoTarget) flag() string {
	if t.profile != "" {
		return "--profile " + t.profile
	}
	return "--sso-session " + t.session.Name
}

type loginResult struct {
	Session     string             `json:"session"`
	StartURL    string             `json:"start_url"`
	Profile     string             `json:"profile,omitempty"`
	Expires     time.Time          `json:"expires"`
	Refreshable bool               `json:"refreshable"`
	Reused      bool               `json:"reused"`
	Identity    *identity.Identity `json:"identity"`
}

func (a *app) loginSummary(ctx context.Context, t *ssoTarget, tok *ssotoken.Token, reused bool) error {
	res := loginResult{Session: t.session.Name, StartURL: t.session.StartURL, Profile: t.profile,
		Refreshable: tok.Refreshable(), Reused: reused}
	if tok.ExpiresAt != nil {
		res.Expires = tok.ExpiresAt.UTC()
	}
	if t.profile != "" {
		req := a.request()
		req.Profile = t.profile
		if rep, err := status.Check(ctx, status.Options{Request: req, Deps: a.sessionDeps(), Now: a.deps.Now}); err == nil {
			res.Identity = rep.Identity
		} else {
			a.debugf("identity after login: %v", err)
		}
	}
	if a.g.json {
		return writeJSON(a.deps.IO.Out, res)
	}
	who := t.session.String()
	if res.Identity != nil {
		who = "profile " + t.profile + " as " + res.Identity.ARN
	}
	how := "not refreshable"
	if res.Refreshable {
		how = "refreshable"
	}
	verb := "logged in"
	if reused {
		verb = "already logged in by another awsauth"
	}
	fmt.Fprintf(a.deps.IO.ErrOut, "%s: %s; SSO token valid until %s (%s), %s\n", verb, who,
		res.Expires.Format(time.RFC3339), humanDuration(res.Expires.Sub(a.deps.Now())), how)
	return nil
}

func (a *app) newRefreshCmd() *cobra.Command {
	var session string
	cmd := &cobra.Command{
		Use:   "refresh",
		Short: "Renew the IAM Identity Center token without a browser",
		Long: `Renew the cached IAM Identity Center access token with its refresh token, so
it lives another hour without a browser. This works until the SSO session's
maximum length (set by your administrator, often 8-12 hours); after that,
awsauth refresh exits 3 and "awsauth login" is needed.

Only sso-session profiles have refresh tokens; legacy profiles (sso_start_url
in the profile itself) must log in again.`,
		Example: `  awsauth refresh --profile dev
  awsauth refresh --sso-session corp --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			t, err := a.resolveSSOTarget(ctx, session)
			if err != nil {
				return err
			}
			tok, err := a.flow(t.session).Refresh(ctx, t.session)
			if err != nil {
				var re *ssotoken.ReloginError
				if errors.As(err, &re) {
					return hint.With(err, "run: awsauth login "+t.flag())
				}
				return identity.Classify(err)
			}
			exp := tok.ExpiresAt.UTC()
			if a.g.json {
				return writeJSON(a.deps.IO.Out, map[string]any{"session": t.session.Name, "start_url": t.session.StartURL, "expires": exp, "refreshable": tok.Refreshable()})
			}
			fmt.Fprintf(a.deps.IO.ErrOut, "refreshed %s: SSO token valid until %s (%s)\n", t.session, exp.Format(time.RFC3339), humanDuration(exp.Sub(a.deps.Now())))
			return nil
		},
	}
	cmd.Flags().StringVar(&session, "sso-session", "", "refresh this [sso-session] instead of the profile's")
	return cmd
}

func (a *app) newLogoutCmd() *cobra.Command {
	var session string
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "End the IAM Identity Center session and remove its cached token",
		Long: `End the IAM Identity Center session: tell the portal to revoke the token, then
remove this session's token from ~/.aws/sso/cache, and the role credentials
awsauth keeps in its own cache (~/.cache/awsauth, used by credential-process
and exec), as "aws sso logout" removes the AWS CLI's. Other sessions' tokens
stay. Role credentials already handed to a running program keep working
until they expire (AWS cannot recall them).`,
		Example: `  awsauth logout --profile dev
  awsauth logout --sso-session corp`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			t, err := a.resolveSSOTarget(ctx, session)
			if err != nil {
				return err
			}
			store := ssotoken.NewStore(awsconfig.HomeDir(a.deps.Env))
			unlock, err := store.Lock(ctx, t.session.CacheKey())
			if err != nil {
				return err
			}
			defer unlock()
			tok, rerr := store.ReadToken(t.session.CacheKey())
			if rerr == nil && tok.AccessToken != "" && tok.Valid(a.deps.Now()) {
				portal := a.clients().SSO(t.session.Region)
				if _, err := portal.Logout(ctx, &sso.LogoutInput{AccessToken: aws.String(tok.AccessToken)}); err != nil {
					fmt.Fprintf(a.deps.IO.ErrOut, "warning: the portal did not confirm the logout (%v); removing the local token anyway\n", identity.Classify(err))
				}
			}
			if err := store.DeleteToken(t.session.CacheKey()); err != nil {
				return fmt.Errorf("remove %s: %w", store.TokenPath(t.session.CacheKey()), err)
			}
			// The cache does not record where an entry came from: all of it
			// goes, and the next call fetches anew from whatever source.
			cache := a.cache()
			removed := ""
			if n, err := cache.ClearAll(); err != nil {
				fmt.Fprintf(a.deps.IO.ErrOut, "warning: cached role credentials in %s not all removed: %v\n", cache.Dir, err)
			} else if n > 0 {
				removed = fmt.Sprintf("; removed %d cached role credential file(s) from %s", n, cache.Dir)
			}
			if errors.Is(rerr, ssotoken.ErrNotFound) {
				fmt.Fprintf(a.deps.IO.ErrOut, "not logged in to %s: no token to remove%s\n", t.session, removed)
				return nil
			}
			fmt.Fprintf(a.deps.IO.ErrOut, "logged out of %s%s\n", t.session, removed)
			return nil
		},
	}
	cmd.Flags().StringVar(&session, "sso-session", "", "log out of this [sso-session] instead of the profile's")
	return cmd
}
