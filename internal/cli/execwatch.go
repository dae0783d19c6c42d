package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/awsauth/awsauth/internal/keeper"
	"github.com/awsauth/awsauth/internal/session"
	"github.com/awsauth/awsauth/internal/stackwatch"
)

// noOperationError says that exec --watch found nothing to follow: no
// operation on the stack started while the command ran (a deploy with
// nothing to change starts none).
type noOperationError struct{ stack string }

func (e *noOperationError) Error() string {
	return fmt.Sprintf("no operation on stack %s started while the command ran", e.stack)
}

// execWatchStreams says where exec --watch reports. The command owns
// stdout, so the watch never writes there: its lines go to stderr, and its
// NDJSON to --watch-json FILE, or to stderr instead of the lines with
// --json.
type execWatchStreams struct {
	human io.Writer // lines for people; nil: none
	json  io.Writer // NDJSON events and outcome; nil: none
}

func (a *app) execWatchStreams(json io.Writer) execWatchStreams {
	switch {
	case json != nil:
		return execWatchStreams{human: a.deps.IO.ErrOut, json: json}
	case a.g.json:
		return execWatchStreams{json: a.deps.IO.ErrOut}
	}
	return execWatchStreams{human: a.deps.IO.ErrOut}
}

// execWatch follows a stack beside the exec child: it waits for an
// operation that starts after since (the stack may not exist yet, or hold
// an older one), then follows it to its end, even after the child is gone.
// childDone is closed when the child exits; found is called each time an
// update of the operation to follow arrives. When the child has ended and
// no operation started, the result's error is a *noOperationError.
func (a *app) execWatch(ctx context.Context, sess *session.Session, k *keeper.Keeper, stack string, now func() time.Time,
	out execWatchStreams, childDone <-chan struct{}, found func()) watchResult {
	since := now()
	trace := sess.Trace
	client := sess.CloudFormation("")
	r := &watchRenderer{a: a, k: k, w: out.human, json: out.json, prefix: "awsauth watch: ", milestones: true, snaps: map[string]stackwatch.Snapshot{}}
	stale := func(s stackwatch.Snapshot) bool { return s.Started.Before(since.Add(-time.Second)) }
	opts := watchOptions{waitRollback: true, now: now, fresh: func(s stackwatch.Snapshot) bool {
		if stale(s) {
			return false
		}
		found()
		return true
	}}
	wait := 3 * time.Second
	childGone := false
	for {
		res := a.watchOne(ctx, client, trace.Region, stack, opts, r)
		var nf *stackwatch.NotFoundError
		var fe *stackwatch.FailedError
		old := (res.err == nil && stale(res.snap)) || (errors.As(res.err, &fe) && stale(fe.Snapshot))
		if !errors.As(res.err, &nf) && !old {
			return res
		}
		if childGone {
			// One look after the child ended found nothing new either.
			return watchResult{stack: stack, err: &noOperationError{stack: stack}}
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

// followNote prints, once, that awsauth goes on following the stack after
// the command ended: only when the command has ended, an operation is being
// followed, and the watch is not over yet.
type followNote struct {
	w     io.Writer
	mu    sync.Mutex
	line  string // set when the command has ended
	found bool
	over  bool // said, or the watch has ended: nothing more to say
}

func (n *followNote) opFound() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.found = true
	n.sayLocked()
}

func (n *followNote) commandEnded(line string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.line = line
	n.sayLocked()
}

func (n *followNote) watchEnded() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.over = true
}

func (n *followNote) sayLocked() {
	if n.found && n.line != "" && !n.over {
		fmt.Fprintln(n.w, n.line)
		n.over = true
	}
}

// lazyFile is a file created at its first write, so that a run with
// nothing to write leaves nothing behind. It remembers the first error.
type lazyFile struct {
	path string
	perm os.FileMode

	mu  sync.Mutex
	f   *os.File
	err error
}

func (l *lazyFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return 0, l.err
	}
	if l.f == nil {
		l.f, l.err = os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, l.perm)
		if l.err != nil {
			return 0, l.err
		}
	}
	n, err := l.f.Write(p)
	if err != nil {
		l.err = err
	}
	return n, err
}

// Close closes the file, if it was made, and reports the first error.
func (l *lazyFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		if err := l.f.Close(); err != nil && l.err == nil {
			l.err = err
		}
		l.f = nil
	}
	return l.err
}
