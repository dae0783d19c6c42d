package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/identity"
	"github.com/awsauth/awsauth/internal/keeper"
	"github.com/awsauth/awsauth/internal/session"
	"github.com/awsauth/awsauth/internal/stackwatch"
)

type watchOptions struct {
	all          bool
	waitRollback bool
	// now is the clock of the stack's event times; nil means real time
	// (the demo passes the fake clock).
	now func() time.Time
	// fresh, when set, tells the operation to follow from an older one
	// (exec --watch follows only what starts beside its command): the
	// updates of an older one are not shown.
	fresh func(stackwatch.Snapshot) bool
}

func (a *app) newWatchCmd() *cobra.Command {
	var o watchOptions
	cmd := &cobra.Command{
		Use:   "watch STACK | --all",
		Short: "Follow a CloudFormation / CDK deployment to its end, with its root cause if it fails",
		Long: `Follow a CloudFormation stack operation until it ends: resources done and
total, elapsed time and an estimate of what is left, the slowest resources,
and how long awsauth's own credentials still live (they are renewed, so a
watch of many hours never dies of expiry). Nested stacks are followed.

On a terminal the view updates in place; elsewhere (CI logs) it prints one
line per event; --json prints one JSON object per event and, last, the
outcome: {"stack","status","root_cause","next_step"}.

Exit 0 when the operation completes; 6 when it fails or rolls back, with the
root cause (the first real failure, not the cascade of cancellations) on a
line beginning "root cause:" and the next step. A failed operation whose
rollback is still running ends the watch at once unless --wait-rollback.`,
		Example: `  awsauth watch MyStack --profile prod
  awsauth watch --all --profile prod          # every stack in progress (a CDK app)
  awsauth watch MyStack --json | jq -c 'select(.status)'`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case o.all && len(args) > 0:
				return &usageError{errors.New("watch takes a stack name or --all, not both")}
			case !o.all && len(args) != 1:
				return &usageError{errors.New("watch needs a stack name (or --all)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			stacks := args
			return a.runWatch(cmd.Context(), o, stacks)
		},
	}
	cmd.Flags().BoolVar(&o.all, "all", false, "watch every stack with an operation in progress in the account and region")
	cmd.Flags().BoolVar(&o.waitRollback, "wait-rollback", false, "after a failure, wait for the rollback to finish")
	return cmd
}

// watchClient builds a CloudFormation client whose credentials are kept
// fresh by the session's keeper for as long as the watch runs; the person
// is told, as under exec, when the IAM Identity Center session ends.
func (a *app) watchClient(ctx context.Context) (*cloudformation.Client, *keeper.Keeper, *session.Session, error) {
	s, err := session.Open(ctx, a.request(), a.sessionDeps())
	if err != nil {
		return nil, nil, nil, err
	}
	k, err := s.Keep(ctx, session.KeepOptions{OnEvent: a.execEventPrinter(s.Trace, execOptions{quiet: true})})
	if err != nil {
		return nil, nil, nil, err
	}
	return s.CloudFormation(""), k, s, nil
}

func (a *app) runWatch(ctx context.Context, o watchOptions, stacks []string) error {
	client, k, s, err := a.watchClient(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	trace := s.Trace
	if o.all {
		stacks, err = stacksInProgress(ctx, client)
		if err != nil {
			return identity.Classify(err)
		}
		if len(stacks) == 0 {
			fmt.Fprintf(a.deps.IO.ErrOut, "no stack has an operation in progress in %s\n", trace.Region)
			return nil
		}
	}
	r := a.newWatchRenderer(k, len(stacks) > 1)
	results := make([]watchResult, len(stacks))
	var wg sync.WaitGroup
	for i, s := range stacks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = a.watchOne(ctx, client, trace.Region, s, o, r)
		}()
	}
	wg.Wait()
	r.finish()
	if a.g.json {
		return a.watchVerdict(results, nil, a.deps.IO.Out)
	}
	return a.watchVerdict(results, a.deps.IO.ErrOut, nil)
}

type watchResult struct {
	stack string
	snap  stackwatch.Snapshot
	err   error
}

