package credcache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

type countingProvider struct {
	calls int
	next  aws.Credentials
	err   error
}

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.calls++
	return p.next, p.err
}

func TestProvider(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	fresh := func(id string) aws.Credentials {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: now.Add(time.Hour)}
	}
	newCache := func(t *testing.T) *Cache {
		return &Cache{Dir: filepath.Join(t.TempDir(), "awsauth"), Now: func() time.Time { return now }}
	}
	ctx := context.Background()

	t.Run("warm cache: the first answer makes no upstream call", func(t *testing.T) {
		c := newCache(t)
		if err := c.Put("k", fresh("CACHED"), now); err != nil {
			t.Fatal(err)
		}
		up := &countingProvider{next: fresh("UPSTREAM")}
		p := &Provider{Cache: c, Key: "k", Next: up}
		got, err := p.Retrieve(ctx)
		if err != nil || got.AccessKeyID != "CACHED" || up.calls != 0 {
			t.Fatalf("first Retrieve = %q, %v after %d upstream calls; want the cached keys and none", got.AccessKeyID, err, up.calls)
		}
		// Renewals go upstream, and what they get is saved for the next run.
		got, err = p.Retrieve(ctx)
		if err != nil || got.AccessKeyID != "UPSTREAM" || up.calls != 1 {
			t.Fatalf("second Retrieve = %q, %v after %d upstream calls; want upstream's", got.AccessKeyID, err, up.calls)
		}
		if c, ok := c.Lookup("k"); !ok || c.AccessKeyID != "UPSTREAM" {
			t.Fatalf("the cache holds %q, %v; want the renewed keys", c.AccessKeyID, ok)
		}
	})

	t.Run("obtained: the cached entry's, then the upstream call's", func(t *testing.T) {
		c := newCache(t)
		old := fresh("CACHED")
		old.Expires = now.Add(20 * time.Minute)
		if err := c.Put("k", old, now.Add(-40*time.Minute)); err != nil {
			t.Fatal(err)
		}
		p := &Provider{Cache: c, Key: "k", Next: &countingProvider{next: fresh("UPSTREAM")}}
		if got, at, err := p.RetrieveObtained(ctx); err != nil || got.AccessKeyID != "CACHED" || !at.Equal(now.Add(-40*time.Minute)) {
			t.Fatalf("first RetrieveObtained = %q obtained %v, %v; want the cached keys, obtained 40 min ago", got.AccessKeyID, at, err)
		}
		if got, at, err := p.RetrieveObtained(ctx); err != nil || got.AccessKeyID != "UPSTREAM" || !at.Equal(now) {
			t.Fatalf("second RetrieveObtained = %q obtained %v, %v; want upstream's, obtained now", got.AccessKeyID, at, err)
		}
	})

	t.Run("cold cache: upstream, then saved", func(t *testing.T) {
		c := newCache(t)
		up := &countingProvider{next: fresh("UPSTREAM")}
		p := &Provider{Cache: c, Key: "k", Next: up}
		if got, err := p.Retrieve(ctx); err != nil || got.AccessKeyID != "UPSTREAM" || up.calls != 1 {
			t.Fatalf("Retrieve = %q, %v, %d calls", got.AccessKeyID, err, up.calls)
		}
		if _, ok := c.Lookup("k"); !ok {
			t.Fatal("not saved")
		}
	})

	t.Run("stale entry: upstream", func(t *testing.T) {
		c := newCache(t)
		stale := fresh("STALE")
		stale.Expires = now.Add(5 * time.Minute) // inside the refresh window
		if err := c.Put("k", stale, now.Add(-55*time.Minute)); err != nil {
			t.Fatal(err)
		}
		up := &countingProvider{next: fresh("UPSTREAM")}
		p := &Provider{Cache: c, Key: "k", Next: up}
		if got, _ := p.Retrieve(ctx); got.AccessKeyID != "UPSTREAM" {
			t.Fatalf("got %q, want upstream's keys", got.AccessKeyID)
		}
	})

	t.Run("upstream error is returned and nothing saved", func(t *testing.T) {
		c := newCache(t)
		up := &countingProvider{err: errors.New("denied")}
		p := &Provider{Cache: c, Key: "k", Next: up}
		if _, err := p.Retrieve(ctx); err == nil || err.Error() != "denied" {
			t.Fatalf("err = %v", err)
		}
		if _, ok := c.Lookup("k"); ok {
			t.Fatal("something was saved")
		}
	})

	t.Run("a cache that cannot be written is reported, not a failure", func(t *testing.T) {
		blocker := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(blocker, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		c := &Cache{Dir: filepath.Join(blocker, "awsauth"), Now: func() time.Time { return now }}
		var saveErr error
		p := &Provider{Cache: c, Key: "k", Next: &countingProvider{next: fresh("UPSTREAM")}, OnSaveError: func(err error) { saveErr = err }}
		if got, err := p.Retrieve(ctx); err != nil || got.AccessKeyID != "UPSTREAM" {
			t.Fatalf("Retrieve = %q, %v", got.AccessKeyID, err)
		}
		if saveErr == nil {
			t.Fatal("the failed save was not reported")
		}
	})
}
