package stackwatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

// replayAPI serves recordings as CloudFormation would while they happen:
// what DescribeStacks and DescribeStackEvents show at the bubble's time,
// mapped onto the recordings' clock.
type replayAPI struct {
	mu      sync.Mutex
	start   time.Time // bubble time at which the recordings' t0 is now
	stacks  []*recording
	declare []string // the root template's resources
	// vanish makes a deleted stack unknown even by id (moto keeps it).
	vanish bool
	// fault, when set, can fail a call: op and its 1-based count.
	fault func(op string, n int) error
	calls map[string]int
}

func newReplay(stacks ...*recording) *replayAPI {
	return &replayAPI{start: time.Now(), stacks: stacks, calls: map[string]int{}}
}

// now maps the bubble's clock onto the recordings'.
func (a *replayAPI) now() time.Time { return t0.Add(time.Since(a.start)) }

func (a *replayAPI) call(op string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls[op]++
	if a.fault != nil {
		return a.fault(op, a.calls[op])
	}
	return nil
}

func validation(msg string) error {
	return &smithy.GenericAPIError{Code: "ValidationError", Message: msg}
}

// find returns the recording for a name or id and its status now.
func (a *replayAPI) find(nameOrID string) (*recording, string, error) {
	for _, r := range a.stacks {
		if r.id != nameOrID && r.name != nameOrID {
			continue
		}
		status := ""
		for _, e := range r.until(a.now().Sub(r.start)) {
			if own := aws.ToString(e.PhysicalResourceId) == r.id; own {
				status = string(e.ResourceStatus)
				break
			}
		}
		switch {
		case status == "":
		case status == "DELETE_COMPLETE" && (a.vanish || nameOrID == r.name):
		default:
			return r, status, nil
		}
	}
	return nil, "", validation("Stack with id " + nameOrID + " does not exist")
}

func (a *replayAPI) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	if err := a.call("DescribeStacks"); err != nil {
		return nil, err
	}
	r, status, err := a.find(aws.ToString(in.StackName))
	if err != nil {
		return nil, err
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []types.Stack{describe(r, status, r.start, nil, nil)}}, nil
}

func (a *replayAPI) DescribeStackEvents(_ context.Context, in *cloudformation.DescribeStackEventsInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	if err := a.call("DescribeStackEvents"); err != nil {
		return nil, err
	}
	r, _, err := a.find(aws.ToString(in.StackName))
	if err != nil {
		return nil, err
	}
	evs := r.until(a.now().Sub(r.start))
	from, _ := strconv.Atoi(aws.ToString(in.NextToken))
	to := min(from+100, len(evs))
	out := &cloudformation.DescribeStackEventsOutput{StackEvents: evs[from:to]}
	if to < len(evs) {
		out.NextToken = aws.String(strconv.Itoa(to))
	}
	return out, nil
}

func (a *replayAPI) ListStackResources(_ context.Context, in *cloudformation.ListStackResourcesInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error) {
	if err := a.call("ListStackResources"); err != nil {
		return nil, err
	}
	r, _, err := a.find(aws.ToString(in.StackName))
	if err != nil {
		return nil, err
	}
	return &cloudformation.ListStackResourcesOutput{StackResourceSummaries: r.listing(a.now().Sub(r.start))}, nil
}

func (a *replayAPI) GetTemplate(_ context.Context, in *cloudformation.GetTemplateInput, _ ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	if err := a.call("GetTemplate"); err != nil {
		return nil, err
	}
	r, _, err := a.find(aws.ToString(in.StackName))
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(`{"Resources":{`)
	if r == a.stacks[0] {
		for i, id := range a.declare {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%q:{\"Type\":\"AWS::SNS::Topic\"}", id)
		}
	}
	b.WriteString("}}")
	return &cloudformation.GetTemplateOutput{TemplateBody: aws.String(b.String())}, nil
}

