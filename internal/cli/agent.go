package cli

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/agent"
	"github.com/awsauth/awsauth/internal/hint"
)

func (a *app) newAgentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "One credential session per profile for all your terminals",
		Long: `The awsauth agent holds one credential session per profile for every
terminal, editor and tool of yours: awsauth exec in three terminals on one
profile makes one renewal instead of three, and when the IAM Identity Center
session ends, every terminal shows the same notice and one login serves all.

awsauth exec starts the agent when it needs it (it exits by itself after an
hour with no client); nothing depends on it: when it is gone, exec renews in
its own process, and the command never notices. It listens on a Unix socket
only ($XDG_RUNTIME_DIR/awsauth/agent.sock, else under ~/.cache/awsauth), 0600,
and answers only your own uid. Its only state on disk is the credential cache
credential-process reads. Linux and macOS; on Windows exec works alone.

Turn it off with --no-agent (exec) or AWSAUTH_NO_AGENT=1.`,
		Example: `  awsauth agent status
  awsauth agent stop
  awsauth agent run --idle 0     # in the foreground, for a systemd or launchd unit`,
	}
	cmd.AddCommand(a.newAgentRunCmd(), a.newAgentStartCmd(), a.newAgentStopCmd(), a.newAgentStatusCmd())
	return cmd
}

func agentSupported() error {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		return errors.New("the awsauth agent runs on Linux and macOS only; awsauth exec works without it")
	}
	return nil
}

func (a *app) newAgentRunCmd() *cobra.Command {
	var idle time.Duration
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the agent in the foreground (for a systemd or launchd unit)",
		Long: `Run the agent in the foreground, logging to stderr, until it is stopped
(awsauth agent stop, SIGTERM, Ctrl-C) or it has had no client for --idle.
Unit files for systemd and launchd are in docs/agent.md.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := agentSupported(); err != nil {
				return err
			}
			if idle == 0 {
				idle = 100 * 365 * 24 * time.Hour // a unit's agent never idles out
			}
			logger := log.New(a.deps.IO.ErrOut, "", log.LstdFlags)
			srv := &agent.Server{
				Dir:  agent.Dir(a.deps.Env),
				Deps: a.sessionDeps(),
				Idle: idle,
				UID:  -1,
				Logf: logger.Printf,
			}
			srv.Deps.Debugf = nil
			if a.deps.Notify != nil {
				srv.Notify = func(profile string, until time.Time) { a.deps.Notify(loginNotification(profile, until)) }
			}
			err := srv.Run(cmd.Context())
			if errors.Is(err, agent.ErrRunning) {
				return hint.With(err, "see it with: awsauth agent status")
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&idle, "idle", agent.DefaultIdle, "exit after this long with no client (0: never)")
	return cmd
}

func (a *app) newAgentStartCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "start",
		Short: "Start the agent in the background unless one runs",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := agentSupported(); err != nil {
				return err
			}
			if err := a.startAgent(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(a.deps.IO.ErrOut, "awsauth agent running on %s\n", agent.SocketPath(a.deps.Env))
			return nil
		},
	}
}

// startAgent starts the agent from this very binary.
func (a *app) startAgent(ctx context.Context) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return agent.Start(ctx, a.deps.Env, exe, a.environ())
}

func (a *app) newAgentStopCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop the agent (running commands go on, renewing alone)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := agent.Stop(cmd.Context(), a.deps.Env)
			if errors.Is(err, agent.ErrNotRunning) {
				fmt.Fprintln(a.deps.IO.ErrOut, "no awsauth agent is running")
				return nil
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(a.deps.IO.ErrOut, "awsauth agent stopped")
			return nil
		},
	}
}

func (a *app) newAgentStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the agent's sessions and their clients",
		Example: `  awsauth agent status
  awsauth agent status --json | jq '.sessions[].clients'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sessions, pid, err := agent.Status(cmd.Context(), a.deps.Env)
			running := err == nil
			if err != nil && !errors.Is(err, agent.ErrNotRunning) {
				return err
			}
			if a.g.json {
				if sessions == nil {
					sessions = []agent.SessionStatus{}
				}
				return writeJSON(a.deps.IO.Out, map[string]any{"running": running, "pid": pid, "socket": agent.SocketPath(a.deps.Env), "sessions": sessions})
			}
			if !running {
				fmt.Fprintln(a.deps.IO.Out, "no awsauth agent is running (awsauth exec starts one when it needs it)")
				return nil
			}
			a.renderAgentStatus(sessions, pid)
			return nil
		},
	}
}

func (a *app) renderAgentStatus(sessions []agent.SessionStatus, pid int) {
	w := a.deps.IO.Out
	fmt.Fprintf(w, "awsauth agent (pid %d) on %s: %d session(s)\n", pid, agent.SocketPath(a.deps.Env), len(sessions))
	now := a.deps.Now()
	left := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		if d := t.Sub(now); d > 0 {
			return "in " + humanDuration(d)
		}
		return humanDuration(now.Sub(t)) + " ago"
	}
	for _, s := range sessions {
		fmt.Fprintf(w, "\nprofile %s (%s)", s.Profile, s.Source)
		if s.Account != "" {
			fmt.Fprintf(w, ", account %s", s.Account)
		}
		fmt.Fprintf(w, ", %s\n", s.State)
		fmt.Fprintf(w, "  credentials expire %s, next renewal %s, %d renewals\n", left(s.Expires), left(s.NextRenewal), s.Renewals)
		if !s.SSOExpires.IsZero() {
			fmt.Fprintf(w, "  sso token expires %s\n", left(s.SSOExpires))
		}
		if len(s.Clients) == 0 {
			fmt.Fprintln(w, "  no client attached")
		}
		for _, c := range s.Clients {
			fmt.Fprintf(w, "  client pid %d: %s\n", c.PID, strings.TrimSpace(c.Command))
		}
	}
}
