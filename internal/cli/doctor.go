package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/doctor"
)

type doctorOptions struct {
	offline  bool
	strict   bool
	duration time.Duration
	account  string
	region   string
	dir      string
	timeout  time.Duration
}

func (o *doctorOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.offline, "offline", false, "do not call AWS: skip the checks that need it")
	f.BoolVar(&o.strict, "strict", false, "exit 5 on warnings too, not only on failures")
	f.DurationVar(&o.duration, "duration", 0, "how long the deployment will run (e.g. 3h): fail when a link of the chain ends sooner")
	f.StringVar(&o.account, "expect-account", "", "the account the credentials must be for (default: $AWS_ACCOUNT_ID, $CDK_DEFAULT_ACCOUNT, then .env)")
	f.StringVar(&o.region, "expect-region", "", "the region the deployment must use (default: $CDK_DEFAULT_REGION, then .env)")
	f.StringVar(&o.dir, "dir", "", "the CDK app's directory, where cdk.json, cdk.context.json and .env are read (default: the working directory)")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "give up on AWS after this long")
}

// checkList is the help text listing checks.
func checkList(checks []doctor.Check) string {
	var b strings.Builder
	for _, c := range checks {
		net := ""
		if c.Network {
			net = "  (calls AWS)"
		}
		fmt.Fprintf(&b, "  %-16s %s%s\n", c.ID, c.Title, net)
	}
	return b.String()
}

func (a *app) newDoctorCmd() *cobra.Command {
	var o doctorOptions
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Find the common mistakes in your AWS credential setup, each with its fix",
		Long: `Check the AWS credential setup for the mistakes that cost people hours:
credentials that do not resolve or that STS refuses, the wrong account or
region, credentials that will not last the deployment, conflicting AWS_*
variables, stale CDK context, a missing CDK bootstrap, a skewed clock, keys in
git or in ~/.aws, and more. Each problem comes with the exact command or edit
that fixes it.

awsauth doctor exits 5 when a check fails (with --strict, also when one warns);
--json prints the results as an array of {id, title, status, detail, fix}.

Checks:
` + checkList(doctor.All()),
		Example: `  awsauth doctor
  awsauth doctor --profile prod --duration 3h
  awsauth doctor --offline              # only what the configuration says; no network
  awsauth doctor --json | jq '.[] | select(.status != "ok")'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDoctor(cmd.Context(), "doctor", doctor.All(), o)
		},
	}
	o.flags(cmd)
	return cmd
}

func (a *app) newPreflightCmd() *cobra.Command {
	var o doctorOptions
	cmd := &cobra.Command{
		Use:   "preflight",
		Short: "Check, fast and without prompts, that a deployment can start and finish",
		Long: `Run the checks that can break a deployment about to start: the credentials
work, are for the expected account and region, last as long as the deployment,
can get their MFA code, do not fight with other AWS_* variables, and the CDK
app's context and bootstrap stack match the account.

The expected account and region come from --expect-account and
--expect-region, else from AWS_ACCOUNT_ID or CDK_DEFAULT_ACCOUNT and
CDK_DEFAULT_REGION in the environment, else from the .env file in the
working directory.

It never prompts. Exit codes: 0 ready, 5 a check failed (with --strict, also
a warning), 2 bad flags, 1 anything else. Call it first in a deploy script.

Checks:
` + checkList(doctor.Preflight()),
		Example: `  awsauth preflight --expect-account 123456789012 --duration 3h && awsauth exec -- cdk deploy --all
  awsauth preflight --offline --strict   # configuration only, warnings fail too
  awsauth preflight --json > preflight.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDoctor(cmd.Context(), "preflight", doctor.Preflight(), o)
		},
	}
	o.flags(cmd)
	return cmd
}

func (a *app) runDoctor(ctx context.Context, name string, checks []doctor.Check, o doctorOptions) error {
	if o.duration < 0 {
		return &usageError{fmt.Errorf("--duration %s: must not be negative", o.duration)}
	}
	dir := o.dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("working directory: %w", err)
		}
		dir = wd
	} else if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return &usageError{fmt.Errorf("--dir %s: not a directory", dir)}
	}
	expect, err := doctor.ResolveExpect(doctor.Expect{Account: o.account, Region: o.region, Duration: o.duration}, a.deps.Env, dir)
	if err != nil {
		var bad *doctor.BadExpectationError
		if errors.As(err, &bad) && strings.HasPrefix(bad.From, "--") {
			return &usageError{err}
		}
		return err
	}
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	env := &doctor.Env{
		Profile:     a.g.profile,
		Region:      a.g.region,
		Lookup:      a.deps.Env,
		Now:         a.deps.Now,
		HTTPClient:  a.deps.HTTPClient,
		Dir:         dir,
		Expect:      expect,
		Offline:     o.offline,
		Interactive: a.deps.IO.IsStdinTTY(),
		Git:         doctor.ExecGit,
		Debugf:      a.debugf,
	}
	results := doctor.Run(ctx, env, checks)
	if a.g.json {
		if err := writeJSON(a.deps.IO.Out, results); err != nil {
			return err
		}
	} else {
		a.renderChecks(a.deps.IO.Out, name, results)
	}
	if failed := doctor.Failed(results, o.strict); len(failed) > 0 {
		what := "failed"
		if o.strict {
			what = "failed or warned (--strict)"
		}
		return &silentError{
			code: ExitCheckFailed,
			err:  fmt.Errorf("%s: %d %s %s: %s", name, len(failed), plural(len(failed), "check", "checks"), what, strings.Join(failed, ", ")),
			show: !a.g.json,
		}
	}
	return nil
}

// renderChecks prints one line per check and, under each problem, its fix.
func (a *app) renderChecks(w io.Writer, name string, results []doctor.Result) {
	cs := a.deps.IO.ColorScheme()
	width := 0
	for _, r := range results {
		width = max(width, len(r.ID))
	}
	indent := strings.Repeat(" ", 6+width+2)
	for _, r := range results {
		var st string
		switch r.Status {
		case doctor.OK:
			st = cs.Green("ok  ")
		case doctor.Warn:
			st = cs.Yellow("warn")
		case doctor.Fail:
			st = cs.Red("FAIL")
		default:
			st = cs.Gray("skip")
		}
		// Details quote files of the project (cdk.context.json keys, ...):
		// control characters in them must not reach the terminal.
		detail, fix := printable(r.Detail), printable(r.Fix)
		if r.Status == doctor.Skip {
			detail = cs.Gray(detail)
		}
		fmt.Fprintf(w, "%s  %-*s  %s\n", st, width, r.ID, detail)
		if r.Fix != "" && (r.Status == doctor.Warn || r.Status == doctor.Fail) {
			fmt.Fprintf(w, "%s%s %s\n", indent, cs.Bold("fix:"), fix)
		}
	}
	n := doctor.Counts(results)
	fmt.Fprintf(w, "\n%s: %d ok, %d %s, %d failed, %d skipped\n", name,
		n[doctor.OK], n[doctor.Warn], plural(n[doctor.Warn], "warning", "warnings"), n[doctor.Fail], n[doctor.Skip])
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// printable replaces control characters (escape sequences above all) with
// U+FFFD, keeping newlines.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '\uFFFD'
		}
		return r
	}, s)
}
