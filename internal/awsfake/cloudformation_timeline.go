package awsfake

import (
	"slices"
	"strings"
	"time"
)

// The fake plays a stack operation by writing down, when the operation is
// asked for, every event it will produce, each stamped with the fake
// instant it happens at. The API then shows the events whose time has come,
// so a test advances a ManualClock (or lets a ScaledClock run) and watches
// the deployment unfold. Because the outcome of every resource is scripted,
// the whole future is known up front, cascade and rollback included.
//
// Timing follows what CloudFormation does, compressed:
//
//   - resources start a second after the stack, and as soon as everything
//     they depend on is complete;
//   - a resource reports CREATE_IN_PROGRESS, then "Resource creation
//     Initiated" (with its physical id) a moment later, then its result;
//   - the first failure cancels whatever is still in progress half a second
//     later ("Resource creation cancelled"); nothing new starts;
//   - a second after the failure the stack rolls back: every resource that
//     started is deleted, dependents before what they depend on, and the
//     stack ends in ROLLBACK_COMPLETE (UPDATE_ROLLBACK_COMPLETE for an
//     update, which first reverts updated resources, then deletes the ones
//     it created);
//   - a nested stack is a resource whose duration is its own stack's.

const (
	stepDelay   = time.Second            // between the stack's own transitions
	cancelDelay = 500 * time.Millisecond // from a failure to the cancellations
)

type cfnEvent struct {
	id         string
	logicalID  string
	physicalID string
	typ        string
	status     string
	reason     string
	own        bool
	ts         time.Time
}

// timeline collects the events one operation adds to each stack involved.
type timeline map[*cfnStack][]cfnEvent

func (tl timeline) merge(o timeline) {
	for st, evs := range o {
		tl[st] = append(tl[st], evs...)
	}
}

func (tl timeline) own(st *cfnStack, ts time.Time, status, reason string) {
	tl[st] = append(tl[st], cfnEvent{
		id: newRequestID(), logicalID: st.name, physicalID: st.id, typ: cfnStackType,
		status: status, reason: reason, own: true, ts: ts,
	})
}

func (tl timeline) res(st *cfnStack, ts time.Time, r *fakeResource, physical, status, reason string) {
	tl[st] = append(tl[st], cfnEvent{
		// CloudFormation's resource event ids: LogicalId-STATUS-time.
		id:        r.id + "-" + status + "-" + ts.UTC().Format(cfnTimeFormat),
		logicalID: r.id, physicalID: physical, typ: r.typ, status: status, reason: reason, ts: ts,
	})
}

// stackContent is what exists in a stack once its scheduled operation is
// over: the template in force, the resources that exist and the nested
// stacks among them.
type stackContent struct {
	tpl      *fakeTemplate
	live     map[string]bool
	children map[string]*cfnStack
}

func newContent(tpl *fakeTemplate) stackContent {
	return stackContent{tpl: tpl, live: map[string]bool{}, children: map[string]*cfnStack{}}
}

// planner schedules one API call's operation.
type planner struct {
	srv *Server
	// children memoises nested stacks by parent and logical id, so that
	// planning a nested stack twice (once as it would run, once cancelled)
	// gives it one identity.
	children map[*cfnStack]map[string]*cfnStack
}

func (p *planner) child(parent *cfnStack, r *fakeResource, at time.Time) *cfnStack {
	m := p.children[parent]
	if m == nil {
		m = map[string]*cfnStack{}
		p.children[parent] = m
	}
	if c := m[r.id]; c != nil {
		return c
	}
	id := r.id
	if len(id) > 60 {
		id = id[:60]
	}
	name := parent.name + "-" + id + "-" + randomID(12)
	if len(name) > 128 {
		name = name[len(name)-128:]
	}
	c := newCFNStack(parent.account, parent.region, name, at)
	c.parent, c.root = parent, parent.rootStack()
	m[r.id] = c
	return c
}

// result is how an operation on one stack ends.
type result struct {
	tl        timeline
	end       time.Time // the stack's final event
	failed    bool
	failedIDs []string // for the parent's "Embedded stack" message
}

