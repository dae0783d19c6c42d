package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/agent"
	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/credserver"
	"github.com/awsauth/awsauth/internal/execenv"
	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/keeper"
	"github.com/awsauth/awsauth/internal/renewal"
	"github.com/awsauth/awsauth/internal/session"
	"github.com/awsauth/awsauth/internal/ssotoken"
)

type execOptions struct {
	duration      time.Duration
	refreshBefore refreshBeforeFlag
	noServer      bool
	autoLogin     bool
	quiet         bool
	watch         string
	watchJSON     string
	noAgent       bool
	noNotify      bool
	// watchNow is the clock of the watched stack's events (the demo's
	// fake clock); nil means real time.
	watchNow func() time.Time

	// For the demo: its own narration of keeper events, and the keeper's
	// final status.
	events func(keeper.Event)
	done   func(keeper.Status)
}

func (a *app) newExecCmd() *cobra.Command {
	var o execOptions
	cmd := &cobra.Command{
		Use:   "exec [flags] -- COMMAND [ARGS...]",
		Short: "Run a command whose AWS credentials never expire while it runs",
		Long: `Run COMMAND with AWS credentials that stay valid for as long as it runs.

awsauth serves the profile's credentials to the command through a local,
token-protected container-credentials endpoint (127.0.0.1 only) that every
AWS SDK and the AWS CLI read, and renews them from their source when
min(15 minutes, half their lifetime) is left, the lifetime counting from when
they were obtained (also when they come from the cache credential-process
keeps). When the IAM Identity Center session, or the aws login session (at
most 12 hours after the sign-in), itself ends, awsauth keeps serving the
still-valid credentials, says so once on stderr, and resumes as soon as you
log in again in another terminal (awsauth login, or aws sso login / aws
login); with --auto-login it starts the login itself. The command is never
killed for it.

The command's environment loses variables that would shadow the endpoint
(AWS_ACCESS_KEY_ID, AWS_PROFILE, ...) and gets AWS_REGION,
AWS_DEFAULT_REGION and AWS_SDK_LOAD_CONFIG=1. awsauth exits with the
command's exit code.

Ctrl-C before the command starts (a slow credential source, an MFA prompt,
a login waiting for approval) stops awsauth with exit code 130. While the
command runs, Ctrl-C is the command's: awsauth passes it on and keeps the
credentials coming until the command ends. After that, Ctrl-C stops a
--watch that is still following the stack (exit 130).

--watch STACK follows, on stderr, the operation the command starts on
STACK (stdout stays the command's), on to its end if the command dies
first; awsauth exits 6 when that operation fails and the command
succeeded. A command that starts no operation (a deploy with nothing to
change) is not an error: awsauth says so in one line and exits with the
command's code. --watch-json FILE writes the watch's NDJSON, as
awsauth watch --json prints it, to FILE, made at its first line (an
outcome with status NO_OPERATION means none started); --json alone puts
that NDJSON on stderr instead of the lines.`,
		Example: `  awsauth exec --profile prod -- cdk deploy --all
  awsauth exec --profile prod --duration 3h -- terraform apply
  awsauth exec --profile ci --no-server -- ./legacy-tool   # plain env keys; they expire
  awsauth exec --profile prod --watch MyStack --watch-json watch.ndjson -- \
      cdk deploy MyStack --outputs-file /dev/stdout | jq .`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &usageError{errors.New("exec needs a command: awsauth exec [flags] -- COMMAND [ARGS...]")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkWatchJSON(o); err != nil {
				return err
			}
			return a.runExec(cmd.Context(), o, args)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&o.duration, "duration", 0, "how long the command will run: warn first when a link of the chain cannot last that long")
	f.Var(&o.refreshBefore, "refresh-before", "renew this long before expiry, less than the credentials' lifetime (default: min(15m, half the lifetime))")
	f.BoolVar(&o.noServer, "no-server", false, "no endpoint: put the current keys in the environment (they expire; for tools that cannot read an endpoint)")
	f.BoolVar(&o.autoLogin, "auto-login", false, "when the SSO or aws login session ends, start the login (browser) instead of waiting for one")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "say nothing on stderr unless action is needed")
	f.StringVar(&o.watch, "watch", "", "follow this CloudFormation stack beside the command, to its end even if the command dies first")
	f.BoolVar(&o.noNotify, "no-notify", false, "no desktop notification when a login is needed (also: AWSAUTH_NO_NOTIFY=1)")
	f.BoolVar(&o.noAgent, "no-agent", false, "renew in this process, without sharing the awsauth agent's session (also: AWSAUTH_NO_AGENT=1)")
	f.StringVar(&o.watchJSON, "watch-json", "", "with --watch: write the watch's NDJSON to `FILE` (made at its first line)")
	f.SetInterspersed(false)
	return cmd
}

