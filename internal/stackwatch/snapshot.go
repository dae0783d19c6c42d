package stackwatch

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Event is one stack event of the watched operation, as a log line would
// show it.
type Event struct {
	ID         string
	StackID    string
	StackName  string
	LogicalID  string
	PhysicalID string
	Type       string
	Status     string
	Reason     string
	Time       time.Time
	// Nested is set for events of a nested stack.
	Nested bool
}

func (e *event) public(rootID string) Event {
	return Event{
		ID: e.id, StackID: e.stackID, StackName: e.stackName, LogicalID: e.logicalID,
		PhysicalID: e.physicalID, Type: e.typ, Status: e.status, Reason: e.reason, Time: e.ts,
		Nested: e.stackID != rootID,
	}
}

// Snapshot is where the watched operation stands at one instant.
type Snapshot struct {
	Stack        string // the root stack's name
	StackID      string
	Status       string // the root stack's status, e.g. UPDATE_IN_PROGRESS
	StatusReason string
	Operation    Operation
	// Started is when the operation began (zero if unknown); Elapsed runs
	// from there to now, or to the end once the operation is over.
	Started time.Time
	Elapsed time.Duration

	// Progress adds up the root stack and all nested stacks.
	Progress Progress
	// Stacks is the root stack first, then nested stacks as discovered.
	Stacks []StackProgress
	// Running lists resources with work under way, longest running first.
	Running []RunningResource
	// Failures lists the operation's *_FAILED events in time order, cascade
	// included; FailuresDropped counts those left out beyond the cap.
	Failures        []Failure
	FailuresDropped int
	// RootCause is the earliest failure with a reason of its own, or the
	// earliest failure at all when none has one; nil without failures.
	RootCause *Failure
	// Rollback is set once the root stack or a nested stack rolls back.
	Rollback *RollbackProgress

	Outcome Outcome
}

// Progress counts resources by where they stand. Done covers *_COMPLETE
// and DELETE_SKIPPED; during an update, resources the update does not touch
// count as done. Pending resources are known (from the template or a
// listing) but have not started; once an operation has succeeded, pending
// resources (conditions that were false) leave the total.
type Progress struct {
	Done, Running, Failed, Pending, Total int
}

func (p *Progress) add(q Progress) {
	p.Done += q.Done
	p.Running += q.Running
	p.Failed += q.Failed
	p.Pending += q.Pending
	p.Total += q.Total
}

// StackProgress is one stack of the tree.
type StackProgress struct {
	StackID   string
	StackName string
	// ParentID and LogicalID are set for nested stacks: the parent stack
	// and the nested stack's logical id in it.
	ParentID     string
	LogicalID    string
	Status       string
	StatusReason string
	Progress     Progress
}

// RunningResource is a resource with work under way.
type RunningResource struct {
	StackName  string
	LogicalID  string
	PhysicalID string
	Type       string
	Status     string
	Since      time.Time
	For        time.Duration
}

// Failure is one *_FAILED event.
type Failure struct {
	StackID    string
	StackName  string
	LogicalID  string
	PhysicalID string
	Type       string
	Status     string
	Reason     string
	Time       time.Time
	// Cascade is set when the reason only reports another failure (see
	// [Cascade]).
	Cascade bool
	// NestedStackID is set when the failed resource is a nested stack:
	// the details are in that stack's events.
	NestedStackID string
}

// String is "Bucket (AWS::S3::Bucket) CREATE_FAILED: reason", with the stack
// name first for resources of nested stacks.
func (f Failure) String() string {
	var b strings.Builder
	b.WriteString(f.LogicalID)
	if (f.Type != "" && f.Type != StackType) || f.NestedStackID != "" {
		fmt.Fprintf(&b, " (%s)", f.Type)
	}
	fmt.Fprintf(&b, " %s", f.Status)
	if f.Reason != "" {
		fmt.Fprintf(&b, ": %s", f.Reason)
	}
	return b.String()
}

// RollbackProgress counts the resources a rollback has to undo (those the
// operation touched) and those it has finished with.
type RollbackProgress struct {
	Started     time.Time
	Done, Total int
}

