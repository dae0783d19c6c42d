package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/awsauth/awsauth/internal/keeper"
	"github.com/awsauth/awsauth/internal/session"
	"github.com/awsauth/awsauth/internal/stackwatch"
)

// execWatch follows a stack beside the exec child: it waits for an
// operation that starts after since (the stack may not exist yet, or hold
// an older one), then follows it to its end, even after the child is gone.
// childDone is closed when the child exits.
func (a *app) execWatch(ctx context.Context, s *session.Session, k *keeper.Keeper, stack string, now func() time.Time, childDone <-chan struct{}) watchResult {
	since := now()
	trace := s.Trace
	client := s.CloudFormation("")
	r := &watchRenderer{a: a, k: k, w: a.deps.IO.ErrOut, prefix: "awsauth watch: ", milestones: true, snaps: map[string]stackwatch.Snapshot{}}
	wait := 3 * time.Second
	childGone := false
	for {
		res := a.watchOne(ctx, client, trace.Region, stack, watchOptions{waitRollback: true, now: now}, r)
		var nf *stackwatch.NotFoundError
		var fe *stackwatch.FailedError
		stale := (res.err == nil && res.snap.Started.Before(since.Add(-time.Second))) ||
			(errors.As(res.err, &fe) && fe.Snapshot.Started.Before(since.Add(-time.Second)))
		if !errors.As(res.err, &nf) && !stale {
			return res
		}
		if childGone {
			// One look after the child ended found nothing new either.
			res.err = fmt.Errorf("no operation on stack %s started while the command ran", stack)
			return res
		}
		select {
		case <-childDone:
			childGone = true // look once more: it may have started just now
		case <-time.After(wait):
		case <-ctx.Done():
			return watchResult{stack: stack, err: ctx.Err()}
		}
	}
}
