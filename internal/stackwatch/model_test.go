package stackwatch

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/google/go-cmp/cmp"
)

// view is the part of a snapshot the table tests compare.
type view struct {
	Status    string
	Op        Operation
	State     State
	Elapsed   time.Duration
	Progress  Progress
	Running   []string // "LogicalId 1m0s"
	RootCause string   // "LogicalId: reason"
	Failures  int
	Rollback  string // "done/total"
	Command   string
	Stacks    int
}

func viewOf(s Snapshot) view {
	v := view{
		Status: s.Status, Op: s.Operation, State: s.Outcome.State, Elapsed: s.Elapsed,
		Progress: s.Progress, Failures: len(s.Failures), Command: s.Outcome.Command, Stacks: len(s.Stacks),
	}
	for _, r := range s.Running {
		v.Running = append(v.Running, fmt.Sprintf("%s %s", r.LogicalID, r.For))
	}
	if s.RootCause != nil {
		v.RootCause = s.RootCause.LogicalID + ": " + s.RootCause.Reason
	}
	if s.Rollback != nil {
		v.Rollback = fmt.Sprintf("%d/%d", s.Rollback.Done, s.Rollback.Total)
	}
	return v
}

func TestModelRecordedSequences(t *testing.T) {
	type step func(m *Model)
	tests := []struct {
		name  string
		steps func() ([]step, time.Time)
		want  view
	}{
		{
			name: "create in flight: total from the template, the distribution running",
			steps: func() ([]step, time.Time) {
				r := cdkCreate()
				return []step{
					func(m *Model) { m.ObserveStack(describe(r, "CREATE_IN_PROGRESS", r.start, nil, nil)) },
					func(m *Model) {
						m.DeclareResources(r.id, []string{logicalMeta, logicalRole, logicalBkt, logicalTable, logicalFn, logicalDist})
					},
					func(m *Model) { m.ObserveEvents(r.until(10 * time.Second)) },
					func(m *Model) { m.ObserveEvents(r.until(40 * time.Second)) },
				}, r.at(3 * time.Minute)
			},
			want: view{
				Status: "CREATE_IN_PROGRESS", Op: OpCreate, State: Running, Elapsed: 3 * time.Minute,
				Progress: Progress{Done: 5, Running: 1, Total: 6},
				Running:  []string{logicalDist + " 2m33s"},
				Stacks:   1,
			},
		},
		{
			name: "create succeeds",
			steps: func() ([]step, time.Time) {
				r := cdkCreate()
				return []step{
					func(m *Model) { m.ObserveStack(describe(r, "CREATE_IN_PROGRESS", r.start, nil, nil)) },
					func(m *Model) { m.ObserveEvents(r.until(time.Minute)) },
					func(m *Model) { m.ObserveStack(describe(r, "CREATE_COMPLETE", r.start, nil, nil)) },
					func(m *Model) { m.ObserveEvents(r.until(time.Hour)) },
				}, r.at(time.Hour)
			},
			want: view{
				Status: "CREATE_COMPLETE", Op: OpCreate, State: Succeeded, Elapsed: 8*time.Minute + 42*time.Second,
				Progress: Progress{Done: 6, Total: 6}, Stacks: 1,
			},
		},
		{
			name: "create fails: the bucket is the root cause, not the cascade",
			steps: func() ([]step, time.Time) {
				r := cdkCreateFails()
				return []step{
					func(m *Model) { m.ObserveStack(describe(r, "ROLLBACK_COMPLETE", r.start, nil, nil)) },
					func(m *Model) { m.ObserveEvents(r.until(time.Hour)) },
				}, r.at(time.Hour)
			},
			want: view{
				Status: "ROLLBACK_COMPLETE", Op: OpCreate, State: Failed, Elapsed: 23 * time.Second,
				Progress:  Progress{Done: 4, Total: 4},
				RootCause: logicalBkt + ": " + bucketExists,
				Failures:  3, Rollback: "4/4",
				Command: "aws cloudformation delete-stack --stack-name shop-prod --region eu-west-1",
				Stacks:  1,
			},
		},
		{
			name: "rollback under way",
			steps: func() ([]step, time.Time) {
				r := cdkCreateFails()
				return []step{
					func(m *Model) { m.ObserveStack(describe(r, "ROLLBACK_IN_PROGRESS", r.start, nil, nil)) },
					func(m *Model) { m.ObserveEvents(r.until(15 * time.Second)) },
				}, r.at(15 * time.Second)
			},
			want: view{
				Status: "ROLLBACK_IN_PROGRESS", Op: OpCreate, State: Running, Elapsed: 15 * time.Second,
				Progress:  Progress{Done: 3, Running: 1, Total: 4},
				Running:   []string{logicalTable + " 6s"},
				RootCause: logicalBkt + ": " + bucketExists,
				Failures:  3, Rollback: "3/4", Stacks: 1,
			},
		},
		{
			name: "update rolls back: the earlier create's history is ignored",
			steps: func() ([]step, time.Time) {
				r, u := cdkUpdateRollsBack()
				d := u.Sub(r.start)
				return []step{
					func(m *Model) { m.ObserveStack(describe(r, "UPDATE_ROLLBACK_COMPLETE", r.start, aws.Time(u), nil)) },
					func(m *Model) { m.ObserveResources(r.id, r.listing(d+30*time.Second)) },
					func(m *Model) { m.ObserveEvents(r.until(d + 30*time.Second)) },
				}, u.Add(time.Minute)
			},
			want: view{
				Status: "UPDATE_ROLLBACK_COMPLETE", Op: OpUpdate, State: Failed, Elapsed: 21 * time.Second,
				Progress:  Progress{Done: 7, Total: 7},
				RootCause: logicalFn + ": " + zipInvalid,
				Failures:  2, Rollback: "2/2", Stacks: 1,
			},
		},
		{
			name: "nested stack: the cause inside the nested stack wins",
			steps: func() ([]step, time.Time) {
				root, nested := nestedFails()
				return []step{
					func(m *Model) { m.ObserveStack(describe(root, "ROLLBACK_COMPLETE", root.start, nil, nil)) },
					func(m *Model) { m.ObserveEvents(root.until(time.Minute)) },
					func(m *Model) { m.ObserveEvents(nested.until(time.Minute)) },
				}, root.at(time.Minute)
			},
			want: view{
				Status: "ROLLBACK_COMPLETE", Op: OpCreate, State: Failed, Elapsed: 26 * time.Second,
				Progress:  Progress{Done: 4, Total: 4},
				RootCause: "LogsBucket9C4D8843: " + logsBucketExists,
				Failures:  4, Rollback: "4/4",
				Command: "aws cloudformation delete-stack --stack-name shop-net --region eu-west-1",
				Stacks:  2,
			},
		},
		{
			name: "nested stack not read yet: the parent's note stands in",
			steps: func() ([]step, time.Time) {
				root, _ := nestedFails()
				return []step{
					func(m *Model) { m.ObserveStack(describe(root, "ROLLBACK_IN_PROGRESS", root.start, nil, nil)) },
					func(m *Model) { m.ObserveEvents(root.until(18 * time.Second)) },
				}, root.at(18 * time.Second)
			},
			want: view{
				Status: "ROLLBACK_IN_PROGRESS", Op: OpCreate, State: Running, Elapsed: 18 * time.Second,
				Progress: Progress{Failed: 2, Total: 2},
				RootCause: "NetworkNestedStackNetworkNestedStackResource1B2C3D4E: Embedded stack " +
					stackARN("shop-net-NetworkNestedStackNetworkNestedStackResource1B2C3D4E-1A2B3C4D5E6F", "bb000000-0000-4000-8000-000000000002") +
					" was not successfully created: The following resource(s) failed to create: [LogsBucket9C4D8843, Vpc8378EB38].",
				Failures: 2, Rollback: "0/2", Stacks: 2,
			},
		},
		{
			name: "delete: the total comes from the listing taken when it began",
			steps: func() ([]step, time.Time) {
				r, u := cdkDelete()
				d := u.Sub(r.start)
				return []step{
					func(m *Model) { m.ObserveStack(describe(r, "DELETE_IN_PROGRESS", r.start, nil, aws.Time(u))) },
					func(m *Model) { m.ObserveResources(r.id, r.listing(d)) },
					func(m *Model) { m.ObserveEvents(r.until(d + 10*time.Second)) },
				}, u.Add(time.Minute)
			},
			want: view{
				Status: "DELETE_IN_PROGRESS", Op: OpDelete, State: Running, Elapsed: time.Minute,
				Progress: Progress{Done: 5, Running: 1, Total: 6},
				Running:  []string{logicalDist + " 58s"},
				Stacks:   1,
			},
		},
		{
			name: "delete succeeds, then the stack is gone",
			steps: func() ([]step, time.Time) {
				r, u := cdkDelete()
				d := u.Sub(r.start)
				return []step{
					func(m *Model) { m.ObserveStack(describe(r, "DELETE_IN_PROGRESS", r.start, nil, aws.Time(u))) },
					func(m *Model) { m.ObserveResources(r.id, r.listing(d)) },
					func(m *Model) { m.ObserveEvents(r.until(d + 3*time.Minute)) },
					func(m *Model) { m.MarkDeleted(r.id) },
				}, u.Add(10 * time.Minute)
			},
			want: view{
				// The end is not known: the newest event stands in.
				Status: "DELETE_COMPLETE", Op: OpDelete, State: Succeeded, Elapsed: 9 * time.Second,
				Progress: Progress{Done: 6, Total: 6},
				Stacks:   1,
			},
		},
		{
			name: "stack deleted under a watched create",
			steps: func() ([]step, time.Time) {
				r := cdkCreate()
				return []step{
					func(m *Model) { m.ObserveStack(describe(r, "CREATE_IN_PROGRESS", r.start, nil, nil)) },
					func(m *Model) { m.ObserveEvents(r.until(10 * time.Second)) },
					func(m *Model) { m.MarkDeleted(r.id) },
				}, r.at(time.Minute)
			},
			want: view{
				Status: "DELETE_COMPLETE", Op: OpCreate, State: Failed, Elapsed: 5 * time.Second,
				Progress: Progress{Done: 4, Total: 4},
				Stacks:   1,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New("shop", Options{Region: "eu-west-1"})
			m.name = "" // the recordings use several stack names
			steps, now := tt.steps()
			for _, s := range steps {
				s(m)
			}
			got := viewOf(m.Snapshot(now))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("snapshot (-want +got):\n%s", diff)
			}
		})
	}
}