// item is one resource's part in a create or an update.
type item struct {
	r     *fakeResource
	old   *fakeResource // set when the resource is updated
	start time.Time
	end   time.Time
	fails bool
	// nested stacks created by this operation
	child    *cfnStack
	sub      *result
	subEnd   time.Time // when the nested stack stopped changing
	started  bool
	finished bool // completed before the operation was cut short
}

func (it *item) verb() string {
	if it.old != nil {
		return "UPDATE"
	}
	return "CREATE"
}

// schedule works out when each item would start and end if nothing failed.
// Items are in dependency order; dependencies outside items are already
// satisfied.
func (p *planner) schedule(st *cfnStack, items []*item, t0 time.Time) {
	endOf := map[string]time.Time{}
	for _, it := range items {
		it.start = t0
		for _, d := range it.r.deps {
			if e, ok := endOf[d]; ok && e.After(it.start) {
				it.start = e
			}
		}
		if it.r.nested != nil && it.old == nil {
			it.child = p.child(st, it.r, it.start.Add(stepDelay))
			sub := p.create(it.child, it.r.nested, it.start.Add(stepDelay), time.Time{}, false, false)
			it.sub = &sub
			it.end, it.fails = sub.end.Add(stepDelay), sub.failed
		} else {
			it.end, it.fails = it.start.Add(it.r.create), it.r.fail != ""
		}
		endOf[it.r.id] = it.end
	}
}

// firstFailure is when the first scripted failure happens, zero if none.
func firstFailure(items []*item) time.Time {
	var cut time.Time
	for _, it := range items {
		if it.fails && (cut.IsZero() || it.end.Before(cut)) {
			cut = it.end
		}
	}
	return cut
}

// play emits the forward part of an operation, cut short at cut (zero: not
// cut), and returns the logical ids that failed or were cancelled.
func (p *planner) play(tl timeline, st *cfnStack, content *stackContent, items []*item, cut time.Time) []string {
	var failed []string
	cancelAt := cut.Add(cancelDelay)
	before := func(t time.Time) bool { return cut.IsZero() || t.Before(cut) }
	for _, it := range items {
		if !before(it.start) {
			continue // never started
		}
		it.started = true
		r, verb := it.r, it.verb()
		completes := !it.fails && (cut.IsZero() || !it.end.After(cut))
		failsNow := it.fails && it.end.Equal(cut)

		if it.child != nil {
			phys := it.child.id
			tl.res(st, it.start, r, "", "CREATE_IN_PROGRESS", "")
			tl.res(st, it.start.Add(stepDelay), r, phys, "CREATE_IN_PROGRESS", "Resource creation Initiated")
			switch {
			case completes:
				tl.merge(it.sub.tl)
				tl.res(st, it.end, r, phys, "CREATE_COMPLETE", "")
				it.finished, it.subEnd = true, it.sub.end
				content.live[r.id], content.children[r.id] = true, it.child
			case failsNow:
				tl.merge(it.sub.tl)
				tl.res(st, it.end, r, phys, "CREATE_FAILED", "Embedded stack "+phys+
					" was not successfully created: The following resource(s) failed to create: ["+strings.Join(it.sub.failedIDs, ", ")+"].")
				it.subEnd = it.sub.end
				failed = append(failed, r.id)
			default:
				sub := p.create(it.child, r.nested, it.start.Add(stepDelay), cancelAt, false, false)
				tl.merge(sub.tl)
				tl.res(st, cancelAt, r, phys, "CREATE_FAILED", "Resource creation cancelled")
				it.subEnd = sub.end
				failed = append(failed, r.id)
			}
			continue
		}

		phys := p.srv.physicalID(st, r)
		last := it.end
		if !completes && !failsNow {
			last = cancelAt
		}
		if it.old == nil {
			tl.res(st, it.start, r, "", "CREATE_IN_PROGRESS", "")
			if initiated := it.start.Add(min(stepDelay, r.create/2)); initiated.Before(last) {
				tl.res(st, initiated, r, phys, "CREATE_IN_PROGRESS", "Resource creation Initiated")
			}
		} else {
			tl.res(st, it.start, r, phys, "UPDATE_IN_PROGRESS", "")
		}
		switch {
		case completes:
			tl.res(st, it.end, r, phys, verb+"_COMPLETE", "")
			it.finished = true
			content.live[r.id] = true
		case failsNow:
			tl.res(st, it.end, r, phys, verb+"_FAILED", r.fail)
			failed = append(failed, r.id)
		default:
			what := "creation"
			if it.old != nil {
				what = "update"
			}
			tl.res(st, cancelAt, r, phys, verb+"_FAILED", "Resource "+what+" cancelled")
			failed = append(failed, r.id)
		}
	}
	slices.Sort(failed)
	return failed
}