func (a *app) runExec(ctx context.Context, o execOptions, args []string) error {
	// ctx ends at Ctrl-C: until the command starts, that stops awsauth.
	// While the command runs, a Ctrl-C is the command's to handle: the
	// endpoint, the renewals and a watch beside it outlive it (run).
	run := context.WithoutCancel(ctx)
	if err := o.refreshBefore.check(time.Time{}, time.Time{}); err != nil {
		return err
	}
	s, err := session.Open(ctx, a.request(), a.sessionDeps())
	if err != nil {
		return err
	}
	defer s.Close()
	trace := s.Trace
	for _, w := range trace.Warnings {
		switch w.ID {
		case "js-sdk-v2-load-config", "container-shadowed", "botocore-region", "role-chaining":
			// exec sets AWS_SDK_LOAD_CONFIG and both region variables,
			// shadows [default], and renews chained sessions.
		default:
			fmt.Fprintf(a.deps.IO.ErrOut, "awsauth: warning: %s\n  fix: %s\n", w.Message, w.Fix)
		}
	}
	for _, w := range durationWarnings(trace, o.duration, a.deps.Env, a.deps.Now()) {
		fmt.Fprintf(a.deps.IO.ErrOut, "awsauth: warning: %s\n", w)
	}
	// The first credentials come from the cache credential-process keeps
	// when it holds fresh ones (no upstream call before the command
	// starts); every renewal goes upstream and is saved there.
	keep := func(ctx context.Context) (*keeper.Keeper, error) {
		return s.Keep(ctx, session.KeepOptions{
			RefreshBefore: o.refreshBefore.d,
			OnNeedsLogin:  a.autoLoginHook(trace, o.autoLogin),
			OnEvent:       a.execEventPrinter(trace, o),
		})
	}
	// With the agent, every terminal on the profile shares one session.
	src := &execSource{}
	var k *keeper.Keeper
	var at *agent.Attachment
	if ok, why := a.agentFor(o, trace); ok {
		at, err = a.attachAgent(ctx, args, a.notifies(o), a.agentEventPrinter(trace, o, a.deps.IO.ErrOut, a.autoLoginHook(trace, o.autoLogin), run))
		if err != nil {
			if ctx.Err() != nil {
				return &interruptedError{fmt.Errorf("interrupted before %s started", filepath.Base(args[0]))}
			}
			a.debugf("exec: renewing in this process: %v", err)
		} else {
			defer at.Close()
			src.set(at)
			a.debugf("exec: sharing the awsauth agent's session of profile %s", trace.Profile)
		}
	} else {
		a.debugf("exec: renewing in this process: %s", why)
	}
	if at == nil {
		k, err = keep(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return &interruptedError{fmt.Errorf("interrupted before %s started", filepath.Base(args[0]))}
			}
			return err
		}
		src.set(k)
	}
	creds, err := src.Get()
	if err != nil {
		return err
	}
	if k != nil {
		// The lifetime is known now: check the window before anything
		// starts.
		first := k.Status()
		if err := o.refreshBefore.check(first.Obtained, first.Expires); err != nil {
			return err
		}
	}

	// A directory for copies of the shared files, made only if one is
	// needed (to hide [default] keys from the child).
	var tmp string
	defer func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}()
	tempDir := func() (string, error) {
		if tmp == "" {
			d, err := os.MkdirTemp("", "awsauth-exec-")
			if err != nil {
				return "", err
			}
			tmp = d
		}
		return tmp, nil
	}

	var childEnv []string
	if o.noServer {
		childEnv = noServerEnv(a.environ(), creds, trace.Region)
		if creds.CanExpire {
			fmt.Fprintf(a.deps.IO.ErrOut, "awsauth: warning: --no-server: the command gets fixed keys that expire at %s (in %s) and are not renewed\n",
				creds.Expires.UTC().Format(time.RFC3339), humanDuration(creds.Expires.Sub(a.deps.Now())))
		}
	} else {
		srv, err := credserver.Start(run, src, credserver.Options{Now: a.deps.Now})
		if err != nil {
			return err
		}
		defer srv.Close()
		plan, err := execenv.Build(execenv.Inputs{
			Base: a.environ(), Endpoint: srv.URL(), Token: srv.Token(),
			Region: trace.Region, Profile: trace.Profile, Files: trace.Files, TempDir: tempDir,
		})
		if err != nil {
			return err
		}
		for _, n := range plan.Notes {
			a.debugf("exec: %s", n)
		}
		childEnv = plan.Env
		a.debugf("exec: endpoint %s", srv.URL())
	}
	if !o.quiet {
		fmt.Fprintf(a.deps.IO.ErrOut, "awsauth: %s as %s (%s); credentials renewed while it runs\n",
			strings.Join(args, " "), profileLabel(trace), trace.Source())
	}
	childDone := make(chan struct{})
	if at != nil {
		go a.fallBackWhenTheAgentGoes(run, at, src, childDone, keep)
	}
	// The watch outlives a Ctrl-C during the command, not one after it.
	watchCtx, stopWatch := context.WithCancel(run)
	defer stopWatch()
	var watched chan watchResult
	var streams execWatchStreams
	var jsonFile *lazyFile
	note := &followNote{w: a.deps.IO.ErrOut}
	if o.watch != "" {
		watched = make(chan watchResult, 1)
		now := o.watchNow
		if now == nil {
			now = a.deps.Now
		}
		if o.watchJSON != "" {
			// The stack's events and outcome hold no secret.
			jsonFile = &lazyFile{path: o.watchJSON, perm: 0o644}
			defer jsonFile.Close()
			streams = a.execWatchStreams(jsonFile)
		} else {
			streams = a.execWatchStreams(nil)
		}
		go func() {
			res := a.execWatch(watchCtx, s, k, o.watch, now, streams, childDone, note.opFound)
			note.watchEnded()
			watched <- res
		}()
	}
	code, err := execenv.Run(run, execenv.Command{
		Args: args, Env: childEnv,
		Stdin: a.deps.IO.In, Stdout: a.deps.IO.Out, Stderr: a.deps.IO.ErrOut,
		InteractiveTerminal: a.deps.IO.IsStdinTTY(),
	}, nil)
	close(childDone)
	if watched != nil {
		if err == nil {
			note.commandEnded(fmt.Sprintf("awsauth: %s exited with %d; following stack %s to its end", filepath.Base(args[0]), code, o.watch))
		}
		if a.deps.OnInterrupt != nil {
			defer a.deps.OnInterrupt(stopWatch)()
		}
		res := <-watched
		if watchCtx.Err() != nil && errors.Is(res.err, context.Canceled) {
			return &interruptedError{fmt.Errorf("interrupted while following stack %s; its operation goes on (follow it again: awsauth watch %s)", o.watch, o.watch)}
		}
		var verr error
		var noop *noOperationError
		if errors.As(res.err, &noop) {
			// Not a failure: a deploy with nothing to change starts no
			// operation. The command's code stands.
			if streams.json != nil {
				writeJSONCompact(streams.json, watchOutcome{Stack: o.watch, Status: "NO_OPERATION"})
			}
			if streams.human != nil && err == nil {
				fmt.Fprintf(streams.human, "awsauth: %v; nothing to follow\n", noop)
			}
		} else {
			verr = a.watchVerdict([]watchResult{res}, streams.human, streams.json)
		}
		if jsonFile != nil {
			if ferr := jsonFile.Close(); ferr != nil {
				ferr = hint.With(fmt.Errorf("--watch-json: the watch's NDJSON was not written: %w", ferr), "check that the file can be written, or leave --watch-json out")
				if err == nil && code == 0 && verr == nil {
					verr = ferr
				} else {
					fmt.Fprintf(a.deps.IO.ErrOut, "awsauth: warning: %v\n", ferr)
				}
			}
		}
		if err == nil && code == 0 && verr != nil {
			return verr
		}
	}
	if err != nil {
		var se *execenv.StartError
		if errors.As(err, &se) {
			return &silentError{code: code, err: fmt.Errorf("%w", err), show: true}
		}
		return err
	}
	if k != nil {
		st := k.Status()
		a.debugf("exec: %d renewals, %d failures", st.Refreshes, st.Failures)
		if o.done != nil {
			o.done(st)
		}
	}
	if code != 0 {
		return &silentError{code: code, err: fmt.Errorf("%s exited with %d", args[0], code)}
	}
	return nil
}

