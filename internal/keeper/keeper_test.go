package keeper

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/renewal"
)

const (
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETVALUE"
	testToken  = "FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE"
)

var (
	errThrottled = errors.New("rate exceeded")
	errLogin     = errors.New("the SSO session has expired")
)

func isLogin(err error) bool { return errors.Is(err, errLogin) }

// upstream is a fake credential source that issues credentials living life
// from the (bubble's fake) time of each call.
type upstream struct {
	life   time.Duration
	static bool
	empty  bool // issue credentials without keys
	now    func() time.Time

	mu    sync.Mutex
	calls []call
	// fail decides the outcome of call n (1-based); nil means success.
	fail func(n int) error
	// gate, when set, holds every call until it is closed.
	gate    chan struct{}
	expires time.Time // of the last credentials issued
	fixed   bool      // issue the same credentials every time
}

type call struct {
	at   time.Time
	left time.Duration // what the previously issued credentials had left
}

func (u *upstream) clock() time.Time {
	if u.now != nil {
		return u.now()
	}
	return time.Now()
}

func (u *upstream) Retrieve(ctx context.Context) (aws.Credentials, error) {
	now := u.clock()
	u.mu.Lock()
	u.calls = append(u.calls, call{at: now, left: u.expires.Sub(now)})
	n, fail, gate := len(u.calls), u.fail, u.gate
	u.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return aws.Credentials{}, ctx.Err()
		}
	}
	if fail != nil {
		if err := fail(n); err != nil {
			return aws.Credentials{}, fmt.Errorf("upstream call %d: %w", n, err)
		}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.empty {
		return aws.Credentials{Source: "fake"}, nil
	}
	if u.static {
		return aws.Credentials{AccessKeyID: "AKIDSTATIC", SecretAccessKey: testSecret, Source: "fake"}, nil
	}
	if !u.fixed || u.expires.IsZero() {
		u.expires = u.clock().Add(u.life)
	}
	return aws.Credentials{
		AccessKeyID:     fmt.Sprintf("ASIAKEY%d", n),
		SecretAccessKey: testSecret,
		SessionToken:    testToken,
		Source:          "fake",
		CanExpire:       true,
		Expires:         u.expires,
	}, nil
}

func (u *upstream) setFail(f func(n int) error) {
	u.mu.Lock()
	u.fail = f
	u.mu.Unlock()
}

func (u *upstream) setGate(g chan struct{}) {
	u.mu.Lock()
	u.gate = g
	u.mu.Unlock()
}

func (u *upstream) n() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.calls)
}

func (u *upstream) callsCopy() []call {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]call(nil), u.calls...)
}

// recorder collects events, with the state and key served at each.
type recorder struct {
	mu     sync.Mutex
	k      *Keeper
	events []seen
}

type seen struct {
	Event
	state State
	key   string
}

func (r *recorder) on(e Event) {
	st := r.k.State()
	c, _ := r.k.Get()
	r.mu.Lock()
	r.events = append(r.events, seen{e, st, c.AccessKeyID})
	r.mu.Unlock()
}

func (r *recorder) kinds() []EventKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ks []EventKind
	for _, e := range r.events {
		ks = append(ks, e.Kind)
	}
	return ks
}

func (r *recorder) count(k EventKind) int {
	n := 0
	for _, got := range r.kinds() {
		if got == k {
			n++
		}
	}
	return n
}

func (r *recorder) all() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.events...)
}

// newKeeper wires a keeper to u (unless opts names another provider) with
// an event recorder; it is stopped when the test ends.
func newKeeper(t *testing.T, u *upstream, opts Options) (*Keeper, *recorder) {
	t.Helper()
	r := &recorder{}
	if opts.Provider == nil {
		opts.Provider = u
	}
	opts.OnEvent = r.on
	k := New(opts)
	r.k = k
	t.Cleanup(k.Stop)
	return k, r
}