// Outcome is the verdict on the operation.
type Outcome struct {
	State State
	// Summary is one lower-case line for an error message or a final
	// status line: the stack's status and, after a failure, the root
	// cause. It is empty while the operation runs, unless it has already
	// failed and its rollback has begun: the verdict is known then, though
	// the rollback is not over (State is still Running).
	Summary string
	// Hint says what to do next after a failure, and Command is the exact
	// command to run, when there is one.
	Hint    string
	Command string
}

// Snapshot reports the operation's progress at now.
func (m *Model) Snapshot(now time.Time) Snapshot {
	var s Snapshot
	root := m.root()
	s.Stack = m.name
	if root != nil {
		s.Stack, s.StackID, s.Status, s.StatusReason = root.name, root.id, root.status, root.reason
	}
	s.Operation = m.op
	s.Started = m.opStart
	if !m.opStartEvent.IsZero() {
		s.Started = m.opStartEvent
	}
	state := m.state()
	end := now
	if state != Running && !m.endedAt.IsZero() {
		end = m.endedAt
	}
	if !s.Started.IsZero() && end.After(s.Started) {
		s.Elapsed = end.Sub(s.Started)
	}

	var rb RollbackProgress
	rolling := false
	s.Stacks = make([]StackProgress, 0, len(m.order))
	running := 0
	for _, st := range m.order {
		for _, r := range st.res {
			if m.category(r) == catRunning {
				running++
			}
		}
	}
	// Sort small records, then build the large ones in order.
	type runRef struct {
		st *stackState
		r  *resource
	}
	runs := make([]runRef, 0, running)
	for _, st := range m.order {
		sp := StackProgress{StackID: st.id, StackName: st.name, LogicalID: st.logicalID, Status: st.status, StatusReason: st.reason}
		if st.parent != nil {
			sp.ParentID = st.parent.id
		}
		for _, r := range st.res {
			switch m.category(r) {
			case catDone:
				sp.Progress.Done++
			case catRunning:
				sp.Progress.Running++
				runs = append(runs, runRef{st, r})
			case catFailed:
				sp.Progress.Failed++
			default:
				sp.Progress.Pending++
			}
			// A rollback undoes what the operation touched; a resource
			// whose latest event came after it began is done with.
			if !st.rollbackStart.IsZero() && r.inOp {
				rb.Total++
				if !r.ts.Before(st.rollbackStart) && !resourceInProgress(r.status) {
					rb.Done++
				}
			}
		}
		if !st.rollbackStart.IsZero() {
			rolling = true
			if rb.Started.IsZero() || st.rollbackStart.Before(rb.Started) {
				rb.Started = st.rollbackStart
			}
		}
		sp.Progress.Total = sp.Progress.Done + sp.Progress.Running + sp.Progress.Failed + sp.Progress.Pending
		if state == Succeeded {
			sp.Progress.Total -= sp.Progress.Pending
			sp.Progress.Pending = 0
		}
		s.Progress.add(sp.Progress)
		s.Stacks = append(s.Stacks, sp)
	}
	if rolling {
		s.Rollback = &rb
	}
	slices.SortFunc(runs, func(a, b runRef) int {
		return cmp.Or(
			a.r.since.Compare(b.r.since),
			cmp.Compare(a.st.name, b.st.name),
			cmp.Compare(a.r.logicalID, b.r.logicalID),
		)
	})
	if len(runs) > 0 {
		s.Running = make([]RunningResource, len(runs))
		for i, x := range runs {
			s.Running[i] = RunningResource{
				StackName: x.st.name, LogicalID: x.r.logicalID, PhysicalID: x.r.physicalID, Type: x.r.typ,
				Status: x.r.status, Since: x.r.since, For: max(0, now.Sub(x.r.since)),
			}
		}
	}

	s.Failures = slices.Clone(m.failures)
	s.FailuresDropped = m.dropped
	if m.cause != nil {
		c := *m.cause
		s.RootCause = &c
	} else if len(m.failures) > 0 {
		c := m.failures[0]
		for _, f := range m.failures {
			if f.Reason != "" {
				c = f
				break
			}
		}
		s.RootCause = &c
	}
	s.Outcome = m.outcome(state, &s)
	return s
}

type category int

const (
	catPending category = iota
	catRunning
	catDone
	catFailed
)

func (m *Model) category(r *resource) category {
	if r.status == "" {
		return catPending
	}
	if !r.inOp {
		// The status predates the operation: untouched by an update,
		// still there for a delete.
		if m.op == OpUpdate || m.op == OpImport {
			return catDone
		}
		return catPending
	}
	switch {
	case resourceInProgress(r.status):
		return catRunning
	case resourceFailed(r.status):
		return catFailed
	case resourceDone(r.status):
		return catDone
	}
	return catPending
}