// watchOne follows one stack to its end (or to a known failure).
func (a *app) watchOne(ctx context.Context, client stackwatch.API, region, stack string, o watchOptions, r *watchRenderer) watchResult {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stoppedEarly := false
	var last stackwatch.Snapshot
	now := o.now
	if now == nil {
		now = a.deps.Now
	}
	p := &stackwatch.Poller{
		API: client, Stack: stack, Now: now,
		Model: stackwatch.New(stack, stackwatch.Options{Region: region}),
		OnUpdate: func(u stackwatch.Update) {
			last = u.Snapshot
			if u.Err != nil || o.fresh == nil || o.fresh(u.Snapshot) {
				r.update(stack, u)
			}
			if !o.waitRollback && u.Snapshot.Rollback != nil && u.Snapshot.RootCause != nil && u.Snapshot.Outcome.State == stackwatch.Running {
				stoppedEarly = true
				cancel()
			}
		},
	}
	snap, err := p.Run(ctx)
	if stoppedEarly {
		return watchResult{stack: stack, snap: last, err: &stackwatch.FailedError{Snapshot: last}}
	}
	return watchResult{stack: stack, snap: snap, err: err}
}

// watchVerdict prints each stack's outcome, in lines on human and as the
// last NDJSON object on ndjson (either may be nil), and decides the exit
// code.
func (a *app) watchVerdict(results []watchResult, human, ndjson io.Writer) error {
	w := human
	cs := a.deps.IO.ErrColorScheme()
	var failed []string
	var firstErr error
	for _, res := range results {
		var fe *stackwatch.FailedError
		var nf *stackwatch.NotFoundError
		switch {
		case res.err == nil:
			if w != nil {
				fmt.Fprintf(w, "%s %s: %s in %s\n", cs.Green("ok"), res.stack, res.snap.Status, humanDuration(res.snap.Elapsed))
			}
		case errors.As(res.err, &fe):
			failed = append(failed, res.stack)
			if w != nil {
				s := fe.Snapshot
				fmt.Fprintf(w, "%s %s: %s\n", cs.Red("failed"), res.stack, s.Outcome.Summary)
				if s.RootCause != nil {
					fmt.Fprintf(w, "root cause: %s\n", s.RootCause.String())
				}
				if s.Rollback != nil && s.Outcome.State == stackwatch.Running {
					fmt.Fprintf(w, "rollback: in progress (%d of %d); rerun with --wait-rollback to follow it\n", s.Rollback.Done, s.Rollback.Total)
				}
				if s.Outcome.Hint != "" {
					fmt.Fprintf(w, "next: %s\n", s.Outcome.Hint)
				}
				if s.Outcome.Command != "" {
					fmt.Fprintf(w, "  %s\n", s.Outcome.Command)
				}
			}
		case errors.As(res.err, &nf):
			if firstErr == nil {
				firstErr = hint.With(fmt.Errorf("stack %s does not exist", res.stack), "list the stacks with: aws cloudformation list-stacks, or check --profile and --region")
			}
		default:
			if firstErr == nil {
				firstErr = identity.Classify(res.err)
			}
		}
		if ndjson != nil {
			writeJSONCompact(ndjson, outcomeJSON(res))
		}
	}
	if firstErr != nil {
		return firstErr
	}
	if len(failed) > 0 {
		return &silentError{code: ExitStackFailed, err: fmt.Errorf("stack failed: %s", strings.Join(failed, ", "))}
	}
	return nil
}

type rootCauseJSON struct {
	LogicalID string `json:"logical_id"`
	Type      string `json:"type"`
	Status    string `json:"status"`
	Reason    string `json:"reason"`
	Stack     string `json:"stack,omitempty"`
}

// watchOutcome is the last NDJSON object of a watch.
type watchOutcome struct {
	Stack     string         `json:"stack"`
	Status    string         `json:"status"`
	RootCause *rootCauseJSON `json:"root_cause"`
	NextStep  *string        `json:"next_step"`
}

func outcomeJSON(res watchResult) watchOutcome {
	out := watchOutcome{Stack: res.stack, Status: res.snap.Status}
	if rc := res.snap.RootCause; rc != nil {
		out.RootCause = &rootCauseJSON{LogicalID: rc.LogicalID, Type: rc.Type, Status: rc.Status, Reason: rc.Reason, Stack: rc.StackName}
	}
	if o := res.snap.Outcome; o.Command != "" || o.Hint != "" {
		next := o.Hint
		if o.Command != "" {
			next = strings.TrimSuffix(next, ".") + ": " + o.Command
		}
		out.NextStep = &next
	}
	var nf *stackwatch.NotFoundError
	if errors.As(res.err, &nf) {
		out.Status = "NOT_FOUND"
	}
	return out
}

