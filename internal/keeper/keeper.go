// Package keeper keeps AWS credentials alive in memory for as long as a
// command runs: it wraps an [aws.CredentialsProvider] (built by credsource
// out of the SDK's own providers), fetches once up front, and then renews in
// the background before the credentials expire.
//
// # Refresh policy
//
// A refresh starts by awsauth's one renewal rule (internal/renewal): when
// min(15 min, half the lifetime) is left, the lifetime being measured from
// when the credentials were obtained to their expiry. One-hour
// credentials are renewed with 15 minutes left, 30-second test credentials
// with 15 seconds left, and one-hour credentials that a cache obtained 40
// minutes before the keeper started still with 15 minutes left: a provider
// that can answer with credentials obtained earlier says when
// ([ObtainedProvider]). With a healthy upstream, what [Keeper.Get] hands out
// therefore has at least min(15 min, half the lifetime) left, but for the
// moments a renewal takes. Credentials that never expire are never
// refreshed.
//
// [Keeper.Get] never waits for the network: it answers from memory, so a slow,
// throttled or failing upstream (or one waiting for a person to log in) never
// delays a request while valid credentials are in hand. Only the keeper's own
// goroutine calls the upstream provider, one call at a time.
//
// Failures are retried with jittered exponential backoff, 1 s doubling to
// 1 min, both scaled down for short lifetimes (lifetime/60 and lifetime/20).
// A failure that needs a person ([Options.NeedsHuman]) is reported once as
// [EventNeedsLogin] and then retried quietly every [Options.LoginPollInterval],
// so that a login made in another terminal is picked up by itself.
package keeper

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Defaults for the zero values of [Options].
const (
	// DefaultLoginPollInterval is how often an upstream that needs a login is
	// asked again: cheap (the SSO provider reads the shared cache), and quick
	// enough that a login elsewhere is noticed within seconds.
	DefaultLoginPollInterval = 5 * time.Second
	// DefaultRefreshTimeout bounds one background upstream call, so that a
	// hung credential_process or endpoint cannot stall renewal for good.
	DefaultRefreshTimeout = 5 * time.Minute

	backoffBase = time.Second
	backoffCap  = time.Minute
	// backoffFloor keeps scaled-down delays sane for absurdly short lifetimes.
	backoffFloor = 10 * time.Millisecond
	// maxSleep bounds every wait of the refresh goroutine. Go timers run on
	// the monotonic clock, which stands still while a laptop sleeps; waking
	// at least once a minute re-reads the wall clock that expiry is about.
	maxSleep = time.Minute
)

// Options configures a [Keeper].
type Options struct {
	// Provider is the upstream source of credentials. Required. If it is an
	// [ObtainedProvider], the lifetime of what it returns is measured from
	// when it says they were obtained; otherwise from when the call began.
	Provider aws.CredentialsProvider
	// RefreshBefore, when positive, replaces the renewal rule's window of
	// min(15 min, half the lifetime), for credentials that live longer than
	// it. For credentials that do not, it would make every renewal due as
	// soon as they arrive (one upstream call a second): the rule applies to
	// them instead.
	RefreshBefore time.Duration
	// NeedsHuman reports whether an upstream error can only be cured by a
	// person (IAM Identity Center session ended, MFA code needed). Nil means
	// no error is.
	NeedsHuman func(error) bool
	// OnNeedsLogin, if set, is run once per login episode (when the upstream
	// first needs a person) to run a login flow, for example for
	// --auto-login. It runs on its own goroutine while the keeper keeps
	// serving and polling; when it returns nil the upstream is asked again
	// at once. It must return when ctx ends.
	OnNeedsLogin func(ctx context.Context) error
	// LoginPollInterval is how often an upstream that needs a person is asked
	// again. Zero means [DefaultLoginPollInterval].
	LoginPollInterval time.Duration
	// RefreshTimeout bounds each background upstream call. Zero means
	// [DefaultRefreshTimeout]. The first fetch in [Keeper.Start] is bounded
	// only by its ctx, since it may wait for a person to type an MFA code.
	RefreshTimeout time.Duration
	// OnEvent, if set, is told about refreshes, failures, logins needed and
	// expiries. It is called from one goroutine at a time and must return
	// quickly; it must not call [Keeper.Stop].
	OnEvent func(Event)
	// Now reads the clock. Nil means time.Now. Waits use real timers, so
	// tests run the keeper inside a testing/synctest bubble.
	Now func() time.Time
}

// An ObtainedProvider is a credentials provider that may answer with
// credentials obtained from their source earlier, a cache: it says when.
// A zero time means it does not know, and the renewal rule then takes its
// widest window.
type ObtainedProvider interface {
	aws.CredentialsProvider
	RetrieveObtained(ctx context.Context) (creds aws.Credentials, obtained time.Time, err error)
}