// refreshBeforeFlag is --refresh-before: a duration, kept as typed for
// messages.
type refreshBeforeFlag struct {
	d   time.Duration
	raw string // "" when not given
}

func (f *refreshBeforeFlag) String() string { return f.raw }
func (f *refreshBeforeFlag) Type() string   { return "duration" }

func (f *refreshBeforeFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	f.d, f.raw = d, s
	return nil
}

// check rejects a window that is not positive, or not shorter than the
// lifetime of credentials obtained at obtained and expiring at expires:
// every renewal would be due as soon as the credentials arrive, one
// upstream call a second (and a cache write) for the whole run. Zero times,
// before the first credentials, or credentials whose lifetime is unknown
// or endless, check only that it is positive.
func (f *refreshBeforeFlag) check(obtained, expires time.Time) error {
	if f.raw == "" {
		return nil
	}
	if f.d <= 0 {
		return &usageError{fmt.Errorf("--refresh-before %s is not positive: give how long before expiry to renew, such as 20m", f.raw)}
	}
	life, ok := renewal.Lifetime(obtained, expires)
	if !ok || renewal.WindowFits(f.d, life) {
		return nil
	}
	life = life.Round(time.Second)
	return &usageError{hint.With(fmt.Errorf("--refresh-before %s is not shorter than the credentials' lifetime of %s", f.raw, life),
		fmt.Sprintf("leave --refresh-before out to renew with min(15m, half the lifetime) left, or give less than %s", life))}
}