// sleep advances the bubble's clock by d and lets the keeper catch up.
func sleep(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

func TestStartFirstFetch(t *testing.T) {
	tests := []struct {
		name    string
		u       *upstream
		wantErr string
	}{
		{"upstream error", &upstream{life: time.Hour, fail: func(int) error { return errThrottled }}, "rate exceeded"},
		{"already expired", &upstream{life: -time.Second}, "expired at"},
		{"no access key", &upstream{life: time.Hour, empty: true}, "without an access key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				k, _ := newKeeper(t, tt.u, Options{})
				err := k.Start(t.Context())
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Start = %v, want an error containing %q", err, tt.wantErr)
				}
				_, gerr := k.Get()
				if !errors.Is(gerr, ErrNoValidCredentials) {
					t.Errorf("Get after a failed Start = %v, want ErrNoValidCredentials", gerr)
				}
				if !strings.Contains(gerr.Error(), tt.wantErr) {
					t.Errorf("Get's error %q does not carry the upstream failure %q", gerr, tt.wantErr)
				}
				if st := k.Status(); st.State != Expired || st.Failures != 1 {
					t.Errorf("status %+v, want expired with 1 failure", st)
				}
				// Nothing runs in the background after a failed Start.
				sleep(time.Hour)
				if n := tt.u.n(); n != 1 {
					t.Errorf("%d upstream calls after a failed Start, want 1", n)
				}
			})
		})
	}
}

func TestStartThenGetServesFromMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{life: time.Hour}
		k, r := newKeeper(t, u, Options{})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		for range 120 { // ten minutes of requests, well before the window
			c, err := k.Get()
			if err != nil || c.AccessKeyID != "ASIAKEY1" || c.SecretAccessKey != testSecret || c.SessionToken != testToken {
				t.Fatalf("Get = %v %v", c.AccessKeyID, err)
			}
			sleep(5 * time.Second)
		}
		if n := u.n(); n != 1 {
			t.Errorf("%d upstream calls, want only the first fetch", n)
		}
		if got := r.kinds(); len(got) != 1 || got[0] != EventRefreshed {
			t.Errorf("events %v, want one refreshed", got)
		}
		if err := k.Start(t.Context()); !errors.Is(err, errStarted) {
			t.Errorf("second Start = %v, want errStarted", err)
		}
		var p aws.CredentialsProvider = k
		if c, err := p.Retrieve(t.Context()); err != nil || c.AccessKeyID != "ASIAKEY1" {
			t.Errorf("Retrieve = %v %v", c.AccessKeyID, err)
		}
	})
}

func TestStartRetriesAfterFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{life: time.Hour, fail: func(n int) error {
			if n == 1 {
				return errThrottled
			}
			return nil
		}}
		k, _ := newKeeper(t, u, Options{})
		if err := k.Start(t.Context()); !errors.Is(err, errThrottled) {
			t.Fatalf("first Start = %v", err)
		}
		if err := k.Start(t.Context()); err != nil {
			t.Fatalf("second Start = %v", err)
		}
		if c, err := k.Get(); err != nil || c.AccessKeyID != "ASIAKEY2" {
			t.Errorf("Get = %v %v", c.AccessKeyID, err)
		}
	})
}

// TestRefreshWindow: the renewal rule (its own table is in
// internal/renewal), or a --refresh-before override shorter than the
// lifetime.
func TestRefreshWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var unknown time.Time
	tests := []struct {
		obtained time.Time
		life     time.Duration // from t0 to expiry
		override time.Duration
		want     time.Duration
	}{
		{t0, 12 * time.Hour, 0, 15 * time.Minute},
		{t0, time.Hour, 0, 15 * time.Minute},
		{t0.Add(-40 * time.Minute), 20 * time.Minute, 0, 15 * time.Minute},
		{t0, 20 * time.Minute, 0, 10 * time.Minute},
		{t0, 30 * time.Second, 0, 15 * time.Second},
		{unknown, 30 * time.Second, 0, 15 * time.Minute},
		{t0, time.Hour, 5 * time.Minute, 5 * time.Minute},
		{t0, time.Hour, 59 * time.Minute, 59 * time.Minute},
		{t0.Add(-40 * time.Minute), 20 * time.Minute, 50 * time.Minute, 50 * time.Minute},
		{t0, time.Hour, time.Hour, 15 * time.Minute},
		{t0, time.Hour, 2 * time.Hour, 15 * time.Minute},
		{t0, 30 * time.Second, 27 * time.Second, 27 * time.Second},
		{t0, 30 * time.Second, 30 * time.Second, 15 * time.Second},
		{unknown, time.Hour, 20 * time.Minute, 20 * time.Minute},
	}
	for _, tt := range tests {
		if got := refreshWindow(tt.obtained, t0.Add(tt.life), tt.override); got != tt.want {
			t.Errorf("refreshWindow(obtained %v, expires %v, override %v) = %v, want %v", tt.obtained, t0.Add(tt.life), tt.override, got, tt.want)
		}
	}
}

