package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/explain"
	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/iostreams"
)

type explainOptions struct {
	list bool
}

func (a *app) newExplainCmd() *cobra.Command {
	var o explainOptions
	cmd := &cobra.Command{
		Use:   "explain [ERROR MESSAGE...]",
		Short: "Explain an AWS authentication error: its cause, why it happened for you, and the fix",
		Long: `Read an AWS error message, from the arguments or from standard input, and say
what caused it, why it happened for your profile (legacy or refreshable IAM
Identity Center, role chaining, keys left in the environment, ...), and the
commands that fix it.

A whole log works too: the first failure in it is reported, not the failures
that follow from it. The input is read to its end, line by line, so piping a
running deployment into it is safe. Secrets in the input are never repeated.

Exits 0 when a cause was recognised, 1 when not (the closest cause is named
instead), 2 when there was nothing to read. The causes, and every pattern
that recognises them, are in docs/troubleshooting.md.`,
		Example: `  awsauth explain "An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: ..."
  cdk deploy 2>&1 | awsauth explain
  awsauth explain --profile prod --json < deploy.log | jq -r '.fixes[]'
  awsauth explain --list`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runExplain(cmd.Context(), o, args)
		},
	}
	cmd.Flags().BoolVar(&o.list, "list", false, "list the causes awsauth knows, with their ids")
	return cmd
}

func (a *app) runExplain(ctx context.Context, o explainOptions, args []string) error {
	if o.list {
		if len(args) > 0 {
			return &usageError{errors.New("explain --list takes no arguments")}
		}
		return a.listCauses()
	}
	var in io.Reader
	switch {
	case len(args) == 1 && args[0] == "-":
		in = a.deps.IO.In
	case len(args) > 0:
		in = strings.NewReader(strings.Join(args, " "))
	case !a.deps.IO.IsStdinTTY():
		in = a.deps.IO.In
	}
	if in == nil {
		return nothingToExplain()
	}
	sc, err := explain.ScanLog(in)
	if err != nil {
		return fmt.Errorf("read the input: %w", err)
	}
	a.debugf("explain: read %d lines, %d bytes (%d cut at %d bytes); tool %q", sc.Lines, sc.Bytes, sc.Cut, explain.MaxLine, sc.Tool)
	if sc.Blank {
		return nothingToExplain()
	}
	res := explain.Diagnose(sc, a.explainSituation(ctx))
	if a.g.json {
		if err := writeJSON(a.deps.IO.Out, res); err != nil {
			return err
		}
	} else {
		a.renderExplain(a.deps.IO.Out, res, sc)
	}
	if !res.Found {
		return &silentError{code: ExitError, err: errors.New("no known AWS authentication error in the input")}
	}
	return nil
}

func nothingToExplain() error {
	return &usageError{hint.With(errors.New("nothing to explain: give an error message as arguments, or on standard input"),
		`awsauth explain "An error occurred (ExpiredToken) when calling ..."`,
		"cdk deploy 2>&1 | awsauth explain")}
}

// explainSituation resolves the profile the way status does, offline. A
// setup that does not resolve is part of the answer, not a failure.
func (a *app) explainSituation(ctx context.Context) *explain.Situation {
	env := a.deps.Env
	inv, err := awsconfig.Load(awsconfig.LocateFiles(env))
	var trace *awsconfig.Trace
	if err == nil {
		trace, err = awsconfig.ResolveIn(ctx, inv, a.request(), env)
	}
	if err != nil {
		a.debugf("explain: the profile did not resolve: %s", explain.Redact(err.Error()))
	}
	if trace != nil {
		for _, h := range trace.Hops {
			a.debugf("chain: %s %s: %s", h.Kind, h.Profile, h.Reason)
		}
	}
	return explain.Describe(trace, err, inv, env, a.deps.Now())
}

func (a *app) listCauses() error {
	rules := explain.Rules()
	if a.g.json {
		type cause struct {
			Cause   explain.Cause `json:"cause"`
			Title   string        `json:"title"`
			Summary string        `json:"summary"`
		}
		out := make([]cause, len(rules))
		for i, r := range rules {
			out[i] = cause{r.Cause, r.Title, r.Summary}
		}
		return writeJSON(a.deps.IO.Out, out)
	}
	tw := tabwriter.NewWriter(a.deps.IO.Out, 0, 2, 2, ' ', 0)
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\n", r.Cause, r.Title)
	}
	return tw.Flush()
}

