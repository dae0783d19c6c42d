package keeper

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/renewal"
)

// run is the refresh goroutine: the only caller of the upstream provider
// once Start has returned.
func (k *Keeper) run(ctx context.Context) {
	defer close(k.done)
	timer := time.NewTimer(maxSleep)
	defer timer.Stop()
	for {
		now := k.now()
		s := k.snap.Load()
		if s.creds.CanExpire && !now.Before(s.creds.Expires) && !k.expiredFired.Equal(s.creds.Expires) {
			k.expiredFired = s.creds.Expires
			k.mu.Lock()
			last := k.lastErr
			k.mu.Unlock()
			k.emit(Event{Kind: EventExpired, Time: now, Expires: s.creds.Expires, Err: last})
		}
		if !s.due.IsZero() && !now.Before(s.due) {
			k.attempt(ctx)
			if ctx.Err() != nil {
				return
			}
			continue
		}

		wait := maxSleep
		if !s.due.IsZero() {
			wait = min(wait, s.due.Sub(now))
		}
		if s.creds.CanExpire && now.Before(s.creds.Expires) {
			wait = min(wait, s.creds.Expires.Sub(now)) // to report the expiry on time
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-k.wake:
		case err := <-k.loginDone:
			k.loginFinished(err)
		}
	}
}

// attempt makes one upstream call and records its outcome.
func (k *Keeper) attempt(ctx context.Context) {
	k.mu.Lock()
	if k.state == Fresh {
		k.state = Refreshing
	}
	k.mu.Unlock()

	rctx, cancel := context.WithTimeout(ctx, k.opts.RefreshTimeout)
	creds, obtained, err := k.retrieve(rctx)
	cancel()
	if ctx.Err() != nil { // stopping: not the upstream's failure
		k.mu.Lock()
		if k.state == Refreshing {
			k.state = Fresh
		}
		k.mu.Unlock()
		return
	}
	now := k.now()
	cur := k.snap.Load()
	if err == nil {
		err = checkFresh(creds, cur, now)
	}
	if err == nil {
		k.succeeded(creds, obtained, now)
	} else {
		k.failed(ctx, cur, err, now)
	}
}

func (k *Keeper) succeeded(creds aws.Credentials, obtained, now time.Time) {
	k.snap.Store(k.snapshotFor(creds, obtained, now))
	k.streak = 0
	k.inLogin = false
	k.mu.Lock()
	k.state = Fresh
	k.lastErr = nil
	k.refreshes++
	k.mu.Unlock()
	k.emit(Event{Kind: EventRefreshed, Time: now, Expires: expiresOf(creds)})
}

func (k *Keeper) failed(ctx context.Context, cur *snapshot, err error, now time.Time) {
	k.streak++
	human := k.needsHuman(err)
	var delay time.Duration
	if human {
		delay = k.opts.LoginPollInterval
	} else {
		delay = backoff(k.streak, lifetime(cur))
	}
	next := *cur
	next.due = now.Add(delay)
	k.snap.Store(&next)

	k.mu.Lock()
	k.failures++
	k.lastErr = err
	if human {
		k.state = NeedsLogin
	} else {
		k.state = Failing
	}
	k.mu.Unlock()

	switch {
	case !human:
		k.emit(Event{Kind: EventRefreshFailed, Time: now, Expires: expiresOf(cur.creds), Retry: next.due, Err: err})
	case !k.inLogin:
		// Once per episode: the person is told, then the keeper polls
		// quietly until the login shows up.
		k.inLogin = true
		k.emit(Event{Kind: EventNeedsLogin, Time: now, Expires: expiresOf(cur.creds), Retry: next.due, Err: err})
		if k.opts.OnNeedsLogin != nil {
			k.hooks.Go(func() {
				herr := k.opts.OnNeedsLogin(ctx)
				select {
				case k.loginDone <- herr:
				case <-ctx.Done():
				}
			})
		}
	}
}