// TestHealthyUpstreamSoak runs three hours of fake time against a healthy
// upstream, asking for credentials every few seconds as SDK clients do.
func TestHealthyUpstreamSoak(t *testing.T) {
	tests := []struct {
		life          time.Duration
		step          time.Duration
		minLeft       time.Duration // min(5 min, life/4): the policy's promise
		wantRefreshes int
	}{
		// Renewed with 15 min left, i.e. every 45 min: at 45, 90, 135, 180.
		{time.Hour, 5 * time.Second, 5 * time.Minute, 4},
		// The shortest AssumeRole session: renewed with 7.5 min left.
		{15 * time.Minute, 5 * time.Second, 225 * time.Second, 24},
		// Test credentials: renewed with 15 s left, every 15 s.
		{30 * time.Second, time.Second, 7500 * time.Millisecond, 720},
	}
	for _, tt := range tests {
		t.Run(tt.life.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				u := &upstream{life: tt.life}
				k, r := newKeeper(t, u, Options{})
				if err := k.Start(t.Context()); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				least := tt.life
				for time.Since(start) < 3*time.Hour {
					sleep(tt.step)
					c, err := k.Get()
					if err != nil {
						t.Fatalf("at %v: Get: %v", time.Since(start), err)
					}
					left := time.Until(c.Expires)
					least = min(least, left)
					if left <= tt.minLeft {
						t.Fatalf("at %v: served credentials with %v left, want more than %v", time.Since(start), left, tt.minLeft)
					}
				}
				t.Logf("least time left on served credentials: %v", least)

				window := renewal.Window(start, start.Add(tt.life))
				calls := u.callsCopy()
				for i, c := range calls[1:] {
					// Refreshed when the window opens: 15 min before expiry for
					// 1 h credentials (not 14 or 16), once per lifetime.
					if c.left > window || c.left <= window-window/30 {
						t.Errorf("refresh %d started with %v left, want just under %v", i+1, c.left, window)
					}
				}
				st := k.Status()
				if st.Refreshes != uint64(tt.wantRefreshes) || len(calls) != tt.wantRefreshes+1 {
					t.Errorf("%d refreshes, %d upstream calls; want %d refreshes, one call each", st.Refreshes, len(calls), tt.wantRefreshes)
				}
				if st.Failures != 0 || st.State != Fresh || r.count(EventRefreshFailed) != 0 {
					t.Errorf("status %+v, %d failure events: want fresh and no failures", st, r.count(EventRefreshFailed))
				}
			})
		})
	}
}

func TestConcurrentGetsDuringSlowRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{life: time.Hour}
		k, _ := newKeeper(t, u, Options{})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		gate := make(chan struct{})
		u.setGate(gate)
		sleep(45*time.Minute + time.Second) // the refresh is under way, stuck upstream
		if n, st := u.n(), k.State(); n != 2 || st != Refreshing {
			t.Fatalf("%d calls, state %v: want the refresh under way", n, st)
		}

		const readers = 1000
		before := time.Now()
		var wg sync.WaitGroup
		var stale, failed atomic.Int32
		for range readers {
			wg.Go(func() {
				c, err := k.Get()
				switch {
				case err != nil:
					failed.Add(1)
				case c.AccessKeyID == "ASIAKEY1":
					stale.Add(1)
				}
			})
		}
		// Were any Get waiting for the upstream, this would deadlock the
		// bubble and fail the test.
		wg.Wait()
		if waited := time.Since(before); waited != 0 {
			t.Errorf("Gets took %v of fake time", waited)
		}
		if failed.Load() != 0 || stale.Load() != readers {
			t.Errorf("%d failed, %d got the old credentials; want all %d old", failed.Load(), stale.Load(), readers)
		}
		if n := u.n(); n != 2 {
			t.Errorf("%d upstream calls during the refresh, want 2 (first fetch and one refresh)", n)
		}

		close(gate)
		synctest.Wait()
		if c, err := k.Get(); err != nil || c.AccessKeyID != "ASIAKEY2" {
			t.Errorf("after the refresh Get = %v %v", c.AccessKeyID, err)
		}
		sleep(30 * time.Minute) // the nudges left nothing to do
		if n, st := u.n(), k.State(); n != 2 || st != Fresh {
			t.Errorf("%d upstream calls, state %v after the refresh; want 2, fresh", n, st)
		}
	})
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		n        int
		life     time.Duration
		lo, hi   time.Duration
		describe string
	}{
		{1, time.Hour, 500 * time.Millisecond, time.Second, "first retry about 1 s"},
		{2, time.Hour, time.Second, 2 * time.Second, "doubling"},
		{3, time.Hour, 2 * time.Second, 4 * time.Second, "doubling"},
		{7, time.Hour, 30 * time.Second, time.Minute, "capped at 1 min"},
		{60, time.Hour, 30 * time.Second, time.Minute, "no overflow"},
		{1, 30 * time.Second, 250 * time.Millisecond, 500 * time.Millisecond, "scaled: lifetime/60"},
		{4, 30 * time.Second, 750 * time.Millisecond, 1500 * time.Millisecond, "scaled cap: lifetime/20"},
		{1, 0, 500 * time.Millisecond, time.Second, "unknown lifetime"},
		{1, time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, "floor"},
	}
	for _, tt := range tests {
		for range 50 {
			if d := backoff(tt.n, tt.life); d < tt.lo || d > tt.hi {
				t.Errorf("backoff(%d, %v) = %v, want in [%v, %v] (%s)", tt.n, tt.life, d, tt.lo, tt.hi, tt.describe)
				break
			}
		}
	}
}

