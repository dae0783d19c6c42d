package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/agent"
	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/credserver"
	"github.com/awsauth/awsauth/internal/keeper"
)

// execSource is what exec's endpoint serves from: the agent's session
// while it is there, then the in-process keeper exec falls back to.
type execSource struct {
	mu  sync.Mutex
	src credserver.Source
}

func (e *execSource) Get() (aws.Credentials, error) {
	e.mu.Lock()
	src := e.src
	e.mu.Unlock()
	return src.Get()
}

func (e *execSource) set(src credserver.Source) {
	e.mu.Lock()
	e.src = src
	e.mu.Unlock()
}

// agentKinds are the sources worth sharing: those that renew from
// upstream. Keys in the environment or the files never change, and the
// container and IMDS endpoints are shared by nature.
var agentKinds = map[awsconfig.Kind]bool{
	awsconfig.KindSSO: true, awsconfig.KindSSOLegacy: true, awsconfig.KindAssumeRole: true,
	awsconfig.KindProcess: true, awsconfig.KindLogin: true, awsconfig.KindWebIdentity: true,
}

// agentFor tells whether exec should share the agent's session, and why
// not when it should not (for --debug).
func (a *app) agentFor(o execOptions, trace *awsconfig.Trace) (bool, string) {
	switch {
	case o.noAgent || agent.Disabled(a.deps.Env):
		return false, "turned off"
	case agentSupported() != nil:
		return false, "not on this system"
	case o.noServer:
		return false, "--no-server hands out fixed keys"
	case o.refreshBefore.raw != "":
		return false, "--refresh-before applies to this run alone"
	case o.watch != "":
		return false, "--watch follows the stack with its own session"
	case !agentKinds[trace.Source()]:
		return false, fmt.Sprintf("%s credentials are not renewed", trace.Source())
	}
	return true, ""
}

// attachAgent joins the agent's session for the profile, starting the
// agent when none runs. Any failure is an answer: exec goes on alone.
func (a *app) attachAgent(ctx context.Context, args []string, notify bool, onEvent func(agent.Message)) (*agent.Attachment, error) {
	req := agent.Request{Profile: a.g.profile, Env: agent.RequestEnv(a.environ()), PID: os.Getpid(), Command: strings.Join(args, " "), Notify: notify}
	// Only a terminal can answer the agent's MFA question.
	prompt := a.deps.MFAPrompt
	if prompt != nil && !hasTerminal() {
		prompt = nil
	}
	at, err := agent.Attach(ctx, a.deps.Env, req, a.deps.Now, onEvent, prompt)
	if errors.Is(err, agent.ErrNotRunning) {
		if serr := a.startAgent(ctx); serr != nil {
			return nil, serr
		}
		at, err = agent.Attach(ctx, a.deps.Env, req, a.deps.Now, onEvent, prompt)
	}
	return at, err
}

// agentEventPrinter tells the person what the agent announced, as exec
// tells what its own keeper does.
//
// With --auto-login, the end of the IAM Identity Center session starts the
// device login here (once per ending); the SSO cache's lock makes one login
// serve every terminal that would start one at the same time.
func (a *app) agentEventPrinter(trace *awsconfig.Trace, o execOptions, w io.Writer, login func(context.Context) error, run context.Context) func(agent.Message) {
	var mu sync.Mutex
	expired := false
	loggingIn := false
	ended, _, who := endedSession(trace)
	return func(m agent.Message) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case m.Type == "creds" && m.Creds != nil:
			a.debugf("exec: the agent renewed, now valid until %s", m.Creds.Expires.UTC().Format(time.RFC3339))
			if expired {
				expired = false
				fmt.Fprintf(w, "awsauth: credentials renewed after all; valid again until %s\n", m.Creds.Expires.UTC().Format(time.RFC3339))
			}
		case m.Event == "needs-login":
			fmt.Fprintf(w, "awsauth: %s has ended. The command keeps running on credentials valid until %s.\n"+
				"awsauth: log in again in any terminal to continue (every command on this profile resumes): awsauth login --profile %s\n",
				ended, m.Expires.UTC().Format(time.RFC3339), who)
			if login != nil && !loggingIn {
				loggingIn = true
				go func() {
					err := login(run)
					mu.Lock()
					loggingIn = false
					mu.Unlock()
					if err != nil {
						fmt.Fprintf(w, "awsauth: login failed: %v\n", err)
					}
				}()
			}
		case m.Event == "expired":
			expired = true
			if m.LoginRequired {
				fmt.Fprintf(w, "awsauth: the credentials have expired and could not be renewed (%s); AWS calls of the command will fail until you log in\n", m.Error)
				return
			}
			fmt.Fprintf(w, "awsauth: the credentials expired at %s and could not be renewed (%s); AWS calls of the command fail until a renewal succeeds, retrying\n",
				m.Expires.UTC().Format(time.RFC3339), m.Error)
		case m.Event == "refresh-failed" && !o.quiet:
			fmt.Fprintf(w, "awsauth: renewing credentials failed (%s); still valid until %s, retrying\n", m.Error, m.Expires.UTC().Format(time.RFC3339))
		case m.Event == "login-failed":
			fmt.Fprintf(w, "awsauth: login failed: %s\n", m.Error)
		}
	}
}

// fallBackWhenTheAgentGoes renews in this process from the moment the agent
// is gone, serving the agent's last credentials meanwhile: the command
// never notices.
func (a *app) fallBackWhenTheAgentGoes(run context.Context, at *agent.Attachment, src *execSource, childDone <-chan struct{}, keep func(context.Context) (*keeper.Keeper, error)) {
	select {
	case <-at.Done():
	case <-childDone:
		return
	}
	select {
	case <-childDone:
		return
	default:
	}
	fmt.Fprintln(a.deps.IO.ErrOut, "awsauth: the awsauth agent is gone; renewing the credentials in this process")
	for {
		k, err := keep(run)
		if err == nil {
			src.set(k)
			return
		}
		a.debugf("exec: renewing alone failed: %v", err)
		// The agent's last credentials are still served; try again.
		select {
		case <-childDone:
			return
		case <-time.After(5 * time.Second):
		}
	}
}

// notifies tells whether exec may show desktop notifications.
func (a *app) notifies(o execOptions) bool {
	v := strings.ToLower(a.deps.Env.Get("AWSAUTH_NO_NOTIFY"))
	return a.deps.Notify != nil && !o.noNotify && (v == "" || v == "0" || v == "false")
}

// notifyLogin shows the login notice on the desktop too: a deployment
// runs for hours, and the person is rarely looking at its terminal.
func (a *app) notifyLogin(o execOptions, profile string, until time.Time) {
	if !a.notifies(o) {
		return
	}
	a.deps.Notify(loginNotification(profile, until))
}

// loginNotification is the desktop notification's title and body.
func loginNotification(profile string, until time.Time) (title, body string) {
	return "awsauth: log in to keep your deployment going",
		fmt.Sprintf("The login session of profile %s (IAM Identity Center or aws login) has ended. Commands keep running until %s; run: awsauth login --profile %s",
			profile, until.Local().Format("15:04"), profile)
}
