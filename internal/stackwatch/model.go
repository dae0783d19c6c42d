package stackwatch

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// StackType is the resource type of a stack, which CloudFormation also uses
// for a stack's own events and for nested stacks.
const StackType = "AWS::CloudFormation::Stack"

const (
	// DedupeWindow is how far back, in event time, the model remembers the
	// event ids it has applied. An event older than the newest one by more
	// than this is dropped as stale, so memory stays bounded on stacks that
	// run for hours.
	DedupeWindow = 30 * time.Minute
	// DefaultMaxFailures caps the failures a model keeps (the earliest
	// ones); the root cause is tracked separately and never dropped.
	DefaultMaxFailures = 100
	// opStartSlack allows for DescribeStacks' creation or update time and
	// the operation's first event disagreeing by a few milliseconds.
	opStartSlack = time.Second
)

// Options tunes a Model. The zero value is ready to use.
type Options struct {
	// Region, when set, is added to the commands in [Outcome.Command] as
	// --region.
	Region string
	// MaxFailures caps [Snapshot.Failures]; 0 means [DefaultMaxFailures].
	MaxFailures int
}

// Model is the progress of one stack operation, built from what the
// CloudFormation API reports. It is not safe for concurrent use.
type Model struct {
	name        string
	region      string
	maxFailures int

	rootID string
	stacks map[string]*stackState
	order  []*stackState // discovery order, root first once known

	op Operation
	// opStart is when the watched operation began; opStartEvent is the
	// timestamp of its "User Initiated" event once seen.
	opStart      time.Time
	opStartEvent time.Time
	// statedStart is the start DescribeStacks reported, if it did.
	statedStart time.Time
	// cutoff separates this operation's events from earlier history.
	cutoff time.Time
	// endedAt is when the root reached a terminal status.
	endedAt   time.Time
	endedSure bool // endedAt comes from the terminal event itself

	seen     map[eventKey]time.Time
	pruneAt  int
	newest   time.Time
	failures []Failure
	dropped  int
	cause    *Failure

	buf []event
}

type eventKey struct{ stack, id string }

// stackState is the root stack or one nested stack.
type stackState struct {
	id, name  string
	parent    *stackState
	logicalID string // the nested stack's logical id in its parent

	status      string
	reason      string
	statusTS    time.Time
	statusPhase int

	res map[string]*resource

	newestID string
	newestTS time.Time

	// rollbackStart is when the stack began rolling back; rollbackSure
	// is set once it comes from an event rather than from DescribeStacks.
	rollbackStart time.Time
	rollbackSure  bool
	// dirty is set when the parent reports a change to this nested stack
	// and cleared by [Model.Polled].
	dirty   bool
	deleted bool
}

type resource struct {
	logicalID  string
	physicalID string
	typ        string
	status     string
	reason     string
	ts         time.Time // of the status
	since      time.Time // start of the current *_IN_PROGRESS
	declared   bool      // named by the template
	inOp       bool      // the status belongs to the watched operation
}

// event is a StackEvent with the pointers resolved.
type event struct {
	id, stackID, stackName, logicalID, physicalID, typ, status, reason string
	ts                                                                 time.Time
}

// New returns a model for the stack called (or with the id) stack. An empty
// stack means "the first stack the model hears about".
func New(stack string, opts Options) *Model {
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = DefaultMaxFailures
	}
	return &Model{
		name:        stack,
		region:      opts.Region,
		maxFailures: opts.MaxFailures,
		stacks:      map[string]*stackState{},
		seen:        map[eventKey]time.Time{},
		pruneAt:     1024,
	}
}

// StackID is the root stack's id (its ARN), empty until the model has seen
// it in DescribeStacks or an event.
func (m *Model) StackID() string { return m.rootID }

func (m *Model) root() *stackState {
	if m.rootID == "" {
		return nil
	}
	return m.stacks[m.rootID]
}

