package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The shared server: started by the first [Moto] call in a test binary,
// stopped by [Main] or [StopShared].
var shared struct {
	mu  sync.Mutex
	m   *MotoServer
	err error // a failed start is not retried by every later test
}

// lease gives one test (and its subtests) the shared server at a time: moto's
// state and its auth switch are global, and a reset in one test would pull
// the rug from under another.
var lease = struct {
	sem    chan struct{}
	mu     sync.Mutex
	holder string // t.Name() of the test holding sem, "" if none
}{sem: make(chan struct{}, 1)}

const (
	leaseMaxWait   = 5 * time.Minute
	leaseWaitNotes = 10 * time.Second
)

// Moto returns the test binary's shared moto server, reset to a clean state
// for this test: no IAM users or roles, no assumed-role sessions, no stacks,
// auth off. The first call starts it (about half a second); [Main] in
// TestMain stops it.
//
// The test has the server to itself until it ends: other tests of the binary
// that call Moto wait, even parallel ones. Its subtests share it (and its
// state) without waiting or resetting; a second call in the same test returns
// it without resetting. A parallel test should call Moto after t.Parallel():
// one that calls it before holds the server while it waits for the serial
// tests, which then wait for it, until Moto gives up with an error naming the
// holder. Tests that must run concurrently against moto can each
// [StartMoto] a private server instead.
//
// If moto_server is not on PATH the test is skipped, or fails when the
// environment variable CI is true.
//
// Do not Close the returned server.
func Moto(t testing.TB) *MotoServer {
	t.Helper()
	if _, err := exec.LookPath(MotoBinary); err != nil {
		msg := "testenv: moto_server not found on PATH; install moto 5.2 (pip install 'moto[server]==5.2.*') to run this test"
		if ciStrict() {
			t.Fatal(msg + " (CI is set: a missing moto is a failure, not a skip)")
		}
		t.Skip(msg)
	}

	if m := heldByAncestor(t.Name()); m != nil {
		return m
	}
	acquireLease(t)

	m, took, err := sharedMoto()
	if err != nil {
		t.Fatal(err)
	}
	if took > 0 {
		t.Logf("testenv: started shared moto at %s in %v", m.URL, took.Round(time.Millisecond))
	}
	mark := m.log.mark()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testenv: moto output during %s:\n%s", t.Name(), m.log.since(mark))
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Reset(ctx); err != nil {
		t.Fatalf("testenv: resetting shared moto: %v\nmoto output:\n%s", err, m.Output())
	}
	return m
}

// ciStrict reports whether a missing tool must fail the test, as it must in
// CI.
func ciStrict() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

// heldByAncestor returns the shared server if test name, or a test it is a
// subtest of, holds the lease.
func heldByAncestor(name string) *MotoServer {
	lease.mu.Lock()
	holder := lease.holder
	lease.mu.Unlock()
	if holder == "" || (name != holder && !strings.HasPrefix(name, holder+"/")) {
		return nil
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	return shared.m
}

// acquireLease waits, for a bounded time, until no other test holds the
// shared server, and releases it when t ends.
func acquireLease(t testing.TB) {
	t.Helper()
	maxWait := leaseMaxWait
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			// Fail with a message rather than be killed by -timeout.
			maxWait = min(maxWait, max(time.Until(dl)-30*time.Second, time.Second))
		}
	}
	giveUp := time.NewTimer(maxWait)
	defer giveUp.Stop()
	note := time.NewTimer(leaseWaitNotes)
	defer note.Stop()
	for {
		select {
		case lease.sem <- struct{}{}:
			lease.mu.Lock()
			lease.holder = t.Name()
			lease.mu.Unlock()
			t.Cleanup(func() {
				lease.mu.Lock()
				lease.holder = ""
				lease.mu.Unlock()
				<-lease.sem
			})
			return
		case <-note.C:
			t.Logf("testenv: waiting for the shared moto, held by %s", leaseHolder())
		case <-giveUp.C:
			t.Fatalf("testenv: waited %v for the shared moto, held by %s; "+
				"a parallel test must call testenv.Moto after t.Parallel(), "+
				"or use testenv.StartMoto for a server of its own", maxWait, leaseHolder())
		}
	}
}

func leaseHolder() string {
	lease.mu.Lock()
	defer lease.mu.Unlock()
	return lease.holder
}

// sharedMoto starts the shared server unless it runs already. took is how
// long this call took to start it, or 0 if it did not.
func sharedMoto() (m *MotoServer, took time.Duration, err error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.m != nil || shared.err != nil {
		return shared.m, 0, shared.err
	}
	start := time.Now()
	m, err = StartMoto(context.Background())
	if err != nil {
		shared.err = fmt.Errorf("testenv: starting the shared moto: %w", err)
		return nil, 0, shared.err
	}
	m.shared = true
	shared.m = m
	return m, time.Since(start), nil
}

// StopShared stops the shared server, if it was started, and waits for its
// process to go. A later [Moto] starts a new one. [Main] calls it; call it
// yourself from a TestMain that cannot use Main or [WrapM].
func StopShared() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	m := shared.m
	shared.m, shared.err = nil, nil
	if m == nil {
		return nil
	}
	return m.stop()
}

// TestingM is what [WrapM] wraps and returns. *testing.M implements it, and
// so does the result of WrapM, so it can be passed on to testscript.Main.
type TestingM interface {
	Run() int
}

// WrapM returns m with a Run that stops the shared moto after the tests. Use
// it when something else drives m, e.g.
//
//	func TestMain(m *testing.M) {
//		testscript.Main(testenv.WrapM(m), map[string]func(){"awsauth": awsauthMain})
//	}
func WrapM(m TestingM) TestingM { return stopAfter{m} }

type stopAfter struct{ m TestingM }

func (s stopAfter) Run() int {
	code := s.m.Run()
	if err := StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Main runs the tests, then stops the shared moto. Call it from TestMain in
// every package that uses [Moto]:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// Without it the server still dies with the test binary on Linux (the kernel
// kills it when its parent goes), but elsewhere it would be left running.
func Main(m *testing.M) {
	// Returning from TestMain is enough: the testing package exits with the
	// code m.Run recorded.
	WrapM(m).Run()
}