// Replaying a sequence in overlapping, shuffled, duplicated batches must
// end where replaying it in order does.
func TestModelDuplicatesAndDisorder(t *testing.T) {
	sequences := map[string]func() []types.StackEvent{
		"create":   func() []types.StackEvent { return cdkCreate().events },
		"rollback": func() []types.StackEvent { return cdkCreateFails().events },
		"nested": func() []types.StackEvent {
			root, nested := nestedFails()
			return append(slices.Clone(root.events), nested.events...)
		},
	}
	for name, events := range sequences {
		t.Run(name, func(t *testing.T) {
			ordered := New("", Options{})
			ordered.ObserveEvents(events())
			now := t0.Add(time.Hour)
			want := ordered.Snapshot(now)

			for seed := range uint64(20) {
				rng := rand.New(rand.NewPCG(seed, 1))
				evs := events()
				var batches [][]types.StackEvent
				for len(evs) > 0 {
					n := 1 + rng.IntN(len(evs))
					batch := slices.Clone(evs[:n])
					// Repeat a few events already delivered.
					for range rng.IntN(4) {
						batch = append(batch, events()[rng.IntN(len(events()))])
					}
					rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
					batches = append(batches, batch)
					evs = evs[n:]
				}
				m := New("", Options{})
				applied := 0
				for _, b := range batches {
					applied += len(m.ObserveEvents(b))
				}
				got := m.Snapshot(now)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("seed %d: snapshot differs from the ordered replay (-want +got):\n%s", seed, diff)
				}
				if applied != len(events()) {
					t.Errorf("seed %d: %d events reported new, want %d (each once)", seed, applied, len(events()))
				}
			}
		})
	}
}