func TestFailuresBackOffAndRecover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{life: time.Hour, fail: func(n int) error {
			if n >= 2 && n <= 4 {
				return errThrottled
			}
			return nil
		}}
		k, r := newKeeper(t, u, Options{})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		sleep(46 * time.Minute)

		calls := u.callsCopy()
		if len(calls) != 5 {
			t.Fatalf("%d upstream calls, want 5 (first, 3 failures, recovery)", len(calls))
		}
		gaps := []struct{ lo, hi time.Duration }{
			{500 * time.Millisecond, time.Second},
			{time.Second, 2 * time.Second},
			{2 * time.Second, 4 * time.Second},
		}
		for i, g := range gaps {
			if d := calls[i+2].at.Sub(calls[i+1].at); d < g.lo || d > g.hi {
				t.Errorf("retry %d came %v after the failure, want in [%v, %v]", i+1, d, g.lo, g.hi)
			}
		}

		ev := r.all()
		wantKinds := []EventKind{EventRefreshed, EventRefreshFailed, EventRefreshFailed, EventRefreshFailed, EventRefreshed}
		if fmt.Sprint(r.kinds()) != fmt.Sprint(wantKinds) {
			t.Fatalf("events %v, want %v", r.kinds(), wantKinds)
		}
		for i, e := range ev[1:4] {
			if e.state != Failing || e.key != "ASIAKEY1" || !errors.Is(e.Err, errThrottled) {
				t.Errorf("failure %d: state %v, served %q, err %v; want failing, still serving ASIAKEY1", i+1, e.state, e.key, e.Err)
			}
			if !e.Retry.Equal(calls[i+2].at) {
				t.Errorf("failure %d announced a retry at %v, made at %v", i+1, e.Retry, calls[i+2].at)
			}
		}
		if last := ev[4]; last.state != Fresh || last.key != "ASIAKEY5" {
			t.Errorf("after recovery: state %v, serving %q; want fresh, ASIAKEY5", last.state, last.key)
		}
		if st := k.Status(); st.Failures != 3 || st.Refreshes != 1 || st.LastErr != nil {
			t.Errorf("status %+v, want 3 failures, 1 refresh, no last error", st)
		}
	})
}

func TestShortCredentialsRetriedBeforeExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{life: 30 * time.Second, fail: func(n int) error {
			if n >= 2 {
				return errThrottled
			}
			return nil
		}}
		k, r := newKeeper(t, u, Options{})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		for range 29 {
			sleep(time.Second)
			if _, err := k.Get(); err != nil {
				t.Fatalf("Get with valid credentials in memory: %v", err)
			}
		}
		sleep(time.Second)
		_, err := k.Get()
		if !errors.Is(err, ErrNoValidCredentials) || !errors.Is(err, errThrottled) {
			t.Errorf("Get after expiry = %v, want no valid credentials because of the throttling", err)
		}
		// Retries between 15 s and 30 s: at most every 1.5 s.
		if n := u.n() - 1; n < 8 {
			t.Errorf("%d retries in the last 15 s of a 30 s credential, want several", n)
		}
		if k.State() != Expired || r.count(EventExpired) != 1 {
			t.Errorf("state %v with %d expired events, want expired, one event", k.State(), r.count(EventExpired))
		}
	})
}

func TestNeedsLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var loggedIn atomic.Bool
		u := &upstream{life: time.Hour}
		k, r := newKeeper(t, u, Options{NeedsHuman: isLogin})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		u.setFail(func(int) error {
			if loggedIn.Load() {
				return nil
			}
			return errLogin
		})

		sleep(45*time.Minute + time.Second)
		if st := k.State(); st != NeedsLogin {
			t.Fatalf("state %v, want needs-login", st)
		}
		sleep(10 * time.Minute)
		if c, err := k.Get(); err != nil || c.AccessKeyID != "ASIAKEY1" {
			t.Errorf("Get while waiting for a login = %v %v, want the old credentials", c.AccessKeyID, err)
		}
		if n := r.count(EventNeedsLogin); n != 1 {
			t.Errorf("%d needs-login events, want exactly one", n)
		}
		if n := r.count(EventRefreshFailed); n != 0 {
			t.Errorf("%d refresh-failed events while waiting for a login, want none", n)
		}
		calls := u.callsCopy()
		for i := 2; i < len(calls); i++ {
			if d := calls[i].at.Sub(calls[i-1].at); d != DefaultLoginPollInterval {
				t.Fatalf("poll %d came %v after the previous, want %v", i, d, DefaultLoginPollInterval)
			}
		}

		sleep(5 * time.Minute) // past expiry
		_, err := k.Get()
		if !errors.Is(err, ErrNoValidCredentials) || !errors.Is(err, errLogin) {
			t.Errorf("Get after expiry = %v, want no valid credentials because of the login", err)
		}
		var nv *NoValidCredentialsError
		if !errors.As(err, &nv) || nv.Expired.IsZero() {
			t.Errorf("Get's error %v does not say when the credentials expired", err)
		}
		if st := k.State(); st != Expired || r.count(EventExpired) != 1 {
			t.Errorf("state %v, %d expired events; want expired, one event", st, r.count(EventExpired))
		}

		// The person logs in elsewhere; nobody tells the keeper.
		sleep(17 * time.Second)
		loggedIn.Store(true)
		sleep(DefaultLoginPollInterval)
		c, err := k.Get()
		if err != nil || c.AccessKeyID == "ASIAKEY1" {
			t.Fatalf("Get after the login = %v %v, want new credentials", c.AccessKeyID, err)
		}
		if st := k.Status(); st.State != Fresh || st.LastErr != nil {
			t.Errorf("status %+v after the login, want fresh", st)
		}
		if n := r.count(EventNeedsLogin); n != 1 {
			t.Errorf("%d needs-login events in all, want one", n)
		}
	})
}

func TestAutoLogin(t *testing.T) {
	tests := []struct {
		name      string
		hookErr   error
		wantKinds []EventKind
		wantFresh bool
	}{
		{"login succeeds", nil, []EventKind{EventRefreshed, EventNeedsLogin, EventRefreshed}, true},
		{"login fails", errors.New("the login code expired"), []EventKind{EventRefreshed, EventNeedsLogin, EventLoginFailed}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var loggedIn atomic.Bool
				var hooks atomic.Int32
				var hookDone time.Time
				u := &upstream{life: time.Hour}
				k, r := newKeeper(t, u, Options{
					NeedsHuman: isLogin,
					OnNeedsLogin: func(ctx context.Context) error {
						hooks.Add(1)
						time.Sleep(32 * time.Second) // the person approves the code
						hookDone = time.Now()
						if tt.hookErr == nil {
							loggedIn.Store(true)
						}
						return tt.hookErr
					},
					LoginPollInterval: time.Minute,
				})
				if err := k.Start(t.Context()); err != nil {
					t.Fatal(err)
				}
				u.setFail(func(int) error {
					if loggedIn.Load() {
						return nil
					}
					return errLogin
				})
				sleep(50 * time.Minute)
				if fmt.Sprint(r.kinds()) != fmt.Sprint(tt.wantKinds) {
					t.Errorf("events %v, want %v", r.kinds(), tt.wantKinds)
				}
				if n := hooks.Load(); n != 1 {
					t.Errorf("login hook ran %d times, want once", n)
				}
				if (k.State() == Fresh) != tt.wantFresh {
					t.Errorf("state %v", k.State())
				}
				if tt.wantFresh {
					// Asked again the moment the login finished, not at the next poll.
					calls := u.callsCopy()
					if last := calls[len(calls)-1].at; !last.Equal(hookDone) {
						t.Errorf("upstream asked %v after the login finished", last.Sub(hookDone))
					}
				}
			})
		})
	}
}