// create schedules creating a stack from tpl at t0. cancelAt, when set, is
// a parent's cancellation of a nested stack.
func (p *planner) create(st *cfnStack, tpl *fakeTemplate, t0, cancelAt time.Time, userInitiated, disableRollback bool) result {
	tl := timeline{}
	reason := ""
	if userInitiated {
		reason = "User Initiated"
	}
	tl.own(st, t0, "CREATE_IN_PROGRESS", reason)
	items := make([]*item, len(tpl.resources))
	for i, r := range tpl.resources {
		items[i] = &item{r: r}
	}
	p.schedule(st, items, t0.Add(stepDelay))
	cut := firstFailure(items)
	external := false
	if !cancelAt.IsZero() && (cut.IsZero() || cancelAt.Before(cut)) {
		cut, external = cancelAt, true
	}
	content := newContent(tpl)
	failed := p.play(tl, st, &content, items, cut)
	st.content = content
	if cut.IsZero() {
		end := t0
		for _, it := range items {
			end = later(end, it.end)
		}
		end = end.Add(stepDelay)
		tl.own(st, end, "CREATE_COMPLETE", "")
		return result{tl: tl, end: end}
	}

	summary := "The following resource(s) failed to create: [" + strings.Join(failed, ", ") + "]."
	rb := cut.Add(stepDelay)
	if external {
		rb = cut.Add(cancelDelay)
	}
	if disableRollback {
		tl.own(st, rb, "CREATE_FAILED", summary)
		return result{tl: tl, end: rb, failed: true, failedIDs: failed}
	}
	if external {
		tl.own(st, rb, "ROLLBACK_IN_PROGRESS", "Resource creation cancelled")
	} else {
		tl.own(st, rb, "ROLLBACK_IN_PROGRESS", summary+" Rollback requested by user.")
	}
	var started []*item
	for _, it := range items {
		if it.started {
			started = append(started, it)
		}
	}
	end := p.deleteItems(tl, st, tpl, started, rb.Add(stepDelay))
	end = end.Add(stepDelay)
	tl.own(st, end, "ROLLBACK_COMPLETE", "")
	st.content = newContent(tpl)
	return result{tl: tl, end: end, failed: true, failedIDs: failed}
}

// deleteItems deletes the resources of items, each once everything that
// depends on it is gone (and, for a nested stack, once it has stopped
// changing), and returns when the last one was deleted.
func (p *planner) deleteItems(tl timeline, st *cfnStack, tpl *fakeTemplate, items []*item, t0 time.Time) time.Time {
	in := map[string]*item{}
	for _, it := range items {
		in[it.r.id] = it
	}
	doneAt := map[string]time.Time{}
	end := t0
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		r := it.r
		start := t0
		for _, d := range tpl.dependents[r.id] {
			if e, ok := doneAt[d]; ok && in[d] != nil {
				start = later(start, e)
			}
		}
		var finish time.Time
		if it.child != nil {
			start = later(start, it.subEnd.Add(stepDelay))
			phys := it.child.id
			tl.res(st, start, r, phys, "DELETE_IN_PROGRESS", "")
			sub := p.delete(it.child, start.Add(cancelDelay), false)
			tl.merge(sub.tl)
			finish = sub.end.Add(cancelDelay)
			tl.res(st, finish, r, phys, "DELETE_COMPLETE", "")
		} else {
			phys := p.srv.physicalID(st, r)
			finish = start.Add(r.delete)
			tl.res(st, start, r, phys, "DELETE_IN_PROGRESS", "")
			tl.res(st, finish, r, phys, "DELETE_COMPLETE", "")
		}
		doneAt[r.id] = finish
		end = later(end, finish)
	}
	return end
}