func TestModelResourceNeverGoesBack(t *testing.T) {
	r := cdkCreate()
	m := New(r.name, Options{})
	evs := r.until(time.Hour)
	// The results first, the in-progress events of the same resources a
	// poll later.
	var results, starts []types.StackEvent
	for _, e := range evs {
		if e.ResourceStatus == types.ResourceStatusCreateInProgress {
			starts = append(starts, e)
		} else {
			results = append(results, e)
		}
	}
	m.ObserveEvents(results)
	m.ObserveEvents(starts)
	s := m.Snapshot(r.at(time.Hour))
	if s.Progress != (Progress{Done: 6, Total: 6}) || s.Status != "CREATE_COMPLETE" {
		t.Errorf("progress %+v status %s, want 6/6 CREATE_COMPLETE", s.Progress, s.Status)
	}
}

func TestModelObserveEventsReturnsOnlyTheOperation(t *testing.T) {
	r, u := cdkUpdateRollsBack()
	m := New(r.name, Options{})
	m.ObserveStack(describe(r, "UPDATE_ROLLBACK_COMPLETE", r.start, aws.Time(u), nil))
	got := m.ObserveEvents(r.until(48 * time.Hour))
	if len(got) != 13 {
		t.Fatalf("got %d events, want the update's 13", len(got))
	}
	if first := got[0]; first.Status != "UPDATE_IN_PROGRESS" || first.Reason != userInitiated || first.Nested {
		t.Errorf("first event = %+v, want the update's start", first)
	}
	if again := m.ObserveEvents(r.until(48 * time.Hour)); len(again) != 0 {
		t.Errorf("a repeated batch returned %d events", len(again))
	}
	targets := m.Targets()
	if len(targets) != 1 || targets[0].LastEventID != aws.ToString(r.events[len(r.events)-1].EventId) || !targets[0].Since.Equal(u) {
		t.Errorf("targets = %+v", targets)
	}
}