func TestAutoLoginAtStart(t *testing.T) {
	errCode := errors.New("the login code expired")
	tests := []struct {
		name         string
		hookErr      error
		wantKinds    []EventKind
		wantFailures uint64
	}{
		{"login succeeds", nil, []EventKind{EventNeedsLogin, EventRefreshed}, 1},
		{"login fails", errCode, []EventKind{EventNeedsLogin, EventLoginFailed}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var loggedIn atomic.Bool
				u := &upstream{life: time.Hour, fail: func(int) error {
					if loggedIn.Load() {
						return nil
					}
					return errLogin
				}}
				k, r := newKeeper(t, u, Options{
					NeedsHuman: isLogin,
					OnNeedsLogin: func(context.Context) error {
						loggedIn.Store(tt.hookErr == nil)
						return tt.hookErr
					},
				})
				err := k.Start(t.Context())
				if tt.hookErr == nil && err != nil {
					t.Fatalf("Start with --auto-login: %v", err)
				}
				if tt.hookErr != nil && (!errors.Is(err, errLogin) || !errors.Is(err, tt.hookErr)) {
					t.Fatalf("Start = %v, want both the login requirement and the login's failure", err)
				}
				if fmt.Sprint(r.kinds()) != fmt.Sprint(tt.wantKinds) {
					t.Errorf("events %v, want %v", r.kinds(), tt.wantKinds)
				}
				if st := k.Status(); st.Failures != tt.wantFailures {
					t.Errorf("%d failures counted, want %d", st.Failures, tt.wantFailures)
				}
			})
		})
	}
}

func TestNeverExpiringCredentials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{static: true}
		k, r := newKeeper(t, u, Options{})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		for range 3 * 60 {
			sleep(time.Minute)
			if c, err := k.Get(); err != nil || c.AccessKeyID != "AKIDSTATIC" {
				t.Fatalf("Get = %v %v", c.AccessKeyID, err)
			}
		}
		if n := u.n(); n != 1 {
			t.Errorf("%d upstream calls for static keys, want 1", n)
		}
		if st := k.Status(); st.State != Fresh || !st.Expires.IsZero() || !st.NextAttempt.IsZero() {
			t.Errorf("status %+v, want fresh with no expiry and nothing planned", st)
		}
		if len(r.kinds()) != 1 {
			t.Errorf("events %v, want only the first refreshed", r.kinds())
		}
	})
}

func TestUpstreamReturnsNoFresherCredentials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A credential_process serving its own cache hands back the same
		// credentials until they expire.
		u := &upstream{life: time.Hour, fixed: true}
		k, _ := newKeeper(t, u, Options{})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		sleep(50 * time.Minute)
		st := k.Status()
		if st.State != Failing || !errors.Is(st.LastErr, errNotFresher) {
			t.Errorf("status %+v, want failing: no fresher credentials", st)
		}
		// Backing off to a minute, not calling back to back.
		if n := u.n(); n > 20 {
			t.Errorf("%d upstream calls in 5 min of a window, want backoff", n)
		}
		if _, err := k.Get(); err != nil {
			t.Errorf("Get with valid credentials in memory: %v", err)
		}
	})
}

func TestStopEndsRefreshing(t *testing.T) {
	tests := []struct {
		name string
		end  func(k *Keeper, cancel context.CancelFunc)
	}{
		{"Stop", func(k *Keeper, _ context.CancelFunc) { k.Stop() }},
		{"context canceled", func(_ *Keeper, cancel context.CancelFunc) { cancel() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				u := &upstream{life: time.Hour}
				k, _ := newKeeper(t, u, Options{})
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if err := k.Start(ctx); err != nil {
					t.Fatal(err)
				}
				tt.end(k, cancel)
				synctest.Wait()
				select {
				case <-k.done:
				default:
					t.Fatal("the refresh goroutine is still running")
				}
				sleep(2 * time.Hour)
				if n := u.n(); n != 1 {
					t.Errorf("%d upstream calls after the end, want none", n)
				}
				k.Stop() // again: no-op
				if err := k.Start(t.Context()); err == nil {
					t.Error("Start after Stop succeeded")
				}
			})
		})
	}
}

func TestStopDuringRefreshAndLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{life: time.Hour}
		k, _ := newKeeper(t, u, Options{
			NeedsHuman: isLogin,
			OnNeedsLogin: func(ctx context.Context) error {
				<-ctx.Done() // a login nobody finishes
				return ctx.Err()
			},
		})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		u.setFail(func(int) error { return errLogin })
		sleep(46 * time.Minute)
		u.setGate(make(chan struct{})) // and a poll that hangs
		sleep(time.Minute)
		k.Stop() // returns: both the poll and the hook end with ctx
		if k.Status().Failures == 0 {
			t.Error("no failures recorded")
		}
	})
}

// TestWakesAfterSuspend: the wall clock jumps past expiry while the
// monotonic timers stand still (a laptop lid closed for two hours). The
// first Get finds nothing valid and nudges the keeper, which renews at once.
func TestWakesAfterSuspend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var skew atomic.Int64
		now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
		u := &upstream{life: time.Hour, now: now}
		k, r := newKeeper(t, u, Options{Now: now})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		sleep(10 * time.Minute)
		skew.Store(int64(2 * time.Hour))
		if _, err := k.Get(); !errors.Is(err, ErrNoValidCredentials) {
			t.Fatalf("Get = %v, want expired credentials", err)
		}
		synctest.Wait()
		if c, err := k.Get(); err != nil || c.AccessKeyID != "ASIAKEY2" {
			t.Errorf("Get after the nudge = %v %v, want renewed credentials at once", c.AccessKeyID, err)
		}
		if r.count(EventRefreshed) != 2 {
			t.Errorf("events %v", r.kinds())
		}
	})
}

func TestNoSecretsInOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		u := &upstream{life: time.Minute, fail: func(n int) error {
			switch {
			case n == 1 || n == 5:
				return nil
			case n < 4:
				return errThrottled
			}
			return errLogin
		}}
		k, r := newKeeper(t, u, Options{NeedsHuman: isLogin})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		var out []string
		for range 24 {
			sleep(5 * time.Second)
			_, err := k.Get()
			st := k.Status()
			out = append(out, fmt.Sprint(err), fmt.Sprintf("%+v", st), st.State.String())
		}
		for _, e := range r.all() {
			out = append(out, e.Event.String(), fmt.Sprintf("%+v", e.Event))
		}
		all := strings.Join(out, "\n")
		if !strings.Contains(all, "rate exceeded") || !strings.Contains(all, "needs-login") {
			t.Fatalf("the scenario did not fail as planned:\n%s", all)
		}
		for _, secret := range []string{testSecret, testToken} {
			if strings.Contains(all, secret) {
				t.Errorf("a secret value leaked into events, errors or status:\n%s", all)
			}
		}
	})
}

func TestRefreshBeforeOverride(t *testing.T) {
	tests := []struct {
		name      string
		override  time.Duration
		wantLeft  time.Duration // at the first refresh
		wantCalls int           // in an hour
	}{
		{"20 min", 20 * time.Minute, 20 * time.Minute, 2},
		{"59 min", 59 * time.Minute, 59 * time.Minute, 61}, // every minute, as asked
		// A window not shorter than the lifetime would make every renewal
		// due at once, one upstream call a second for the whole run: the
		// rule applies instead (exec refuses such a window up front).
		{"as long as the lifetime", time.Hour, 15 * time.Minute, 2},
		{"longer than the lifetime", 2 * time.Hour, 15 * time.Minute, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				u := &upstream{life: time.Hour, fail: func(n int) error {
					if n > 100 { // bounds the damage of a refresh loop
						return errThrottled
					}
					return nil
				}}
				k, _ := newKeeper(t, u, Options{RefreshBefore: tt.override})
				if err := k.Start(t.Context()); err != nil {
					t.Fatal(err)
				}
				sleep(time.Hour)
				calls := u.callsCopy()
				if len(calls) != tt.wantCalls {
					t.Fatalf("%d upstream calls in an hour, want %d", len(calls), tt.wantCalls)
				}
				if calls[1].left != tt.wantLeft {
					t.Errorf("first refresh with %v left, want %v", calls[1].left, tt.wantLeft)
				}
			})
		})
	}
}