// Keeper serves credentials from memory and renews them in the background.
// All methods are safe for concurrent use.
type Keeper struct {
	opts Options
	now  func() time.Time

	// snap is what Get reads, lock-free. Only Start and the refresh
	// goroutine store it.
	snap atomic.Pointer[snapshot]
	// wake asks the refresh goroutine to look at the clock again.
	wake      chan struct{}
	loginDone chan error

	mu        sync.Mutex
	phase     phase
	state     State
	lastErr   error
	refreshes uint64
	failures  uint64
	cancel    context.CancelFunc
	done      chan struct{}
	hooks     sync.WaitGroup

	// Owned by the refresh goroutine (and by Start before it exists).
	streak       int       // consecutive failures
	inLogin      bool      // a login episode is under way: EventNeedsLogin was sent, OnNeedsLogin started
	expiredFired time.Time // the Expires for which EventExpired was sent
}

// snapshot is one immutable view of the credentials in memory.
type snapshot struct {
	creds aws.Credentials
	// obtained is when creds were obtained from their source; zero when
	// unknown.
	obtained time.Time
	// due is when the next upstream call is planned; zero means never.
	due time.Time
}

type phase int

const (
	idle phase = iota
	starting
	running
	stopped
)

var _ aws.CredentialsProvider = (*Keeper)(nil)

// New returns a keeper for opts. Nothing is fetched until [Keeper.Start].
func New(opts Options) *Keeper {
	if opts.LoginPollInterval <= 0 {
		opts.LoginPollInterval = DefaultLoginPollInterval
	}
	if opts.RefreshTimeout <= 0 {
		opts.RefreshTimeout = DefaultRefreshTimeout
	}
	k := &Keeper{
		opts:      opts,
		now:       opts.Now,
		wake:      make(chan struct{}, 1),
		loginDone: make(chan error, 1),
	}
	if k.now == nil {
		k.now = time.Now
	}
	return k
}

var (
	errStarted = errors.New("keeper: already started")
	errStopped = errors.New("keeper: stopped")
)

// Start fetches credentials once, synchronously, and returns the upstream
// error if that fails, so the caller can report it before starting anything
// that needs them; Start may then be called again. On success a goroutine
// keeps the credentials fresh until ctx ends or [Keeper.Stop] is called.
//
// If the first fetch needs a person and [Options.OnNeedsLogin] is set, the
// login hook runs here, synchronously, and the fetch is tried once more.
func (k *Keeper) Start(ctx context.Context) error { return k.StartWith(ctx, ctx) }

// StartWith is [Keeper.Start] with the first fetch (and a login it needs)
// bounded by fetch, and the background renewals by run: a command can let
// Ctrl-C stop its start while the renewals outlive a Ctrl-C that belongs
// to its child.
func (k *Keeper) StartWith(fetch, run context.Context) error {
	ctx := fetch
	if k.opts.Provider == nil {
		return errors.New("keeper: no credential provider")
	}
	k.mu.Lock()
	switch k.phase {
	case running, starting:
		k.mu.Unlock()
		return errStarted
	case stopped:
		k.mu.Unlock()
		return errStopped
	}
	k.phase = starting
	k.mu.Unlock()

	creds, obtained, now, err := k.firstFetch(ctx)
	if err != nil {
		k.mu.Lock()
		k.lastErr = err
		if k.phase == starting {
			k.phase = idle
		}
		k.mu.Unlock()
		return err
	}

	k.snap.Store(k.snapshotFor(creds, obtained, now))
	runCtx, cancel := context.WithCancel(run)
	k.mu.Lock()
	if k.phase != starting { // Stop was called meanwhile
		k.mu.Unlock()
		cancel()
		return errStopped
	}
	k.phase = running
	k.state = Fresh
	k.lastErr = nil
	k.cancel = cancel
	k.done = make(chan struct{})
	k.mu.Unlock()

	k.emit(Event{Kind: EventRefreshed, Time: now, Expires: expiresOf(creds)})
	go k.run(runCtx)
	return nil
}

// firstFetch is Start's fetch: one upstream call, or, when the upstream
// needs a person and a login hook is set, a login and one more call.
func (k *Keeper) firstFetch(ctx context.Context) (creds aws.Credentials, obtained, now time.Time, err error) {
	creds, obtained, now, err = k.fetchOnce(ctx)
	if err == nil || !k.needsHuman(err) || k.opts.OnNeedsLogin == nil || ctx.Err() != nil {
		return creds, obtained, now, err
	}
	k.emit(Event{Kind: EventNeedsLogin, Time: now, Err: err})
	if herr := k.opts.OnNeedsLogin(ctx); herr != nil {
		k.emit(Event{Kind: EventLoginFailed, Time: k.now(), Err: herr})
		return creds, obtained, now, fmt.Errorf("%w; the login failed: %w", err, herr)
	}
	return k.fetchOnce(ctx)
}