// Without DescribeStacks, the history replays operation by operation and
// the last one is watched.
func TestModelHistoryWithoutDescribeStacks(t *testing.T) {
	r, u := cdkDelete()
	m := New(r.name, Options{})
	m.ObserveEvents(r.until(2 * time.Hour))
	s := m.Snapshot(u.Add(time.Hour))
	want := view{
		Status: "DELETE_COMPLETE", Op: OpDelete, State: Succeeded, Elapsed: 4*time.Minute + 2*time.Second,
		Progress: Progress{Done: 6, Total: 6}, Stacks: 1,
	}
	if diff := cmp.Diff(want, viewOf(s)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestModelTargetsFollowNestedStacks(t *testing.T) {
	root, nested := nestedFails()
	m := New(root.name, Options{})
	m.ObserveStack(describe(root, "CREATE_IN_PROGRESS", root.start, nil, nil))
	m.ObserveEvents(root.until(5 * time.Second))
	ids := func() []string {
		var out []string
		for _, t := range m.Targets() {
			out = append(out, stackNameFromARN(t.StackID))
		}
		return out
	}
	if got := ids(); !slices.Equal(got, []string{root.name, nested.name}) {
		t.Fatalf("targets = %v, want root and nested", got)
	}
	m.ObserveEvents(nested.until(5 * time.Second))
	m.Polled(nested.id)
	// Still creating: keep polling it.
	if got := ids(); len(got) != 2 {
		t.Fatalf("targets = %v, want the nested stack while it works", got)
	}
	m.ObserveEvents(nested.until(time.Minute))
	m.Polled(nested.id)
	m.ObserveEvents(root.until(time.Minute))
	if got := ids(); !slices.Equal(got, []string{root.name, nested.name}) {
		t.Fatalf("targets = %v: the parent's later events about the nested stack must make it worth one more poll", got)
	}
	m.Polled(nested.id)
	if got := ids(); !slices.Equal(got, []string{root.name}) {
		t.Fatalf("targets = %v, want only the root once the nested stack is gone", got)
	}
	s := m.Snapshot(root.at(time.Minute))
	if n := s.Stacks[1]; n.ParentID != root.id || n.LogicalID != "NetworkNestedStackNetworkNestedStackResource1B2C3D4E" || n.Status != "DELETE_COMPLETE" {
		t.Errorf("nested stack = %+v", n)
	}
	if s.RootCause.StackName != nested.name {
		t.Errorf("root cause in stack %q, want the nested one", s.RootCause.StackName)
	}
}

func TestOutcomeNextSteps(t *testing.T) {
	failed := func(logical, status string) types.StackEvent {
		return types.StackEvent{
			StackId: aws.String(stackARN("app", "1")), StackName: aws.String("app"), EventId: aws.String(logical + status),
			LogicalResourceId: aws.String(logical), PhysicalResourceId: aws.String("p-" + logical), ResourceType: aws.String(s3Bucket),
			ResourceStatus: types.ResourceStatus(status), ResourceStatusReason: aws.String("it would not go"), Timestamp: aws.Time(t0.Add(time.Minute)),
		}
	}
	tests := []struct {
		status      string
		op          Operation
		events      []types.StackEvent
		state       State
		command     string
		hintContain string
	}{
		{"ROLLBACK_COMPLETE", OpCreate, nil, Failed, "aws cloudformation delete-stack --stack-name app", "delete it before retrying"},
		{"ROLLBACK_FAILED", OpCreate, []types.StackEvent{failed("B", "DELETE_FAILED"), failed("A", "DELETE_FAILED")}, Failed,
			"aws cloudformation delete-stack --stack-name app --retain-resources A B", "keeping the resources"},
		{"DELETE_FAILED", OpDelete, []types.StackEvent{failed("Logs", "DELETE_FAILED")}, Failed,
			"aws cloudformation delete-stack --stack-name app --retain-resources Logs", "could not be deleted"},
		{"UPDATE_ROLLBACK_FAILED", OpUpdate, nil, Failed, "aws cloudformation continue-update-rollback --stack-name app", "continue it"},
		{"UPDATE_ROLLBACK_COMPLETE", OpUpdate, nil, Failed, "", "previous template"},
		{"CREATE_FAILED", OpCreate, nil, Failed, "aws cloudformation rollback-stack --stack-name app", "rollback was disabled"},
		{"UPDATE_FAILED", OpUpdate, nil, Failed, "aws cloudformation rollback-stack --stack-name app", "rollback was disabled"},
		{"IMPORT_ROLLBACK_COMPLETE", OpImport, nil, Failed, "", "import again"},
		{"CREATE_COMPLETE", OpCreate, nil, Succeeded, "", ""},
		{"UPDATE_COMPLETE", OpUpdate, nil, Succeeded, "", ""},
		{"IMPORT_COMPLETE", OpImport, nil, Succeeded, "", ""},
		{"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", OpUpdate, nil, Running, "", ""},
		{"REVIEW_IN_PROGRESS", OpCreate, nil, Running, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			m := New("app", Options{})
			s := types.Stack{StackId: aws.String(stackARN("app", "1")), StackName: aws.String("app"), StackStatus: types.StackStatus(tt.status),
				CreationTime: aws.Time(t0), LastUpdatedTime: aws.Time(t0), DeletionTime: aws.Time(t0)}
			m.ObserveStack(s)
			m.ObserveEvents(tt.events)
			snap := m.Snapshot(t0.Add(time.Hour))
			o := snap.Outcome
			if snap.Operation != tt.op || o.State != tt.state || o.Command != tt.command || !strings.Contains(o.Hint, tt.hintContain) {
				t.Errorf("op %s, outcome %+v; want op %s, state %s, command %q, hint containing %q", snap.Operation, o, tt.op, tt.state, tt.command, tt.hintContain)
			}
			if tt.state != Running && !strings.HasPrefix(o.Summary, "stack app: "+tt.status) {
				t.Errorf("summary = %q", o.Summary)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	for status, want := range map[string]State{
		"CREATE_COMPLETE": Succeeded, "UPDATE_COMPLETE": Succeeded, "DELETE_COMPLETE": Succeeded, "IMPORT_COMPLETE": Succeeded,
		"CREATE_FAILED": Failed, "DELETE_FAILED": Failed, "UPDATE_FAILED": Failed, "ROLLBACK_FAILED": Failed,
		"UPDATE_ROLLBACK_FAILED": Failed, "IMPORT_ROLLBACK_FAILED": Failed,
		"ROLLBACK_COMPLETE": Failed, "UPDATE_ROLLBACK_COMPLETE": Failed, "IMPORT_ROLLBACK_COMPLETE": Failed,
		"CREATE_IN_PROGRESS": Running, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": Running,
		"UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": Running, "ROLLBACK_IN_PROGRESS": Running,
		"REVIEW_IN_PROGRESS": Running, "": Running,
	} {
		if got := Classify(status); got != want {
			t.Errorf("Classify(%q) = %s, want %s", status, got, want)
		}
	}
}

func TestCascade(t *testing.T) {
	for reason, want := range map[string]bool{
		"Resource creation cancelled": true,
		"Resource update cancelled":   true,
		"The following resource(s) failed to create: [Bucket]. Rollback requested by user.":                                                              true,
		"The following resource(s) failed to update: [Fn].":                                                                                              true,
		"Embedded stack arn:aws:cloudformation:us-east-1:1:stack/a-B-1/x was not successfully created: The following resource(s) failed to create: [X].": true,
		"":                                   true,
		bucketExists:                         false,
		"API: s3:CreateBucket Access Denied": false,
		"Resource handler returned message: \"Invalid request provided: CloudFront\"": false,
	} {
		if got := Cascade(reason); got != want {
			t.Errorf("Cascade(%q) = %v, want %v", reason, got, want)
		}
	}
}

func TestTemplateResources(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
		ok   bool
	}{
		{"json", `{"Resources":{"B":{"Type":"AWS::S3::Bucket"},"Q":{"Type":"AWS::SQS::Queue","Condition":"IsProd"}},"Outputs":{}}`, []string{"B"}, true},
		{"json without resources", `{"Outputs":{}}`, nil, false},
		{"yaml", `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
Resources:
  # the data
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: x
      Tags:
        - Key: Condition
          Value: y
  "Queue":
    Type: AWS::SQS::Queue
    Condition: IsProd
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  Name:
    Value: !Ref Bucket
`, []string{"Bucket", "Topic"}, true},
		{"not a template", "hello", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := TemplateResources(tt.body)
			slices.Sort(got)
			if ok != tt.ok || !slices.Equal(got, tt.want) {
				t.Errorf("TemplateResources = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestSummaryOfAFailureStillRollingBack: once an operation has failed and
// its rollback has begun, the verdict is known before the rollback ends:
// the summary names the stack's status and the root cause, so a watch that
// stops there (and its FailedError) has something to say.
func TestSummaryOfAFailureStillRollingBack(t *testing.T) {
	r := cdkCreateFails()
	m := New("shop-prod", Options{})
	m.ObserveStack(describe(r, "CREATE_IN_PROGRESS", r.start, nil, nil))
	m.ObserveEvents(r.until(5 * time.Second))
	if s := m.Snapshot(r.at(5 * time.Second)); s.Outcome.Summary != "" {
		t.Errorf("a failure before the rollback began: summary %q, want none yet", s.Outcome.Summary)
	}

	m.ObserveStack(describe(r, "ROLLBACK_IN_PROGRESS", r.start, nil, nil))
	m.ObserveEvents(r.until(15 * time.Second))
	s := m.Snapshot(r.at(15 * time.Second))
	want := "stack shop-prod: ROLLBACK_IN_PROGRESS: " + logicalBkt + " (AWS::S3::Bucket) CREATE_FAILED: " + bucketExists
	if s.Outcome.State != Running || s.Outcome.Summary != want {
		t.Errorf("rollback under way: %s, summary\n%q\nwant running, summary\n%q", s.Outcome.State, s.Outcome.Summary, want)
	}
	if got := (&FailedError{Snapshot: s}).Error(); got != want {
		t.Errorf("FailedError = %q, want %q", got, want)
	}
}