// checkWatchJSON refuses --watch-json without --watch, or into a
// directory that does not exist, before the command runs rather than when
// the first line is written.
func checkWatchJSON(o execOptions) error {
	if o.watchJSON == "" {
		return nil
	}
	if o.watch == "" {
		return &usageError{errors.New("--watch-json needs --watch STACK: awsauth exec --watch STACK --watch-json FILE -- COMMAND")}
	}
	dir := filepath.Dir(o.watchJSON)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return &usageError{fmt.Errorf("--watch-json %s: no directory %s to write it in", o.watchJSON, dir)}
	}
	return nil
}

func profileLabel(t *awsconfig.Trace) string {
	if t.Source() == awsconfig.KindEnv {
		return "environment keys"
	}
	return "profile " + t.Profile
}

// execEventPrinter tells the person what the keeper does, on stderr (the
// terminal), never on the child's stdout.
func (a *app) execEventPrinter(trace *awsconfig.Trace, o execOptions) func(keeper.Event) {
	quiet := o.quiet
	// expired is set once the credentials ran out, so that the renewal
	// that ends the outage is told too (the keeper calls this from one
	// goroutine at a time).
	expired := false
	return func(e keeper.Event) {
		if o.events != nil {
			o.events(e)
			return
		}
		w := a.deps.IO.ErrOut
		switch e.Kind {
		case keeper.EventRefreshed:
			if e.Expires.IsZero() {
				a.debugf("exec: serving keys that do not expire")
			} else {
				a.debugf("exec: renewed, now valid until %s", e.Expires.UTC().Format(time.RFC3339))
			}
			if expired {
				// Even with -q: this ends the alarm raised at the expiry.
				expired = false
				fmt.Fprintf(w, "awsauth: credentials renewed after all; valid again until %s\n", e.Expires.UTC().Format(time.RFC3339))
			}
		case keeper.EventNeedsLogin:
			running, atStart, who := endedSession(trace)
			if e.Expires.IsZero() {
				// At the start, with --auto-login: no command runs yet.
				fmt.Fprintf(w, "awsauth: %s has ended; logging in before the command starts\n", atStart)
				return
			}
			fmt.Fprintf(w, "awsauth: %s has ended. The command keeps running on credentials valid until %s.\n"+
				"awsauth: log in again in another terminal to continue: awsauth login --profile %s\n",
				running, e.Expires.UTC().Format(time.RFC3339), who)
			a.notifyLogin(o, who, e.Expires)
		case keeper.EventRefreshFailed:
			switch {
			case quiet:
			case !e.Expires.IsZero() && !e.Time.Before(e.Expires):
				fmt.Fprintf(w, "awsauth: renewing credentials failed (%v); they expired at %s, retrying\n", e.Err, e.Expires.UTC().Format(time.RFC3339))
			default:
				fmt.Fprintf(w, "awsauth: renewing credentials failed (%v); still valid until %s, retrying\n", e.Err, e.Expires.UTC().Format(time.RFC3339))
			}
		case keeper.EventLoginFailed:
			fmt.Fprintf(w, "awsauth: login failed: %v\n", e.Err)
		case keeper.EventExpired:
			expired = true
			if session.NeedsPerson(e.Err) {
				fmt.Fprintf(w, "awsauth: the credentials have expired and could not be renewed (%v); AWS calls of the command will fail until you log in\n", e.Err)
				return
			}
			// A throttled or failing upstream needs no login, and the
			// keeper keeps retrying it by itself.
			fmt.Fprintf(w, "awsauth: the credentials expired at %s and could not be renewed (%v); AWS calls of the command fail until a renewal succeeds, retrying\n",
				e.Expires.UTC().Format(time.RFC3339), e.Err)
		}
	}
}

