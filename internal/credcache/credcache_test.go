package credcache

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestGetCachesUntilTheRefreshWindow(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	c := &Cache{Dir: t.TempDir(), Now: func() time.Time { return now }}
	var calls int
	fetch := func(context.Context) (aws.Credentials, error) {
		calls++
		return aws.Credentials{AccessKeyID: "ASIA" + string(rune('A'+calls)), SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: now.Add(time.Hour)}, nil
	}
	ctx := context.Background()
	c1, hit, err := c.Get(ctx, "fp", fetch)
	if err != nil || hit || calls != 1 {
		t.Fatalf("first: %v hit=%v calls=%d", err, hit, calls)
	}
	now = now.Add(44 * time.Minute) // 16 min left: still served
	c2, hit, _ := c.Get(ctx, "fp", fetch)
	if !hit || calls != 1 || c2.AccessKeyID != c1.AccessKeyID {
		t.Errorf("at 16 min left: hit=%v calls=%d", hit, calls)
	}
	now = now.Add(2 * time.Minute) // 14 min left: refetched
	c3, hit, _ := c.Get(ctx, "fp", fetch)
	if hit || calls != 2 || c3.AccessKeyID == c1.AccessKeyID {
		t.Errorf("at 14 min left: hit=%v calls=%d", hit, calls)
	}
	// Windows has no POSIX modes: the profile's access list keeps the file
	// private there.
	if fi, _ := os.Stat(filepath.Join(c.Dir, "creds-fp.json")); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
}

func TestStaticKeysAreNotCached(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	_, _, err := c.Get(context.Background(), "fp", func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(c.Dir); len(entries) > 1 { // the lock file only
		t.Errorf("long-term keys were written to the cache: %v", entries)
	}
}

// TestParallelColdCacheFetchesOnce: 50 callers at once, one upstream call.
func TestParallelColdCacheFetchesOnce(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int32
	fetch := func(context.Context) (aws.Credentials, error) {
		calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		return aws.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", CanExpire: true, Expires: time.Now().Add(time.Hour)}, nil
	}
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &Cache{Dir: dir} // a separate cache value, as separate processes have
			creds, _, err := c.Get(context.Background(), "fp", fetch)
			if err != nil || creds.AccessKeyID != "ASIA1" {
				t.Errorf("got %v %v", creds.AccessKeyID, err)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d upstream calls, want 1", calls.Load())
	}
}

func TestCorruptEntryIsRefetched(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	os.WriteFile(filepath.Join(c.Dir, "creds-fp.json"), []byte("{not json"), 0o600)
	creds, hit, err := c.Get(context.Background(), "fp", func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "ASIA2", SecretAccessKey: "s", CanExpire: true, Expires: time.Now().Add(time.Hour)}, nil
	})
	if err != nil || hit || creds.AccessKeyID != "ASIA2" {
		t.Errorf("%v %v %v", creds.AccessKeyID, hit, err)
	}
}
