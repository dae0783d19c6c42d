package stackwatch

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// bigHistory is a 500-resource stack's history: a create, an update of
// every resource, and an update that fails and rolls back, about 4,500
// events in time order.
func bigHistory() []types.StackEvent {
	r := record("big", "cc000000-0000-4000-8000-000000000003", t0)
	const n = 500
	id := func(i int) string { return fmt.Sprintf("Resource%03dA1B2C3D4", i) }
	typ := func(i int) string { return []string{s3Bucket, iamRole, lambdaFn, dynamoTable, sqsQueue}[i%5] }
	d := time.Duration(0)
	r.own(d, "CREATE_IN_PROGRESS", "User Initiated")
	for i := range n {
		r.create(d+time.Duration(i)*100*time.Millisecond, d+time.Duration(i)*100*time.Millisecond+30*time.Second, id(i), typ(i), "phys-"+id(i))
	}
	r.own(d+2*time.Minute, "CREATE_COMPLETE", "")

	d = time.Hour
	r.own(d, "UPDATE_IN_PROGRESS", "User Initiated")
	for i := range n {
		at := d + time.Duration(i)*100*time.Millisecond
		r.res(at, id(i), typ(i), "phys-"+id(i), "UPDATE_IN_PROGRESS", "")
		r.res(at+20*time.Second, id(i), typ(i), "phys-"+id(i), "UPDATE_COMPLETE", "")
	}
	r.own(d+2*time.Minute, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
	r.own(d+2*time.Minute+time.Second, "UPDATE_COMPLETE", "")

	d = 2 * time.Hour
	r.own(d, "UPDATE_IN_PROGRESS", "User Initiated")
	for i := range n {
		at := d + time.Duration(i)*100*time.Millisecond
		r.res(at, id(i), typ(i), "phys-"+id(i), "UPDATE_IN_PROGRESS", "")
	}
	r.res(d+55*time.Second, id(n-1), typ(n-1), "phys-"+id(n-1), "UPDATE_FAILED", zipInvalid)
	for i := range n - 1 {
		r.res(d+56*time.Second, id(i), typ(i), "phys-"+id(i), "UPDATE_FAILED", "Resource update cancelled")
	}
	r.own(d+57*time.Second, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: ["+id(n-1)+"].")
	for i := range n {
		at := d + time.Minute + time.Duration(n-1-i)*100*time.Millisecond
		r.res(at, id(i), typ(i), "phys-"+id(i), "UPDATE_IN_PROGRESS", "")
		r.res(at+10*time.Second, id(i), typ(i), "phys-"+id(i), "UPDATE_COMPLETE", "")
	}
	r.own(d+3*time.Minute, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
	r.own(d+3*time.Minute+time.Second, "UPDATE_ROLLBACK_COMPLETE", "")
	return newestFirst(r.events)
}

// BenchmarkModel5000Events replays a 500-resource stack's history the way a
// poller delivers it as time passes: pages of 100 events, newest first,
// each overlapping the last by 10 (about 5,000 events in all, duplicates
// included), with a snapshot after every page.
func BenchmarkModel5000Events(b *testing.B) {
	evs := bigHistory()
	slices.Reverse(evs) // oldest first, the order time reveals them in
	var batches [][]types.StackEvent
	delivered := 0
	for from := 0; from < len(evs); from += 90 {
		batch := slices.Clone(evs[max(0, from-10):min(len(evs), from+90)])
		slices.Reverse(batch)
		batches = append(batches, batch)
		delivered += len(batch)
	}
	now := t0.Add(3 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		m := New("big", Options{})
		for _, batch := range batches {
			m.ObserveEvents(batch)
			_ = m.Snapshot(now)
		}
		if s := m.Snapshot(now); s.Status != "UPDATE_ROLLBACK_COMPLETE" || s.Progress.Total != 500 || s.RootCause == nil {
			b.Fatalf("status %s, progress %+v, root cause %v", s.Status, s.Progress, s.RootCause)
		}
	}
	b.ReportMetric(float64(delivered), "events/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(delivered), "ns/event")
}