// loginFinished handles the OnNeedsLogin hook's result.
func (k *Keeper) loginFinished(err error) {
	if !k.inLogin {
		return // a poll already found the new login
	}
	now := k.now()
	if err != nil {
		k.emit(Event{Kind: EventLoginFailed, Time: now, Err: err})
		return
	}
	next := *k.snap.Load()
	next.due = now
	k.snap.Store(&next)
}

// snapshotFor plans the refresh of creds, obtained from their source at
// obtained (zero: unknown) and handed to the keeper at now.
func (k *Keeper) snapshotFor(creds aws.Credentials, obtained, now time.Time) *snapshot {
	s := &snapshot{creds: creds, obtained: obtained}
	if !creds.CanExpire {
		return s
	}
	s.due = creds.Expires.Add(-refreshWindow(obtained, creds.Expires, k.opts.RefreshBefore))
	// However the window is set, never call the upstream back to back.
	s.due = maxTime(s.due, now.Add(backoffStep(lifetime(s))))
	return s
}

// refreshWindow is how long before expires credentials obtained at obtained
// are renewed: override, when positive and shorter than their lifetime (or
// their lifetime is unknown), and otherwise the renewal rule's window.
func refreshWindow(obtained, expires time.Time, override time.Duration) time.Duration {
	if override > 0 {
		if life, ok := renewal.Lifetime(obtained, expires); !ok || renewal.WindowFits(override, life) {
			return override
		}
	}
	return renewal.Window(obtained, expires)
}

// backoff is the delay before retrying after the n-th consecutive failure:
// the step doubled n-1 times, capped, with equal jitter (half fixed, half
// random) so that keepers started together do not retry in lockstep.
func backoff(n int, life time.Duration) time.Duration {
	d := backoffStep(life)
	ceil := backoffCeil(life)
	for i := 1; i < n && d < ceil; i++ {
		d *= 2
	}
	d = min(d, ceil)
	return d/2 + rand.N(d/2+1)
}

// backoffStep is the first retry delay: 1 s, or lifetime/60 for
// credentials living less than a minute.
func backoffStep(life time.Duration) time.Duration {
	if life <= 0 {
		return backoffBase
	}
	return max(backoffFloor, min(backoffBase, life/60))
}

// backoffCeil is the longest retry delay: 1 min, or lifetime/20, so that a
// 30 s credential is retried about ten times in its last 15 s.
func backoffCeil(life time.Duration) time.Duration {
	if life <= 0 {
		return backoffCap
	}
	return max(backoffStep(life), min(backoffCap, life/20))
}

// lifetime is how long the credentials of s live; zero when they never
// expire or it is unknown, which backoff takes as long.
func lifetime(s *snapshot) time.Duration {
	if s == nil || !s.creds.CanExpire {
		return 0
	}
	life, _ := renewal.Lifetime(s.obtained, s.creds.Expires)
	return life
}

// errNotFresher is wrapped when the upstream hands back credentials that
// would not extend what is in memory (a credential_process serving its own
// cache, say); taking them would only bring the next refresh closer.
var errNotFresher = errors.New("the credential source returned no fresher credentials")

// checkFresh rejects credentials that are unusable, or no better than cur.
func checkFresh(c aws.Credentials, cur *snapshot, now time.Time) error {
	if !c.HasKeys() {
		return errors.New("the credential source returned credentials without an access key")
	}
	if !c.CanExpire {
		return nil
	}
	if !now.Before(c.Expires) {
		return fmt.Errorf("the credential source returned credentials that expired at %s", c.Expires.UTC().Format(time.RFC3339))
	}
	if cur != nil && valid(cur.creds, now) && cur.creds.CanExpire && !c.Expires.After(cur.creds.Expires) {
		return fmt.Errorf("%w: they expire at %s, those in memory at %s", errNotFresher,
			c.Expires.UTC().Format(time.RFC3339), cur.creds.Expires.UTC().Format(time.RFC3339))
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}
