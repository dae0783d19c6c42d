package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/agent"
	"github.com/awsauth/awsauth/internal/status"
)

type statusOptions struct {
	verbose bool
	offline bool
	timeout time.Duration
}

func (a *app) newStatusCmd() *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show which credentials the AWS SDKs would use, who they belong to, and how long they last",
		Long: `Show which credential source the AWS SDK default chain picks and why, the
identity STS reports for it, the account, region and profile, and how long the
credentials and the IAM Identity Center (SSO) session still live. For an aws
login (login_session) profile, it shows when the login session ends (at most
12 hours after the sign-in) and whether its credentials can still be renewed.

The chain is resolved the way the Go SDK v2 resolves it; where other SDKs
(boto3, the AWS CLI, the JS SDK) would pick differently, a warning says so.

With --offline nothing is sent anywhere, yet status fails, with the exit
code the online check would give, wherever the answer is known without the
network: a profile the SDKs refuse, no credentials with the instance metadata
service turned off, a bad container endpoint, a web identity token file or
credential_process program that is not there, an SSO or aws login session
nobody is logged in to (exit 3). Only what AWS alone can answer is "not checked".`,
		Example: `  awsauth status
  awsauth status --profile prod -v      # every hop of the chain, with the reason it was taken
  awsauth status --offline              # everything that can be known without the network
  awsauth status --json | jq .identity.account

  # in a script: stop unless the credentials work (see: awsauth help exit-codes)
  awsauth status >/dev/null || exit 1`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runStatus(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "print every hop of the chain with the reason it was taken")
	cmd.Flags().BoolVar(&o.offline, "offline", false, "call nothing: judge only what can be known without the network")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 30*time.Second, "give up on AWS after this long")
	return cmd
}

func (a *app) runStatus(ctx context.Context, o statusOptions) error {
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	rep, err := status.Check(ctx, status.Options{
		Request: a.request(),
		Deps:    a.sessionDeps(),
		Offline: o.offline,
		Now:     a.deps.Now,
		Debugf:  a.debugf,
	})
	if rep == nil {
		return err
	}
	rep.Agent = a.agentHold(ctx, rep)
	if a.g.json {
		if werr := writeJSON(a.deps.IO.Out, rep); werr != nil {
			return werr
		}
		return err
	}
	a.renderStatus(a.deps.IO.Out, rep, o.verbose)
	return err
}

func (a *app) renderStatus(w io.Writer, r *status.Report, verbose bool) {
	cs := a.deps.IO.ColorScheme()
	now := a.deps.Now()
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", cs.Bold(k), v) }

	row("profile", r.Profile+cs.Gray(fromNote(r.Trace.ProfileFrom)))
	reg := r.Region
	if reg == "" {
		reg = cs.Yellow("(none)")
	}
	row("region", reg+cs.Gray(fromNote(r.Trace.RegionFrom)))
	row("source", string(r.Source))
	for i, l := range r.Chain {
		k := ""
		if i == 0 {
			k = "chain"
		}
		name := l.Profile
		if name == "" {
			name = "(environment)"
		}
		line := fmt.Sprintf("%s %s", name, l.Kind)
		if l.Detail != "" {
			line += ": " + l.Detail
		}
		row(k, line)
		if verbose {
			row("", cs.Gray("  because "+l.Reason))
		}
	}
	if r.Identity != nil {
		row("account", r.Identity.Account)
		row("arn", r.Identity.ARN)
	} else if r.Offline && r.Error == nil {
		row("identity", cs.Gray("(not checked: --offline)"))
	}
	if r.AccessKeyID != "" {
		row("access key", maskKeyID(r.AccessKeyID))
	}
	if h := r.Agent; h != nil {
		line := fmt.Sprintf("held by the awsauth agent for %d client(s), %d renewal(s)", h.Clients, h.Renewals)
		if h.NextRenewal != nil && h.NextRenewal.After(now) {
			line += ", the next in " + humanDuration(h.NextRenewal.Sub(now))
		}
		row("agent", line)
	}
	switch {
	case r.Credentials.Expires != nil:
		row("credentials", expiryText(cs, "expire", *r.Credentials.Expires, now))
	case r.Creds != nil:
		row("credentials", "do not expire (long-term keys)")
	}
	if s := r.SSO; s != nil {
		name := s.Session
		if name == "" {
			name = s.StartURL
		}
		v := name + ": "
		switch {
		case s.Expires == nil:
			v += cs.Yellow("not logged in")
		default:
			v += expiryText(cs, "expires", *s.Expires, now)
			if s.Refreshable {
				v += ", refreshable"
			} else {
				v += ", not refreshable"
			}
		}
		row("sso session", v)
	}
	if s := r.Login; s != nil {
		row("login session", s.Session+": "+loginText(cs, s, now))
	}
	tw.Flush()
	if len(r.Warnings) > 0 {
		fmt.Fprintln(w)
		for _, wn := range r.Warnings {
			fmt.Fprintf(w, "%s %s\n", cs.Yellow("warning:"), wn.Message)
			if wn.Fix != "" {
				fmt.Fprintf(w, "  fix: %s\n", wn.Fix)
			}
		}
	}
}

// loginText is the aws login session's row: when it ends, and whether its
// credentials can be renewed until then.
func loginText(cs interface {
	Red(string) string
	Yellow(string) string
}, s *status.LoginState, now time.Time) string {
	if !s.SignedIn {
		return cs.Yellow("not signed in")
	}
	renew := ", not renewable"
	if s.Renewable {
		renew = ", renewable"
	}
	if s.Ends == nil {
		return "ends within 12h of the sign-in (the cache does not say when that was)" + renew
	}
	v := expiryText(cs, "ends", *s.Ends, now)
	if s.Ends.After(now) {
		v += ", 12h after the sign-in"
	}
	return v + renew
}

func fromNote(from string) string {
	if from == "" || from == "default" {
		return ""
	}
	return "  (from " + from + ")"
}

// maskKeyID shows enough of an access key id to tell keys apart. The id is
// not secret, but a full one in a screenshot or CI log invites abuse.
func maskKeyID(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + strings.Repeat("*", len(id)-8) + id[len(id)-4:]
}

func expiryText(cs interface {
	Red(string) string
	Yellow(string) string
}, verb string, exp, now time.Time) string {
	left := exp.Sub(now)
	at := exp.UTC().Format(time.RFC3339)
	switch {
	case left <= 0:
		return cs.Red(fmt.Sprintf("expired %s ago (%s)", humanDuration(-left), at))
	case left < 15*time.Minute:
		return cs.Yellow(fmt.Sprintf("%s in %s (%s)", verb, humanDuration(left), at))
	}
	return fmt.Sprintf("%s in %s (%s)", verb, humanDuration(left), at)
}

// humanDuration prints 2h05m, 14m, 45s.
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}

// agentHold asks a running agent whether it holds the profile (by name and
// source: the agent's own key also covers the files and endpoints). No
// agent, or one that does not answer at once, is no hold.
func (a *app) agentHold(ctx context.Context, r *status.Report) *status.AgentHold {
	if agent.Disabled(a.deps.Env) || agentSupported() != nil || r.Trace == nil {
		return nil
	}
	sessions, _, err := agent.Status(ctx, a.deps.Env)
	if err != nil {
		return nil
	}
	for _, s := range sessions {
		if s.Profile == r.Profile && s.Source == string(r.Source) {
			h := &status.AgentHold{Clients: len(s.Clients), Renewals: s.Renewals}
			if !s.NextRenewal.IsZero() {
				next := s.NextRenewal
				h.NextRenewal = &next
			}
			return h
		}
	}
	return nil
}
