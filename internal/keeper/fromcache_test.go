package keeper

import (
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/credcache"
)

// TestStartFromAnOldCacheEntry: exec starts its keeper from the credential
// cache it shares with credential-process (a credcache.Provider around the
// upstream). One-hour credentials cached 40 minutes ago still live an hour:
// they are renewed with 15 minutes left, as the process that fetched them
// would have, not with half of the 20 minutes the keeper sees; and what is
// served never drops below the 15 minutes at which botocore starts asking
// the endpoint on every request.
func TestStartFromAnOldCacheEntry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		cache := &credcache.Cache{Dir: filepath.Join(t.TempDir(), "awsauth"), Now: time.Now}
		cached := aws.Credentials{AccessKeyID: "ASIACACHED", SecretAccessKey: testSecret, SessionToken: testToken,
			CanExpire: true, Expires: start.Add(20 * time.Minute)}
		if err := cache.Put("k", cached, start.Add(-40*time.Minute)); err != nil {
			t.Fatal(err)
		}
		u := &upstream{life: time.Hour}
		k, _ := newKeeper(t, u, Options{Provider: &credcache.Provider{Cache: cache, Key: "k", Next: u}})
		if err := k.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		if c, err := k.Get(); err != nil || c.AccessKeyID != "ASIACACHED" || u.n() != 0 {
			t.Fatalf("Get = %q, %v after %d upstream calls; want the cached keys and no call", c.AccessKeyID, err, u.n())
		}
		if got, want := k.Status().NextAttempt, start.Add(5*time.Minute); !got.Equal(want) {
			t.Errorf("first renewal planned %v after start, want %v (15 min before expiry)", got.Sub(start), want.Sub(start))
		}

		const least = 15 * time.Minute
		for time.Since(start) < 3*time.Hour {
			c, err := k.Get()
			if err != nil {
				t.Fatalf("at %v: Get: %v", time.Since(start), err)
			}
			if left := time.Until(c.Expires); left < least {
				t.Fatalf("at %v: served %s with %v left, want at least %v", time.Since(start), c.AccessKeyID, left, least)
			}
			sleep(5 * time.Second)
		}
		calls := u.callsCopy()
		if len(calls) == 0 {
			t.Fatal("no renewal in three hours")
		}
		if first := calls[0].at.Sub(start); first != 5*time.Minute {
			t.Errorf("first renewal %v after start, with %v left; want 5m0s, with 15m0s left", first, 20*time.Minute-first)
		}
		// Then once per lifetime, 15 minutes before each expiry: at 5, 50,
		// 95 and 140 minutes.
		if len(calls) != 4 {
			t.Errorf("%d upstream calls in three hours, want 4", len(calls))
		}
		for i, c := range calls[1:] {
			if c.left != least {
				t.Errorf("renewal %d with %v left, want %v", i+2, c.left, least)
			}
		}
	})
}