// renderWidth is where explanations wrap.
const renderWidth = 80

func (a *app) renderExplain(w io.Writer, res *explain.Result, sc *explain.Scan) {
	cs := a.deps.IO.ColorScheme()
	switch {
	case res.Found:
		fmt.Fprintf(w, "%s %s\n", cs.Bold(cs.Red(res.Title)), cs.Gray("("+string(res.Cause)+")"))
		fmt.Fprintf(w, "  %s\n", cs.Gray(fmt.Sprintf("line %d: %s", res.Line, res.Matched)))
	case res.Cause == explain.Unknown:
		fmt.Fprintf(w, "%s\n", cs.Bold(cs.Yellow(res.Title)))
	default:
		fmt.Fprintf(w, "%s %s\n", cs.Bold(cs.Yellow("No known AWS authentication error in the input.")),
			cs.Gray(fmt.Sprintf("(%d lines read)", sc.Lines)))
		fmt.Fprintf(w, "The closest known cause: %s %s\n", cs.Bold(res.Title), cs.Gray("("+string(res.Cause)+")"))
		if len(res.Closest) > 1 {
			others := make([]string, len(res.Closest)-1)
			for i, c := range res.Closest[1:] {
				others[i] = string(c)
			}
			fmt.Fprintf(w, "%s\n", cs.Gray("Also close: "+strings.Join(others, ", ")))
		}
	}
	fmt.Fprintln(w)
	writeWrapped(w, res.Summary, "", renderWidth)

	if len(res.ForYou) > 0 || res.Setup != "" {
		fmt.Fprintf(w, "\n%s\n", cs.Bold("Why, for your setup:"))
		if res.Setup != "" {
			writeWrapped(w, res.Setup, "  ", renderWidth)
		}
		for _, p := range res.ForYou {
			writeWrapped(w, "- "+p, "  ", renderWidth)
		}
	}
	if res.General != "" {
		fmt.Fprintf(w, "\n%s\n", cs.Bold("Why this happens:"))
		writeWrapped(w, res.General, "  ", renderWidth)
	}
	if len(res.Steps) > 0 {
		fmt.Fprintf(w, "\n%s\n", cs.Bold("Fix:"))
		writeFixSteps(w, cs, res.Steps)
	}
	if len(res.Also) > 0 {
		parts := make([]string, len(res.Also))
		for i, o := range res.Also {
			parts[i] = fmt.Sprintf("%s (line %d)", o.Cause, o.Line)
		}
		fmt.Fprintf(w, "\n%s\n", cs.Gray("Also in the input: "+strings.Join(parts, ", ")))
	}
}

func writeFixSteps(w io.Writer, cs *iostreams.ColorScheme, steps []explain.Fix) {
	for _, f := range steps {
		switch {
		case f.Cmd != "" && f.Note != "" && len(f.Cmd)+len(f.Note)+9 <= renderWidth:
			fmt.Fprintf(w, "  $ %s   %s\n", cs.Bold(f.Cmd), cs.Gray("# "+f.Note))
		case f.Cmd != "" && f.Note != "":
			fmt.Fprintf(w, "  $ %s\n", cs.Bold(f.Cmd))
			writeWrapped(w, cs.Gray("# "+f.Note), "      ", 0)
		case f.Cmd != "":
			fmt.Fprintf(w, "  $ %s\n", cs.Bold(f.Cmd))
		default:
			writeWrapped(w, "- "+capitalise(f.Note), "  ", renderWidth)
		}
	}
}

// writeWrapped writes text as lines of at most width columns (0: no
// wrapping), each starting with indent; a hanging indent follows a "- ".
func writeWrapped(w io.Writer, text, indent string, width int) {
	words := strings.Fields(text)
	if len(words) == 0 {
		return
	}
	if width <= 0 {
		fmt.Fprintf(w, "%s%s\n", indent, strings.Join(words, " "))
		return
	}
	hang := indent
	if words[0] == "-" {
		hang += "  "
	}
	line := indent + words[0]
	for _, word := range words[1:] {
		if len(line)+1+len(word) > width && strings.TrimSpace(line) != "-" {
			fmt.Fprintln(w, line)
			line = hang + word
			continue
		}
		line += " " + word
	}
	fmt.Fprintln(w, line)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