// delete schedules deleting a stack and everything in it at t0.
func (p *planner) delete(st *cfnStack, t0 time.Time, userInitiated bool) result {
	tl := timeline{}
	reason := ""
	if userInitiated {
		reason = "User Initiated"
	}
	tl.own(st, t0, "DELETE_IN_PROGRESS", reason)
	var items []*item
	if st.content.tpl != nil {
		for _, r := range st.content.tpl.resources {
			if st.content.live[r.id] {
				items = append(items, &item{r: r, child: st.content.children[r.id]})
			}
		}
	}
	end := p.deleteItems(tl, st, st.content.tpl, items, t0.Add(stepDelay)).Add(stepDelay)
	tl.own(st, end, "DELETE_COMPLETE", "")
	st.deleteStart = t0
	st.content = newContent(st.content.tpl)
	return result{tl: tl, end: end}
}

// update schedules moving a stack from its current template to tpl at t0.
// Nested stacks may be added or removed but not changed.
func (p *planner) update(st *cfnStack, tpl *fakeTemplate, t0 time.Time, disableRollback bool) result {
	tl := timeline{}
	old := st.content
	tl.own(st, t0, "UPDATE_IN_PROGRESS", "User Initiated")

	var items []*item
	for _, r := range tpl.resources {
		prev, existed := old.tpl.byID[r.id]
		switch {
		case !existed || !old.live[r.id]:
			items = append(items, &item{r: r})
		case prev.canon != r.canon:
			items = append(items, &item{r: r, old: prev})
		}
	}
	p.schedule(st, items, t0.Add(stepDelay))
	cut := firstFailure(items)

	next := newContent(tpl)
	for id := range old.live {
		next.live[id] = true
		if c := old.children[id]; c != nil {
			next.children[id] = c
		}
	}
	failed := p.play(tl, st, &next, items, cut)

	if cut.IsZero() {
		end := t0
		for _, it := range items {
			end = later(end, it.end)
		}
		cleanup := end.Add(stepDelay)
		tl.own(st, cleanup, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
		// Resources the new template dropped go now.
		var removed []*item
		for _, r := range old.tpl.resources {
			if _, kept := tpl.byID[r.id]; !kept && old.live[r.id] {
				removed = append(removed, &item{r: r, child: old.children[r.id]})
				delete(next.live, r.id)
				delete(next.children, r.id)
			}
		}
		end = p.deleteItems(tl, st, old.tpl, removed, cleanup.Add(stepDelay)).Add(stepDelay)
		tl.own(st, end, "UPDATE_COMPLETE", "")
		st.content = next
		return result{tl: tl, end: end}
	}

	verb := "update"
	for _, it := range items {
		if it.fails && it.end.Equal(cut) && it.old == nil {
			verb = "create"
		}
	}
	summary := "The following resource(s) failed to " + verb + ": [" + strings.Join(failed, ", ") + "]."
	rb := cut.Add(stepDelay)
	if disableRollback {
		tl.own(st, rb, "UPDATE_FAILED", summary)
		st.content = next
		return result{tl: tl, end: rb, failed: true, failedIDs: failed}
	}
	tl.own(st, rb, "UPDATE_ROLLBACK_IN_PROGRESS", summary)
	// Revert updated resources, dependents first, one after the other.
	at := rb.Add(stepDelay)
	var created []*item
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		if !it.started {
			continue
		}
		if it.old == nil {
			created = append([]*item{it}, created...)
			continue
		}
		phys := p.srv.physicalID(st, it.r)
		tl.res(st, at, it.r, phys, "UPDATE_IN_PROGRESS", "")
		at = at.Add(it.old.create)
		tl.res(st, at, it.r, phys, "UPDATE_COMPLETE", "")
	}
	cleanup := at.Add(stepDelay)
	tl.own(st, cleanup, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
	end := p.deleteItems(tl, st, tpl, created, cleanup.Add(stepDelay)).Add(stepDelay)
	tl.own(st, end, "UPDATE_ROLLBACK_COMPLETE", "")
	// Back to the old template and what existed under it.
	st.content = old
	return result{tl: tl, end: end, failed: true, failedIDs: failed}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