// watch runs a poller over api in the bubble, recording every update.
func watch(t *testing.T, api *replayAPI, stack string) (Snapshot, []Update, error) {
	t.Helper()
	var updates []Update
	p := &Poller{
		API:      api,
		Stack:    stack,
		Model:    New(stack, Options{Region: "us-east-1"}),
		Now:      api.now,
		Jitter:   func(d time.Duration) time.Duration { return d },
		OnUpdate: func(u Update) { updates = append(updates, u) },
	}
	s, err := p.Run(t.Context())
	return s, updates, err
}

func nexts(updates []Update) []time.Duration {
	var out []time.Duration
	for _, u := range updates {
		out = append(out, u.Next)
	}
	return out
}

func TestPollerCreateToCompletion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := cdkCreate()
		api := newReplay(r)
		api.declare = []string{logicalMeta, logicalRole, logicalBkt, logicalTable, logicalFn, logicalDist}
		snap, updates, err := watch(t, api, r.name)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Outcome.State != Succeeded || snap.Progress != (Progress{Done: 6, Total: 6}) || snap.Elapsed != 8*time.Minute+42*time.Second {
			t.Fatalf("final: %s %+v after %s", snap.Outcome.State, snap.Progress, snap.Elapsed)
		}
		// The first poll already knows the total from the template.
		if first := updates[0].Snapshot.Progress; first.Total != 6 {
			t.Errorf("first poll total = %d, want 6 from the template", first.Total)
		}
		// 2 s while events flow, growing by half to 15 s while only the
		// distribution runs, back to 2 s when its events come.
		ns := nexts(updates)
		if !slices.Contains(ns, 15*time.Second) || slices.Max(ns) != 15*time.Second {
			t.Errorf("intervals %v: want them to reach and stop at 15s", ns)
		}
		if ns[len(ns)-1] != 0 {
			t.Errorf("last update's Next = %s, want 0", ns[len(ns)-1])
		}
		var events int
		for _, u := range updates {
			events += len(u.Events)
		}
		if events != len(r.events) {
			t.Errorf("%d events reported, want each of the %d once", events, len(r.events))
		}
		// About 8m42s of watching: far fewer than one call per 2 s.
		if n := api.calls["DescribeStacks"]; n > 60 {
			t.Errorf("%d DescribeStacks calls for a 9 minute create", n)
		}
		if api.calls["ListStackResources"] != 1 || api.calls["GetTemplate"] != 1 {
			t.Errorf("calls %v: want the resources and template read once", api.calls)
		}
	})
}

func TestPollerSurvivesThrottlingAndNetworkErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 60 resources: more than a page of events once under way.
		r := record("wide", "dd000000-0000-4000-8000-000000000004", t0)
		r.own(0, "CREATE_IN_PROGRESS", "User Initiated")
		for i := range 60 {
			r.create(time.Second, time.Duration(20+i)*time.Second, fmt.Sprintf("Queue%02d", i), sqsQueue, fmt.Sprintf("q%02d", i))
		}
		r.own(81*time.Second, "CREATE_COMPLETE", "")
		api := newReplay(r)
		reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
		api.fault = func(op string, n int) error {
			switch {
			case op == "DescribeStacks" && n >= 3 && n <= 5:
				return &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
			case op == "DescribeStackEvents" && n == 8:
				return reset // part-way through paging
			}
			return nil
		}
		snap, updates, err := watch(t, api, r.name)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Outcome.State != Succeeded || snap.Progress != (Progress{Done: 60, Total: 60}) {
			t.Fatalf("final: %s %+v", snap.Outcome.State, snap.Progress)
		}
		var throttled, netErrs int
		var backoffs []time.Duration
		for _, u := range updates {
			var ae smithy.APIError
			switch {
			case u.Err == nil:
			case errors.As(u.Err, &ae) && ae.ErrorCode() == "Throttling":
				throttled++
				backoffs = append(backoffs, u.Next)
			case errors.Is(u.Err, reset):
				netErrs++
			default:
				t.Errorf("unexpected error %v", u.Err)
			}
		}
		if throttled != 3 || netErrs != 1 {
			t.Errorf("%d throttled and %d network errors reported, want 3 and 1", throttled, netErrs)
		}
		if !slices.Equal(backoffs, []time.Duration{4 * time.Second, 8 * time.Second, 16 * time.Second}) {
			t.Errorf("back-off %v, want doubling from 4s", backoffs)
		}
		var events int
		for _, u := range updates {
			events += len(u.Events)
		}
		if events != len(r.events) {
			t.Errorf("%d events reported, want all %d despite the failed page", events, len(r.events))
		}
	})
}

func TestPollerFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := cdkCreateFails()
		snap, _, err := watch(t, newReplay(r), r.name)
		var failed *FailedError
		if !errors.As(err, &failed) {
			t.Fatalf("err = %v, want a *FailedError", err)
		}
		if snap.RootCause == nil || snap.RootCause.LogicalID != logicalBkt {
			t.Errorf("root cause %+v, want the bucket", snap.RootCause)
		}
		if want := "aws cloudformation delete-stack --stack-name shop-prod --region us-east-1"; snap.Outcome.Command != want {
			t.Errorf("command %q, want %q", snap.Outcome.Command, want)
		}
		if !strings.Contains(err.Error(), "shop-prod-assets already exists") {
			t.Errorf("error %q does not name the cause", err)
		}
	})
}

func TestPollerFollowsNestedStacks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root, nested := nestedFails()
		api := newReplay(root, nested)
		snap, _, err := watch(t, api, root.name)
		var failed *FailedError
		if !errors.As(err, &failed) {
			t.Fatalf("err = %v, want a *FailedError", err)
		}
		if snap.RootCause == nil || snap.RootCause.LogicalID != "LogsBucket9C4D8843" || snap.RootCause.StackName != nested.name {
			t.Errorf("root cause %+v, want the bucket in the nested stack", snap.RootCause)
		}
		if len(snap.Stacks) != 2 || snap.Stacks[1].Status != "DELETE_COMPLETE" {
			t.Errorf("stacks %+v", snap.Stacks)
		}
		if api.calls["ListStackResources"] != 2 {
			t.Errorf("ListStackResources calls = %d, want one per stack", api.calls["ListStackResources"])
		}
	})
}

func TestPollerStackDoesNotExist(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, _, err := watch(t, newReplay(cdkCreate()), "no-such-stack")
		var nf *NotFoundError
		if !errors.As(err, &nf) || nf.Stack != "no-such-stack" || err.Error() != "stack no-such-stack does not exist" {
			t.Fatalf("err = %v, want a NotFoundError", err)
		}
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" {
			t.Errorf("the API's error is not wrapped: %v", err)
		}
	})
}

// A deleted stack that the API no longer knows, even by id, ends a watched
// delete successfully.
func TestPollerStackVanishes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		full, u := cdkDelete()
		// Start watching a minute into the delete.
		api := newReplay(full)
		api.vanish = true
		api.start = api.start.Add(-u.Sub(t0) - time.Minute)
		snap, _, err := watch(t, api, full.name)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Operation != OpDelete || snap.Status != "DELETE_COMPLETE" || snap.Outcome.State != Succeeded {
			t.Errorf("final %s %s %s", snap.Operation, snap.Status, snap.Outcome.State)
		}
	})
}

func TestPollerStopsOnRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := cdkCreate()
		api := newReplay(r)
		expired := &smithy.GenericAPIError{Code: "ExpiredToken", Message: "The security token included in the request is expired"}
		api.fault = func(op string, n int) error {
			if op == "DescribeStacks" && n == 4 {
				return expired
			}
			return nil
		}
		snap, updates, err := watch(t, api, r.name)
		if !errors.Is(err, expired) {
			t.Fatalf("err = %v, want the ExpiredToken error", err)
		}
		if len(updates) != 3 || snap.StackID != r.id {
			t.Errorf("%d updates before the refusal, snapshot of %q", len(updates), snap.StackID)
		}
	})
}

func TestPollerHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := cdkCreate()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		p := &Poller{API: newReplay(r), Stack: r.name}
		snap, err := p.Run(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || snap.Status != "CREATE_IN_PROGRESS" {
			t.Errorf("err %v, status %s", err, snap.Status)
		}
	})
}
