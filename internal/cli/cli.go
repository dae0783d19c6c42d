// Package cli is the awsauth command line: the root command, its global
// flags, and one file per command. Commands parse flags, call one domain
// function and render its result; errors are printed once, by [Main].
package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/browser"
	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/desktop"
	"github.com/awsauth/awsauth/internal/iostreams"
	"github.com/awsauth/awsauth/internal/session"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=v1.2.3".
var Version = ""

// Deps is everything a command may touch outside its own memory.
type Deps struct {
	IO         *iostreams.IOStreams
	Env        sysenv.Env
	Now        func() time.Time
	HTTPClient *http.Client
	// OpenBrowser shows a URL to the person; nil means it cannot.
	OpenBrowser func(url string) error
	// Environ is the whole environment, for a child process.
	Environ func() []string
	// MFAPrompt asks the person for an MFA code; nil means nobody can.
	MFAPrompt func(serial string) (string, error)
	// OnInterrupt calls f at the next Ctrl-C from now on, until stop is
	// called. Commands that outlive a child use it to be interrupted again
	// once the child, which a Ctrl-C during its run belongs to, has ended.
	// Nil means no Ctrl-C arrives.
	OnInterrupt func(f func()) (stop func())
	// Notify shows a desktop notification, if the system can; nil means
	// it cannot.
	Notify func(title, body string)
}

// environ is the environment a child inherits.
func (a *app) environ() []string {
	if a.deps.Environ != nil {
		return a.deps.Environ()
	}
	return nil
}

// SystemDeps wires the real process: its streams, environment, clock and a
// bounded HTTP client.
func SystemDeps(io *iostreams.IOStreams) Deps {
	return Deps{
		IO:          io,
		Env:         sysenv.OS(),
		Now:         time.Now,
		HTTPClient:  newHTTPClient(),
		OpenBrowser: openBrowser,
		Environ:     os.Environ,
		OnInterrupt: onInterrupt,
		Notify:      func(title, body string) { _ = desktop.Notify(context.Background(), title, body) },
		MFAPrompt:   ttyMFAPrompt,
	}
}

// onInterrupt calls f at each SIGINT (Ctrl-C) until stop.
func onInterrupt(f func()) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigs:
				f()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// openBrowser opens url in the desktop's browser, or says why it cannot
// (see openBrowserIn, which differs by platform).
func openBrowser(url string) error { return openBrowserIn(sysenv.OS(), url) }

// systemBrowser opens url the platform's usual way: open on macOS, the
// shell's URL handler on Windows, xdg-open and its kin on Linux.
func systemBrowser(url string) error {
	// The browser launcher's own chatter must not reach stdout, which
	// carries only payloads.
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	return browser.OpenURL(url)
}

// newHTTPClient bounds every stage of a request so a dead endpoint is an
// error within seconds, never a hang. The transport is built on the first
// request: most runs of credential-process and prompt make none.
func newHTTPClient() *http.Client {
	return &http.Client{Transport: &lazyTransport{}, Timeout: 30 * time.Second}
}

type lazyTransport struct {
	once sync.Once
	rt   atomic.Pointer[http.Transport]
}