// stack returns the state for id, creating it. The first stack whose name
// or id is the one the model was made for becomes the root.
func (m *Model) stack(id, name string) *stackState {
	st := m.stacks[id]
	if st == nil {
		if name == "" {
			name = stackNameFromARN(id)
		}
		st = &stackState{id: id, name: name, res: map[string]*resource{}}
		m.stacks[id] = st
		m.order = append(m.order, st)
	} else if name != "" && st.name != name {
		st.name = name
	}
	if m.rootID == "" && (m.name == "" || m.name == id || m.name == st.name) {
		m.rootID = id
		// Keep the root first in m.order.
		if i := slices.Index(m.order, st); i > 0 {
			copy(m.order[1:i+1], m.order[:i])
			m.order[0] = st
		}
	}
	return st
}

// stackNameFromARN returns NAME from arn:aws:cloudformation:R:A:stack/NAME/ID.
func stackNameFromARN(arn string) string {
	_, rest, ok := strings.Cut(arn, ":stack/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func isStackARN(s string) bool {
	return strings.HasPrefix(s, "arn:") && strings.Contains(s, ":cloudformation:") && strings.Contains(s, ":stack/")
}

// ObserveStack records what DescribeStacks said about the root stack. It
// fixes the stack's id, the operation under way and when it began.
func (m *Model) ObserveStack(s types.Stack) {
	id := aws.ToString(s.StackId)
	if id == "" {
		return
	}
	if m.rootID == "" {
		m.rootID = id
	}
	if id != m.rootID {
		// Another stack of the same name (the one watched was deleted and
		// a new one created): not the operation being watched.
		return
	}
	root := m.stack(id, aws.ToString(s.StackName))
	status := string(s.StackStatus)
	op := operationOf(status)
	if start := operationStartTime(s, op); !start.IsZero() {
		switch {
		case m.opStart.IsZero():
			m.op = op
			m.opStart = start
			m.cutoff = start.Add(-opStartSlack)
		case start.After(m.opStart.Add(opStartSlack)) &&
			(m.opStartEvent.IsZero() || start.After(m.opStartEvent.Add(opStartSlack))):
			m.resetOperation(start, op, start.Add(-opStartSlack))
		}
		m.statedStart = start
	}
	if m.op == OpUnknown {
		m.op = op
	}
	m.setStatus(root, status, aws.ToString(s.StackStatusReason), time.Time{})
}

// operationStartTime is when DescribeStacks says the current operation
// began, zero when it does not say.
func operationStartTime(s types.Stack, op Operation) time.Time {
	var t *time.Time
	switch op {
	case OpCreate:
		t = s.CreationTime
	case OpUpdate, OpImport:
		t = s.LastUpdatedTime
	case OpDelete:
		t = s.DeletionTime
	}
	return aws.ToTime(t)
}

// resetOperation starts watching a new operation: everything recorded so far
// becomes the state the operation started from.
func (m *Model) resetOperation(start time.Time, op Operation, cutoff time.Time) {
	m.op = op
	m.opStart = start
	m.cutoff = cutoff
	m.endedAt, m.endedSure = time.Time{}, false
	clear(m.failures)
	m.failures = m.failures[:0]
	m.dropped = 0
	m.cause = nil
	for _, st := range m.order {
		st.rollbackStart, st.rollbackSure = time.Time{}, false
		st.statusPhase = 0
		for _, r := range st.res {
			r.inOp = false
			r.since = time.Time{}
		}
	}
}

// setStatus moves a stack to status unless that would take it back to an
// earlier phase of the operation or to an older event's status. ts is zero
// for DescribeStacks, which is always current.
func (m *Model) setStatus(st *stackState, status, reason string, ts time.Time) {
	if status == "" {
		return
	}
	// The earliest rolling-back status marks the rollback's start, even
	// when it arrives after a later status.
	if rollingBack(status) {
		switch {
		case ts.IsZero() && st.rollbackStart.IsZero():
			st.rollbackStart = m.newest
		case !ts.IsZero() && (!st.rollbackSure || ts.Before(st.rollbackStart)):
			st.rollbackStart, st.rollbackSure = ts, true
		}
	}
	if !ts.IsZero() && ts.Before(st.statusTS) {
		return
	}
	p := phase(status)
	restart := operationStart(status) && Classify(st.status) != Running
	if p < st.statusPhase && !restart {
		return
	}
	st.status, st.reason, st.statusPhase = status, reason, p
	if !ts.IsZero() {
		st.statusTS = ts
	}
	at := ts
	if at.IsZero() {
		at = m.newest
	}
	if st.id == m.rootID && Classify(status) != Running && !m.endedSure {
		if !ts.IsZero() {
			m.endedAt, m.endedSure = ts, true
		} else if m.endedAt.IsZero() {
			m.endedAt = at
		}
	}
}

// ObserveEvents applies a batch of DescribeStackEvents results, in any order
// and possibly overlapping earlier batches, and returns the events that were
// new to the model and belong to the watched operation, oldest first.
func (m *Model) ObserveEvents(evs []types.StackEvent) []Event {
	var stale time.Time
	if !m.newest.IsZero() {
		stale = m.newest.Add(-DedupeWindow)
	}
	batch := m.buf[:0]
	for i := range evs {
		e := toEvent(&evs[i])
		if e.id == "" || e.stackID == "" {
			continue
		}
		if _, dup := m.seen[eventKey{e.stackID, e.id}]; dup {
			continue
		}
		if e.ts.Before(stale) {
			continue
		}
		batch = append(batch, e)
	}
	// DescribeStackEvents lists newest first: reversing is all the
	// sorting a clean page needs.
	if slices.IsSortedFunc(batch, func(a, b event) int { return compareEvents(b, a) }) {
		slices.Reverse(batch)
	} else {
		slices.SortFunc(batch, compareEvents)
	}
	out := make([]Event, 0, len(batch))
	for i := range batch {
		e := &batch[i]
		if e.ts.Before(m.cutoff) {
			continue
		}
		key := eventKey{e.stackID, e.id}
		if _, dup := m.seen[key]; dup {
			continue
		}
		m.seen[key] = e.ts
		if m.apply(e) {
			out = append(out, e.public(m.rootID))
		}
	}
	clear(batch)
	m.buf = batch[:0]
	m.prune()
	return out
}

func toEvent(e *types.StackEvent) event {
	return event{
		id:         aws.ToString(e.EventId),
		stackID:    aws.ToString(e.StackId),
		stackName:  aws.ToString(e.StackName),
		logicalID:  aws.ToString(e.LogicalResourceId),
		physicalID: aws.ToString(e.PhysicalResourceId),
		typ:        aws.ToString(e.ResourceType),
		status:     string(e.ResourceStatus),
		reason:     aws.ToString(e.ResourceStatusReason),
		ts:         aws.ToTime(e.Timestamp),
	}
}

// prune forgets event ids older than the dedupe window. It runs when the set
// has doubled since the last prune, so its cost is amortised per event.
func (m *Model) prune() {
	if len(m.seen) < m.pruneAt {
		return
	}
	limit := m.newest.Add(-DedupeWindow)
	for k, ts := range m.seen {
		if ts.Before(limit) {
			delete(m.seen, k)
		}
	}
	m.pruneAt = max(1024, 2*len(m.seen))
}

// apply records one new event and reports whether it belongs to the watched
// operation.
func (m *Model) apply(e *event) bool {
	st := m.stack(e.stackID, e.stackName)
	latest := !e.ts.Before(m.newest)
	if e.ts.After(m.newest) {
		m.newest = e.ts
	}
	if st.newestID == "" || !e.ts.Before(st.newestTS) {
		st.newestID, st.newestTS = e.id, e.ts
	}
	if e.physicalID == e.stackID {
		// The stack's own event.
		// An operation starts with the stack's "User Initiated" event, or
		// (where that reason is missing) with work starting on a stack
		// that had come to rest.
		starts := operationStart(e.status) &&
			(e.reason == userInitiated || (st.status != "" && Classify(st.status) != Running && e.ts.After(st.statusTS)))
		if st.id == m.rootID && starts && (m.opStartEvent.IsZero() || e.ts.After(m.opStartEvent)) {
			current := !m.statedStart.IsZero() && !e.ts.After(m.statedStart.Add(opStartSlack))
			switch {
			case latest && !current:
				// A new operation: what came before is its starting point.
				m.resetOperation(e.ts, operationOf(e.status), e.ts)
			case current:
				// The start of the operation DescribeStacks reported.
				m.cutoff = later(m.cutoff, e.ts)
			}
			if m.op == OpUnknown {
				m.op = operationOf(e.status)
			}
			m.opStartEvent = e.ts
		}
		if st.id == m.rootID && m.op == OpUnknown {
			m.op = operationOf(e.status)
		}
		m.setStatus(st, e.status, e.reason, e.ts)
		if resourceFailed(e.status) {
			m.addFailure(st, e)
		}
		return true
	}
	if e.logicalID == "" {
		return false
	}
	r := st.res[e.logicalID]
	if r == nil {
		r = &resource{logicalID: e.logicalID}
		st.res[e.logicalID] = r
	}
	if r.typ == "" {
		r.typ = e.typ
	}
	if resourceFailed(e.status) {
		m.addFailure(st, e)
	}
	if e.typ == StackType && isStackARN(e.physicalID) {
		child := m.stack(e.physicalID, "")
		if child.parent == nil && child != st {
			child.parent, child.logicalID = st, e.logicalID
		}
		child.dirty = true
	}
	newer := r.ts.IsZero() || e.ts.After(r.ts) ||
		(e.ts.Equal(r.ts) && resourceRank(e.status) >= resourceRank(r.status))
	if !newer {
		return true
	}
	if resourceInProgress(e.status) && !(r.inOp && r.status == e.status) {
		r.since = e.ts
	}
	if e.physicalID != "" {
		r.physicalID = e.physicalID
	}
	r.status, r.reason, r.ts, r.inOp = e.status, e.reason, e.ts, true
	return true
}

// addFailure keeps failures in time order, the earliest ones when there are
// too many, and tracks the earliest real cause separately.
func (m *Model) addFailure(st *stackState, e *event) {
	f := Failure{
		StackID:    st.id,
		StackName:  st.name,
		LogicalID:  e.logicalID,
		PhysicalID: e.physicalID,
		Type:       e.typ,
		Status:     e.status,
		Reason:     e.reason,
		Time:       e.ts,
		Cascade:    Cascade(e.reason),
	}
	if e.typ == StackType && isStackARN(e.physicalID) && e.physicalID != st.id {
		f.NestedStackID = e.physicalID
	}
	if !f.Cascade && (m.cause == nil || f.Time.Before(m.cause.Time)) {
		c := f
		m.cause = &c
	}
	i, _ := slices.BinarySearchFunc(m.failures, f, compareFailures)
	if i >= m.maxFailures {
		m.dropped++
		return
	}
	if len(m.failures) == m.maxFailures {
		m.failures = m.failures[:len(m.failures)-1]
		m.dropped++
	}
	m.failures = slices.Insert(m.failures, i, f)
}

// ObserveResources records ListStackResources results for a stack. They
// name resources no event has mentioned yet, so the total is right before
// the events catch up, and tell which resources a delete has to remove.
func (m *Model) ObserveResources(stackID string, rs []types.StackResourceSummary) {
	st := m.stack(stackID, "")
	for i := range rs {
		s := &rs[i]
		id := aws.ToString(s.LogicalResourceId)
		if id == "" {
			continue
		}
		r := st.res[id]
		if r == nil {
			r = &resource{logicalID: id}
			st.res[id] = r
		}
		if r.typ == "" {
			r.typ = aws.ToString(s.ResourceType)
		}
		if r.physicalID == "" {
			r.physicalID = aws.ToString(s.PhysicalResourceId)
		}
		status := string(s.ResourceStatus)
		ts := aws.ToTime(s.LastUpdatedTimestamp)
		if status == "" || (r.status != "" && (ts.IsZero() || !ts.After(r.ts))) {
			continue // events know better
		}
		r.status, r.reason, r.ts = status, aws.ToString(s.ResourceStatusReason), ts
		// A listing does not say which operation a status belongs to: a
		// create has nothing older, a recent timestamp is this operation's,
		// and without a timestamp work under way or failed must be.
		r.inOp = m.op == OpCreate ||
			(!ts.IsZero() && !m.cutoff.IsZero() && !ts.Before(m.cutoff)) ||
			(ts.IsZero() && (resourceInProgress(status) || resourceFailed(status)))
		if r.inOp && resourceInProgress(status) {
			r.since = ts
		}
	}
}

// DeclareResources records the logical ids a stack's template declares, so
// resources that have not started yet count towards the total. Pass only
// resources that will be created (see [TemplateResources]).
func (m *Model) DeclareResources(stackID string, logicalIDs []string) {
	st := m.stack(stackID, "")
	for _, id := range logicalIDs {
		if id == "" {
			continue
		}
		r := st.res[id]
		if r == nil {
			r = &resource{logicalID: id}
			st.res[id] = r
		}
		r.declared = true
	}
}

// MarkDeleted records that a stack the model has seen no longer exists
// (DescribeStacks answered "Stack with id X does not exist").
func (m *Model) MarkDeleted(stackID string) {
	st := m.stacks[stackID]
	if st == nil {
		return
	}
	st.deleted = true
	m.setStatus(st, "DELETE_COMPLETE", "the stack no longer exists", time.Time{})
	// Whatever was still there went with it.
	for _, r := range st.res {
		if r.status != "DELETE_COMPLETE" && r.status != "DELETE_SKIPPED" {
			r.status, r.reason, r.inOp = "DELETE_COMPLETE", "", true
		}
	}
}

// Target is a stack whose events a poller should fetch.
type Target struct {
	StackID string
	// LastEventID is the newest event the model has for the stack: paging
	// back through DescribeStackEvents can stop at the page holding it.
	LastEventID string
	// Since is the cutoff of the watched operation: older events are not
	// needed either. Zero when unknown.
	Since time.Time
}

// Targets lists the stacks whose events are worth fetching now: the root,
// and each nested stack that is working or that its parent reported a change
// to since it was last polled.
func (m *Model) Targets() []Target {
	var out []Target
	for _, st := range m.order {
		if st.deleted {
			continue
		}
		if st.id != m.rootID && !m.nestedActive(st) {
			continue
		}
		out = append(out, Target{StackID: st.id, LastEventID: st.newestID, Since: m.cutoff})
	}
	return out
}

func (m *Model) nestedActive(st *stackState) bool {
	if st.dirty {
		return true
	}
	if st.status != "" && Classify(st.status) == Running {
		return true
	}
	if st.parent != nil {
		if r := st.parent.res[st.logicalID]; r != nil && r.inOp && resourceInProgress(r.status) {
			return true
		}
	}
	return false
}

// Polled records that a stack's events were fetched just now.
func (m *Model) Polled(stackID string) {
	if st := m.stacks[stackID]; st != nil {
		st.dirty = false
	}
}

// compareEvents orders events by time and, for one resource at one
// instant, work under way before its result; the rest only makes the order
// total, so it does not depend on arrival.
func compareEvents(a, b event) int {
	return cmp.Or(
		a.ts.Compare(b.ts),
		cmp.Compare(resourceRank(a.status), resourceRank(b.status)),
		cmp.Compare(a.stackID, b.stackID),
		cmp.Compare(a.logicalID, b.logicalID),
		cmp.Compare(a.id, b.id),
	)
}

// compareFailures orders failures by time, then by where they happened, so
// the order does not depend on the order events arrived in.
func compareFailures(a, b Failure) int {
	return cmp.Or(
		a.Time.Compare(b.Time),
		cmp.Compare(a.StackName, b.StackName),
		cmp.Compare(a.LogicalID, b.LogicalID),
		cmp.Compare(a.Status, b.Status),
		cmp.Compare(a.Reason, b.Reason),
	)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
