package credcache

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/credfile"
	"github.com/awsauth/awsauth/internal/renewal"
)

// FuzzLookup reads arbitrary bytes as a cache entry at an arbitrary time.
// Whatever another process or a disk error left in the file, Lookup never
// panics and never hands out credentials without both keys, or ones already
// inside their refresh window: credential-process would print them, and
// the caller would fail or refresh on every call.
func FuzzLookup(f *testing.F) {
	base := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, offset int64) {
		now := base.Add(time.Duration(offset))
		c := &Cache{Dir: t.TempDir(), Now: func() time.Time { return now }}
		if err := os.WriteFile(c.path("fp"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		creds, ok := c.Lookup("fp")
		if !ok {
			if creds.HasKeys() {
				t.Fatalf("a miss returned keys: %+v", creds)
			}
			return
		}
		var e credfile.Entry
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("a hit from a file that is not an entry (%v): %q", err, data)
		}
		if !creds.HasKeys() {
			t.Fatalf("a hit without both keys: id %q, secret %d bytes", creds.AccessKeyID, len(creds.SecretAccessKey))
		}
		if !creds.CanExpire || !creds.Expires.Equal(e.Expiration) {
			t.Fatalf("a hit with expiry %v (can expire %t), the file says %v", creds.Expires, creds.CanExpire, e.Expiration)
		}
		left, window := creds.Expires.Sub(now), renewal.Window(e.Obtained, e.Expiration)
		if left <= 0 || left <= window {
			t.Fatalf("a hit at %v with %v left, inside the refresh window of %v (obtained %v, expires %v)", now, left, window, e.Obtained, e.Expiration)
		}
	})
}