// autoLoginHook runs the login when the session ends, if asked.
func (a *app) autoLoginHook(trace *awsconfig.Trace, enabled bool) func(context.Context) error {
	if !enabled {
		return nil
	}
	if h, ok := loginHop(trace); ok {
		return a.sessionAutoLogin(trace, h)
	}
	s, _, ok := awsconfig.SSOFor(trace)
	if !ok {
		return nil
	}
	session := sessionOf(s)
	return func(ctx context.Context) error {
		f := a.flow(session)
		f.Prompt = func(p ssotoken.Prompt) { a.showPrompt(p, false) }
		_, _, err := f.Login(ctx, session)
		return err
	}
}

// durationWarnings names the links of the chain that cannot last d.
func durationWarnings(t *awsconfig.Trace, d time.Duration, env func(string) (string, bool), now time.Time) []string {
	if d <= 0 {
		return nil
	}
	var ws []string
	end := now.Add(d)
	for _, h := range t.Hops {
		switch {
		case h.Expires != nil && h.Expires.Before(end):
			ws = append(ws, fmt.Sprintf("the environment's credentials expire at %s, before the planned %s end, and cannot be renewed: use a profile instead", h.Expires.UTC().Format(time.RFC3339), d))
		case h.SSO != nil:
			path := ssotoken.CachePath(awsconfig.HomeDir(env), ssotoken.CacheKey(h.SSO.Session, h.SSO.StartURL))
			tok, err := ssotoken.Read(path)
			if err != nil || tok.ExpiresAt == nil {
				continue
			}
			if !tok.Refreshable() && tok.ExpiresAt.Before(end) {
				ws = append(ws, fmt.Sprintf("the SSO token of profile %s ends at %s and cannot be refreshed (legacy SSO profile): you will be asked to log in then; the command keeps running meanwhile. An sso-session profile avoids this", h.Profile, tok.ExpiresAt.UTC().Format(time.RFC3339)))
			}
		}
	}
	return ws
}

// noServerEnv puts fixed keys in the environment, for --no-server.
func noServerEnv(base []string, c aws.Credentials, region string) []string {
	drop := map[string]bool{}
	for _, k := range execenv.Unset {
		drop[k] = true
	}
	var out []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] && k != "AWS_CONTAINER_CREDENTIALS_FULL_URI" && k != "AWS_CONTAINER_AUTHORIZATION_TOKEN" {
			out = append(out, kv)
		}
	}
	for _, v := range exportVars(c, region) {
		out = append(out, v.k+"="+v.v)
	}
	return append(out, "AWS_SDK_LOAD_CONFIG=1")
}
