// Package credcache is the file cache behind `awsauth credential-process`,
// `awsauth export` and `awsauth exec`: one JSON file per profile fingerprint under
// ${XDG_CACHE_HOME:-~/.cache}/awsauth, 0600 in a 0700 directory, written
// atomically, and filled under a cross-process lock so that many parallel
// callers on a cold cache cause a single upstream fetch. The file format
// and naming are internal/credfile's.
package credcache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/gofrs/flock"

	"github.com/awsauth/awsauth/internal/atomicfile"
	"github.com/awsauth/awsauth/internal/credfile"
)

// Cache is a directory of cached credentials.
type Cache struct {
	Dir string
	Now func() time.Time
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache) path(fp string) string { return credfile.Path(c.Dir, fp) }

// Lookup returns cached credentials for fp that are still fresh by the
// renewal rule, without touching the network.
func (c *Cache) Lookup(fp string) (aws.Credentials, bool) {
	creds, _, ok := c.lookup(fp)
	return creds, ok
}

// lookup is Lookup, also telling when the credentials were obtained (zero:
// the entry does not say).
func (c *Cache) lookup(fp string) (aws.Credentials, time.Time, bool) {
	e, ok := credfile.Lookup(c.Dir, fp, c.now())
	if !ok {
		return aws.Credentials{}, time.Time{}, false
	}
	return aws.Credentials{AccessKeyID: e.AccessKeyID, SecretAccessKey: e.SecretAccessKey, SessionToken: e.SessionToken,
		CanExpire: true, Expires: e.Expiration, AccountID: e.AccountID, Source: "awsauth-cache"}, e.Obtained, true
}

// Get returns fresh cached credentials for fp, or fetches them under the
// lock. Callers that waited for the lock take what the first one fetched.
// Credentials that never expire are returned but not cached: there is
// nothing to save, and keys would sit in one more file.
func (c *Cache) Get(ctx context.Context, fp string, fetch func(context.Context) (aws.Credentials, error)) (aws.Credentials, bool, error) {
	if creds, ok := c.Lookup(fp); ok {
		return creds, true, nil
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return aws.Credentials{}, false, fmt.Errorf("create cache directory: %w", err)
	}
	lock := flock.New(c.path(fp) + ".lock")
	ok, err := lock.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		if err == nil {
			err = ctx.Err()
		}
		return aws.Credentials{}, false, fmt.Errorf("lock credential cache: %w", err)
	}
	defer lock.Unlock()
	if creds, ok := c.Lookup(fp); ok {
		return creds, true, nil
	}
	obtained := c.now()
	creds, err := fetch(ctx)
	if err != nil {
		return aws.Credentials{}, false, err
	}
	return creds, false, c.Put(fp, creds, obtained)
}

// Put saves creds, obtained at the given time, as the entry for fp,
// replacing it atomically. Credentials that never expire are not saved.
func (c *Cache) Put(fp string, creds aws.Credentials, obtained time.Time) error {
	if !creds.CanExpire || !creds.HasKeys() {
		return nil
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	data, err := credfile.Marshal(credfile.Entry{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
		Expiration: creds.Expires, AccountID: creds.AccountID, Obtained: obtained})
	if err != nil {
		return err
	}
	return atomicfile.Write(c.path(fp), data)
}

// ClearAll removes every cached entry (not the lock files, which hold
// nothing) and returns how many it removed. A missing directory is an empty
// cache.
func (c *Cache) ClearAll() (int, error) {
	paths, err := filepath.Glob(filepath.Join(c.Dir, "creds-*.json"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return n, err
		}
		n++
	}
	return n, nil
}

// Clear removes the entry for fp.
func (c *Cache) Clear(fp string) error {
	if err := os.Remove(c.path(fp)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Provider is the credentials provider of a long-running consumer (awsauth
// exec) that shares the cache with credential-process: its first Retrieve
// is answered from the cache when that holds fresh credentials for Key,
// with no upstream call; every other Retrieve asks Next and saves what it
// gets, for the next run. Saving is best effort: a cache that cannot be
// written is reported through OnSaveError, never as a failed Retrieve.
//
// A keeper asks [Provider.RetrieveObtained], to learn when cached
// credentials were obtained: it then renews them when their fetcher would
// have, not half-way through what is left of them.
type Provider struct {
	Cache       *Cache
	Key         string
	Next        aws.CredentialsProvider
	OnSaveError func(error)

	tried atomic.Bool
}

// Retrieve implements [aws.CredentialsProvider].
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, _, err := p.RetrieveObtained(ctx)
	return c, err
}

// RetrieveObtained is Retrieve, also telling when the credentials were
// obtained from their source: for an answer from the cache, what the entry
// says (zero when it does not), otherwise when the upstream call began.
func (p *Provider) RetrieveObtained(ctx context.Context) (aws.Credentials, time.Time, error) {
	if !p.tried.Swap(true) {
		if c, obtained, ok := p.Cache.lookup(p.Key); ok {
			return c, obtained, nil
		}
	}
	at := p.Cache.now()
	c, err := p.Next.Retrieve(ctx)
	if err != nil {
		return c, time.Time{}, err
	}
	if err := p.Cache.Put(p.Key, c, at); err != nil && p.OnSaveError != nil {
		p.OnSaveError(err)
	}
	return c, at, nil
}
