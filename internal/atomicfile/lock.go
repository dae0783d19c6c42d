package atomicfile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// Lock takes the cross-process lock file path (its directory made 0700 if
// missing), waiting until ctx ends; unlock releases it. Caches that several
// awsauth processes read-modify-write (the SSO and aws login token caches)
// hold one around each change.
func Lock(ctx context.Context, path string) (unlock func(), err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	l := flock.New(path)
	ok, err := l.TryLockContext(ctx, 50*time.Millisecond)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ctx.Err()
	}
	return func() { l.Unlock() }, nil
}