func (k *Keeper) fetchOnce(ctx context.Context) (creds aws.Credentials, obtained, now time.Time, err error) {
	creds, obtained, err = k.retrieve(ctx)
	now = k.now()
	if err == nil {
		err = checkFresh(creds, nil, now)
	}
	if err != nil {
		k.mu.Lock()
		k.failures++
		k.mu.Unlock()
	}
	return creds, obtained, now, err
}

// retrieve makes one upstream call, and says when what it returns was
// obtained: as the provider says, or else as the call began.
func (k *Keeper) retrieve(ctx context.Context) (aws.Credentials, time.Time, error) {
	if p, ok := k.opts.Provider.(ObtainedProvider); ok {
		return p.RetrieveObtained(ctx)
	}
	at := k.now()
	creds, err := k.opts.Provider.Retrieve(ctx)
	return creds, at, err
}

// Stop ends background refreshing and waits for the goroutine (and a running
// [Options.OnNeedsLogin] hook) to return. The credentials in memory keep
// being served until they expire. Stop may be called more than once, and
// before Start.
func (k *Keeper) Stop() {
	k.mu.Lock()
	k.phase = stopped
	cancel, done := k.cancel, k.done
	k.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
	k.hooks.Wait()
}

// Get returns the credentials in memory if they are still valid (now before
// Expires, or CanExpire false), and otherwise a [*NoValidCredentialsError]
// carrying the last upstream failure. It never waits for the network.
func (k *Keeper) Get() (aws.Credentials, error) {
	s := k.snap.Load()
	if s == nil {
		return aws.Credentials{}, k.noValid(nil)
	}
	now := k.now()
	if !s.due.IsZero() && !now.Before(s.due) {
		// The refresh goroutine is late (busy, or its timer slept through a
		// suspended laptop): nudge it. It still honours its own schedule, so
		// requests never cause extra upstream calls.
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
	if valid(s.creds, now) {
		return s.creds, nil
	}
	return aws.Credentials{}, k.noValid(s)
}

// Retrieve is [Keeper.Get], so that a Keeper is an [aws.CredentialsProvider].
func (k *Keeper) Retrieve(context.Context) (aws.Credentials, error) {
	return k.Get()
}

func (k *Keeper) noValid(s *snapshot) error {
	k.mu.Lock()
	last := k.lastErr
	k.mu.Unlock()
	e := &NoValidCredentialsError{Err: last}
	if s != nil {
		e.Expired = s.creds.Expires
	}
	return e
}

// State returns the keeper's state now: [Expired] whenever no valid
// credentials are in memory, whatever the refresh goroutine is doing.
func (k *Keeper) State() State {
	return k.Status().State
}

// Status is a consistent view of a keeper, for status lines and --debug.
// It holds no secret.
type Status struct {
	State State
	// Expires is when the credentials in memory expire; zero when there are
	// none or they never expire.
	Expires time.Time
	// Obtained is when the credentials in memory were obtained from their
	// source; zero when there are none or their provider did not know.
	Obtained time.Time
	// NextAttempt is when the next upstream call is planned; zero if none.
	NextAttempt time.Time
	// Refreshes counts successful background refreshes (not the first fetch).
	Refreshes uint64
	// Failures counts failed upstream calls, the first fetch's included.
	Failures uint64
	// LastErr is the latest upstream failure, nil after a success.
	LastErr error
}

// Status returns the keeper's state, counters and last failure.
func (k *Keeper) Status() Status {
	s := k.snap.Load()
	now := k.now()
	k.mu.Lock()
	st := Status{
		State:     k.state,
		Refreshes: k.refreshes,
		Failures:  k.failures,
		LastErr:   k.lastErr,
	}
	k.mu.Unlock()
	if s == nil || !valid(s.creds, now) {
		st.State = Expired
	}
	if s != nil {
		st.Expires = expiresOf(s.creds)
		st.Obtained = s.obtained
		st.NextAttempt = s.due
	}
	return st
}

func (k *Keeper) needsHuman(err error) bool {
	return k.opts.NeedsHuman != nil && k.opts.NeedsHuman(err)
}

func (k *Keeper) emit(e Event) {
	if k.opts.OnEvent != nil {
		k.opts.OnEvent(e)
	}
}

func valid(c aws.Credentials, now time.Time) bool {
	return c.HasKeys() && (!c.CanExpire || now.Before(c.Expires))
}

func expiresOf(c aws.Credentials) time.Time {
	if !c.CanExpire {
		return time.Time{}
	}
	return c.Expires
}