// state is the verdict on the operation from the root stack's status.
func (m *Model) state() State {
	root := m.root()
	if root == nil {
		return Running
	}
	st := Classify(root.status)
	if st == Succeeded && root.status == "DELETE_COMPLETE" && m.op != OpDelete && m.op != OpUnknown {
		// Deleted after a failed create (OnFailure=DELETE), or by someone
		// else while an update was watched.
		return Failed
	}
	return st
}

func (m *Model) outcome(state State, s *Snapshot) Outcome {
	o := Outcome{State: state}
	if state == Running {
		if s.RootCause != nil && s.Rollback != nil {
			o.Summary = fmt.Sprintf("stack %s: %s: %s", s.Stack, s.Status, s.RootCause.String())
		}
		return o
	}
	root := m.root()
	if state == Succeeded {
		o.Summary = fmt.Sprintf("stack %s: %s", s.Stack, s.Status)
		return o
	}
	o.Summary = fmt.Sprintf("stack %s: %s", s.Stack, s.Status)
	if root.deleted && m.op != OpDelete {
		o.Summary = fmt.Sprintf("stack %s was deleted while its %s was watched", s.Stack, strings.ToLower(string(m.op)))
	}
	if s.RootCause != nil {
		o.Summary += ": " + s.RootCause.String()
	}
	command := func(sub string, args ...string) string {
		parts := append([]string{"aws cloudformation", sub, "--stack-name", s.Stack}, args...)
		if m.region != "" {
			parts = append(parts, "--region", m.region)
		}
		return strings.Join(parts, " ")
	}
	failedIDs := func(status string, rollback bool) []string {
		var ids []string
		for _, r := range root.res {
			if r.inOp && r.status == status && (!rollback || !r.ts.Before(root.rollbackStart)) {
				ids = append(ids, r.logicalID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	withList := func(flag string, ids []string) []string {
		if len(ids) == 0 {
			return nil
		}
		return append([]string{flag}, ids...)
	}
	switch s.Status {
	case "ROLLBACK_COMPLETE":
		o.Hint = "the stack was rolled back after its creation failed, and a stack in ROLLBACK_COMPLETE cannot be updated: delete it before retrying"
		o.Command = command("delete-stack")
	case "ROLLBACK_FAILED":
		ids := failedIDs("DELETE_FAILED", false)
		o.Hint = "the rollback could not delete every resource: delete the stack, keeping the resources that would not go, and remove those by hand"
		o.Command = command("delete-stack", withList("--retain-resources", ids)...)
	case "CREATE_FAILED":
		o.Hint = "rollback was disabled, so the resources created so far remain: fix the cause and update the stack, or roll it back"
		o.Command = command("rollback-stack")
	case "UPDATE_FAILED":
		o.Hint = "rollback was disabled, so the stack is part-way through the update: fix the cause and update again, or roll it back"
		o.Command = command("rollback-stack")
	case "UPDATE_ROLLBACK_COMPLETE":
		o.Hint = "the update was rolled back and the stack is back on its previous template: fix the cause and deploy again"
	case "UPDATE_ROLLBACK_FAILED":
		ids := failedIDs("UPDATE_FAILED", true)
		o.Hint = "the update's rollback failed: continue it, skipping the resources that cannot be rolled back once they are fixed or no longer matter"
		o.Command = command("continue-update-rollback", withList("--resources-to-skip", ids)...)
	case "DELETE_FAILED":
		ids := failedIDs("DELETE_FAILED", false)
		o.Hint = "some resources could not be deleted: fix them, or keep them and delete the stack again"
		o.Command = command("delete-stack", withList("--retain-resources", ids)...)
	case "IMPORT_ROLLBACK_COMPLETE":
		o.Hint = "the import was rolled back: fix the cause and import again"
	case "IMPORT_ROLLBACK_FAILED":
		o.Hint = "the import's rollback failed: see the stack's events for the resources involved"
		o.Command = command("describe-stack-events")
	case "DELETE_COMPLETE":
		if m.op == OpCreate {
			o.Hint = "the stack was deleted after its creation failed: fix the cause and create it again"
		}
	}
	return o
}