func (t *lazyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.once.Do(func() {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		tr.TLSHandshakeTimeout = 5 * time.Second
		tr.ResponseHeaderTimeout = 15 * time.Second
		t.rt.Store(tr)
	})
	return t.rt.Load().RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport once it exists.
func (t *lazyTransport) CloseIdleConnections() {
	if tr := t.rt.Load(); tr != nil {
		tr.CloseIdleConnections()
	}
}

// globals are the flags every command has.
type globals struct {
	profile string
	region  string
	json    bool
	debug   bool
	noColor bool
}

// app is one run of the CLI.
type app struct {
	deps Deps
	g    globals
}

// quickCommands finish in milliseconds and wait on nothing a person would
// interrupt: they keep the default Ctrl-C (the process ends at once)
// and skip installing a handler, a measurable part of their start-up.
var quickCommands = map[string]bool{"credential-process": true, "prompt": true, "version": true, "shell-init": true}

// Interruptible reports whether a run with args should turn Ctrl-C into a
// cancelled context (so that login, exec, watch and the network calls of
// the others stop cleanly with exit code 130) rather than end at once.
func Interruptible(args []string) bool {
	return len(args) == 0 || !quickCommands[args[0]]
}

// Main runs awsauth with args and returns the process exit code.
func Main(ctx context.Context, args []string, deps Deps) int {
	a := &app{deps: deps}
	root := a.newRoot(args)
	root.SetArgs(args)
	root.SetIn(deps.IO.In)
	root.SetOut(deps.IO.Out)
	root.SetErr(deps.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	return a.report(err)
}

// subcommand is a top-level command and how to build it.
type subcommand struct {
	name  string
	build func() *cobra.Command
}

// subcommands are the top-level commands. A run whose first argument names
// one builds only that command: shells and SDKs start credential-process,
// prompt and exec often, and building the whole tree would be most of their
// own work. Anything else (help, completion, a
// flag first, a typo to suggest a name for) gets the whole tree.
func (a *app) subcommands() []subcommand {
	return []subcommand{
		{"status", a.newStatusCmd},
		{"profiles", a.newProfilesCmd},
		{"login", a.newLoginCmd},
		{"refresh", a.newRefreshCmd},
		{"logout", a.newLogoutCmd},
		{"credential-process", a.newCredentialProcessCmd},
		{"export", a.newExportCmd},
		{"exec", a.newExecCmd},
		{"demo", a.newDemoCmd},
		{"demo-deployment", a.newDemoDeploymentCmd},
		{"use", a.newUseCmd},
		{"shell-init", a.newShellInitCmd},
		{"prompt", a.newPromptCmd},
		{"doctor", a.newDoctorCmd},
		{"preflight", a.newPreflightCmd},
		{"docs", a.newDocsCmd},
		{"explain", a.newExplainCmd},
		{"watch", a.newWatchCmd},
		{"console", a.newConsoleCmd},
		{"agent", a.newAgentCmd},
		{"version", a.newVersionCmd},
	}
}

func (a *app) newRoot(args []string) *cobra.Command {
	root := &cobra.Command{
		Use:   "awsauth",
		Short: "Keep AWS credentials alive for long deployments",
		Long: `awsauth shows where your AWS credentials come from and how long they live,
and keeps long CDK / CloudFormation deployments supplied with fresh ones.

It reads the same files and environment as the AWS CLI and SDKs
(~/.aws/config, ~/.aws/credentials, AWS_PROFILE, AWS_ACCESS_KEY_ID, ...).`,
		Example: `  # who am I, through which source, and for how long?
  awsauth status
  awsauth status --profile prod --json

  # what does each profile use?
  awsauth profiles`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if a.g.noColor {
				a.deps.IO.SetColor(false)
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.g.profile, "profile", "", "use this profile (wins over AWS_ACCESS_KEY_ID, like the AWS CLI's --profile)")
	pf.StringVar(&a.g.region, "region", "", "use this region (wins over AWS_REGION and the profile)")
	pf.BoolVar(&a.g.json, "json", false, "print machine-readable JSON on stdout")
	pf.BoolVar(&a.g.debug, "debug", false, "print what awsauth does on stderr (never secrets)")
	pf.BoolVar(&a.g.noColor, "no-color", false, "no ANSI colours (also: NO_COLOR=1)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })

	subs := a.subcommands()
	for _, c := range subs {
		if len(args) > 0 && args[0] == c.name {
			root.AddCommand(c.build())
			// The only command is not "completion" or "help": cobra
			// need not add its own.
			root.CompletionOptions.DisableDefaultCmd = true
			a.registerCompletions(root)
			return root
		}
	}
	for _, c := range subs {
		root.AddCommand(c.build())
	}
	root.AddCommand(newExitCodesTopic())
	a.registerCompletions(root)
	return root
}

// debugf writes a debug line to stderr when --debug is on. Callers pass no
// secrets; the trace and errors it prints carry none.
func (a *app) debugf(format string, args ...any) {
	if !a.g.debug {
		return
	}
	fmt.Fprintf(a.deps.IO.ErrOut, "debug: "+format+"\n", args...)
}

func (a *app) request() awsconfig.Request {
	return awsconfig.Request{Profile: a.g.profile, Region: a.g.region, Env: a.deps.Env}
}

// sessionDeps is what every command's credential session gets.
func (a *app) sessionDeps() session.Deps {
	return session.Deps{Env: a.deps.Env, HTTPClient: a.deps.HTTPClient, Now: a.deps.Now, MFAToken: a.deps.MFAPrompt, Debugf: a.debugf}
}

// clients builds AWS clients that need no credential session (the IAM
// Identity Center portal and OIDC).
func (a *app) clients() session.Clients { return a.sessionDeps().Clients() }

func (a *app) newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the awsauth version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, sdk := versionInfo()
			if a.g.json {
				return writeJSON(a.deps.IO.Out, map[string]string{"version": v, "aws_sdk_go_v2": sdk})
			}
			fmt.Fprintf(a.deps.IO.Out, "awsauth %s (aws-sdk-go-v2 %s)\n", v, sdk)
			return nil
		},
	}
}

func versionInfo() (version, sdk string) {
	version, sdk = Version, "unknown"
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/aws/aws-sdk-go-v2/config" {
				sdk = "config " + d.Version
			}
		}
	}
	if version == "" {
		version = "dev"
	}
	return version, sdk
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])}
	}
	return nil
}