func stacksInProgress(ctx context.Context, c *cloudformation.Client) ([]string, error) {
	var names []string
	filter := []cfntypes.StackStatus{
		cfntypes.StackStatusCreateInProgress, cfntypes.StackStatusUpdateInProgress, cfntypes.StackStatusDeleteInProgress,
		cfntypes.StackStatusRollbackInProgress, cfntypes.StackStatusUpdateRollbackInProgress,
		cfntypes.StackStatusUpdateCompleteCleanupInProgress, cfntypes.StackStatusImportInProgress,
	}
	pg := cloudformation.NewListStacksPaginator(c, &cloudformation.ListStacksInput{StackStatusFilter: filter})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.StackSummaries {
			if s.ParentId == nil { // nested stacks are followed through their parent
				names = append(names, aws.ToString(s.StackName))
			}
		}
	}
	return names, nil
}

// watchRenderer draws progress: a live view on a terminal, one line per
// event elsewhere, and NDJSON. It is shared by concurrent watches.
type watchRenderer struct {
	mu sync.Mutex
	// prefix marks lines printed beside a child's own output (exec --watch).
	prefix string
	// milestones prints failures and a progress line at each tenth done,
	// instead of every event (the command beside it prints its own).
	milestones bool
	lastTenth  map[string]int
	a          *app
	k          *keeper.Keeper
	// w gets the lines for people (nil: none), json one JSON object per
	// event (nil: none).
	w     io.Writer
	json  io.Writer
	multi bool
	live  bool
	drawn int // lines of the live view on screen
	snaps map[string]stackwatch.Snapshot
	order []string
}

// newWatchRenderer draws the watch command's own output on stdout: lines,
// or NDJSON with --json.
func (a *app) newWatchRenderer(k *keeper.Keeper, multi bool) *watchRenderer {
	r := &watchRenderer{a: a, k: k, multi: multi, snaps: map[string]stackwatch.Snapshot{}}
	if a.g.json {
		r.json = a.deps.IO.Out
	} else {
		r.w = a.deps.IO.Out
		r.live = a.deps.IO.IsStdoutTTY()
	}
	return r
}

func (r *watchRenderer) update(stack string, u stackwatch.Update) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.snaps[stack]; !ok {
		r.order = append(r.order, stack)
	}
	r.snaps[stack] = u.Snapshot
	if r.json != nil {
		for _, e := range u.Events {
			writeJSONCompact(r.json, map[string]any{
				"stack": stack, "time": e.Time.UTC().Format(time.RFC3339), "stack_name": e.StackName, "logical_id": e.LogicalID,
				"type": e.Type, "resource_status": e.Status, "reason": e.Reason,
				"done": u.Snapshot.Progress.Done, "total": u.Snapshot.Progress.Total,
			})
		}
	}
	if r.w == nil {
		return
	}
	r.clear()
	for _, e := range u.Events {
		if (r.live || r.milestones) && !strings.HasSuffix(e.Status, "_FAILED") {
			continue // progress is shown otherwise; failures stay on screen
		}
		fmt.Fprintln(r.w, r.prefix+r.eventLine(stack, e, u.Snapshot))
	}
	if r.milestones {
		r.milestone(stack, u.Snapshot)
	}
	if u.Err != nil {
		fmt.Fprintf(r.a.deps.IO.ErrOut, "awsauth: %s: %v; retrying in %s\n", stack, u.Err, u.Next.Round(time.Second))
	}
	if r.live {
		r.draw()
	}
}

func (r *watchRenderer) eventLine(stack string, e stackwatch.Event, s stackwatch.Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %-8s", e.Time.UTC().Format("15:04:05"), fmt.Sprintf("%d/%d", s.Progress.Done, s.Progress.Total))
	if r.multi {
		fmt.Fprintf(&b, "  %s", stack)
	}
	name := e.LogicalID
	if e.Nested {
		name = e.StackName + "/" + e.LogicalID
	}
	fmt.Fprintf(&b, "  %-28s %-32s %s", e.Status, name, e.Type)
	if e.Reason != "" && (strings.HasSuffix(e.Status, "_FAILED") || strings.Contains(e.Status, "ROLLBACK")) {
		fmt.Fprintf(&b, "  %s", e.Reason)
	}
	return b.String()
}

// milestone prints a progress line each time another tenth of the
// resources is done.
func (r *watchRenderer) milestone(stack string, s stackwatch.Snapshot) {
	p := s.Progress
	if p.Total == 0 {
		return
	}
	if r.lastTenth == nil {
		r.lastTenth = map[string]int{}
	}
	tenth := p.Done * 10 / p.Total
	if last, ok := r.lastTenth[stack]; ok && tenth <= last {
		return
	}
	r.lastTenth[stack] = tenth
	line := fmt.Sprintf("%s%s %s %d/%d done, %s elapsed", r.prefix, stack, progressBar(p.Done, p.Total, 20), p.Done, p.Total, humanDuration(s.Elapsed))
	if eta := estimate(s); eta > 0 {
		line += fmt.Sprintf(", ~%s left", humanDuration(eta))
	}
	fmt.Fprintln(r.w, line)
}

// clear removes the live view so that lines can be printed above it.
func (r *watchRenderer) clear() {
	if r.drawn > 0 {
		fmt.Fprintf(r.w, "\x1b[%dA\x1b[J", r.drawn)
		r.drawn = 0
	}
}

func (r *watchRenderer) draw() {
	cs := r.a.deps.IO.ColorScheme()
	var lines []string
	for _, name := range r.order {
		s := r.snaps[name]
		p := s.Progress
		bar := progressBar(p.Done, p.Total, 24)
		line := fmt.Sprintf("%s %s %s %d/%d done", cs.Bold(name), bar, s.Status, p.Done, p.Total)
		if p.Failed > 0 {
			line += cs.Red(fmt.Sprintf(", %d failed", p.Failed))
		}
		line += fmt.Sprintf(", %s elapsed", humanDuration(s.Elapsed))
		if eta := estimate(s); eta > 0 {
			line += fmt.Sprintf(", ~%s left", humanDuration(eta))
		}
		lines = append(lines, line)
		for i, rr := range s.Running {
			if i == 3 {
				break
			}
			lines = append(lines, cs.Gray(fmt.Sprintf("  running %s (%s) for %s", rr.LogicalID, rr.Type, humanDuration(rr.For))))
		}
	}
	if st := r.k.Status(); !st.Expires.IsZero() {
		lines = append(lines, cs.Gray("  "+credentialsNote(st, r.a.deps.Now())))
	}
	for _, l := range lines {
		fmt.Fprintln(r.w, l)
	}
	r.drawn = len(lines)
}

// credentialsNote says how long the watch's own credentials live, and what
// is wrong when they have run out: never a negative time.
func credentialsNote(st keeper.Status, now time.Time) string {
	left := st.Expires.Sub(now)
	needsLogin := st.State == keeper.NeedsLogin || st.LastErr != nil && session.NeedsPerson(st.LastErr)
	switch {
	case left > 0 && needsLogin:
		return fmt.Sprintf("credentials valid %s more; the IAM Identity Center session has ended: log in to continue (awsauth login)", humanDuration(left))
	case left > 0:
		return fmt.Sprintf("credentials renewed by awsauth, valid %s more", humanDuration(left))
	case needsLogin:
		return fmt.Sprintf("credentials expired %s ago; log in to continue (awsauth login)", humanDuration(-left))
	default:
		return fmt.Sprintf("credentials expired %s ago; awsauth keeps trying to renew them", humanDuration(-left))
	}
}

func (r *watchRenderer) finish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.live {
		r.clear()
		r.draw()
		r.drawn = 0
	}
}

func progressBar(done, total, width int) string {
	if total <= 0 {
		return "[" + strings.Repeat(" ", width) + "]"
	}
	n := done * width / total
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

// estimate extrapolates the time left from the rate resources finished at.
func estimate(s stackwatch.Snapshot) time.Duration {
	p := s.Progress
	if p.Done == 0 || p.Total <= p.Done || s.Elapsed <= 0 {
		return 0
	}
	per := s.Elapsed / time.Duration(p.Done)
	return per * time.Duration(p.Total-p.Done)
}
