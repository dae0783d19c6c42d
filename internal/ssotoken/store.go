package ssotoken

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsauth/awsauth/internal/atomicfile"
)

// Store is an SSO cache directory shared with the AWS CLI v2 and the SDKs.
// Writes are atomic (temp file + rename), 0600 in a 0700 directory, and
// taken under a per-file lock so racing awsauth processes never interleave.
type Store struct {
	Dir string
}

// NewStore returns the store under home (~/.aws/sso/cache).
func NewStore(home string) *Store { return &Store{Dir: CacheDir(home)} }

// TokenPath is the token file for key (an sso-session name or start URL).
func (s *Store) TokenPath(key string) string { return filepath.Join(s.Dir, hashName(key)) }

// ReadToken reads the token cached for key.
func (s *Store) ReadToken(key string) (*Token, error) { return Read(s.TokenPath(key)) }

// WriteToken replaces the token cached for key, keeping any fields the
// file has that awsauth does not know (another tool may have put them there).
func (s *Store) WriteToken(key string, t *Token) error {
	return s.writeMerged(s.TokenPath(key), t)
}

// DeleteToken removes the token cached for key; a missing file is fine.
func (s *Store) DeleteToken(key string) error { return removeIfExists(s.TokenPath(key)) }

// Lock takes the cross-process lock on key's token, waiting until ctx ends.
// Hold it around a read-modify-write of the token (a refresh, the write at
// the end of a login, a logout): never longer than one request.
func (s *Store) Lock(ctx context.Context, key string) (unlock func(), err error) {
	return s.lock(ctx, key, ".lock")
}

// LoginLock takes the lock that makes concurrent logins to key one device
// flow. A login holds it while the person approves, which may take
// minutes, so it is a lock of its own: renewals and reads never wait on it.
func (s *Store) LoginLock(ctx context.Context, key string) (unlock func(), err error) {
	return s.lock(ctx, key, ".login.lock")
}

func (s *Store) lock(ctx context.Context, key, suffix string) (unlock func(), err error) {
	unlock, err = atomicfile.Lock(ctx, filepath.Join(s.Dir, ".awsauth-"+strings.TrimSuffix(hashName(key), ".json")+suffix))
	if err != nil {
		return nil, fmt.Errorf("lock SSO cache for %s: %w", key, err)
	}
	return unlock, nil
}

// Registration is a cached OIDC client registration, as the AWS CLI v2
// stores it.
type Registration struct {
	ClientID     string    `json:"clientId"`
	ClientSecret string    `json:"clientSecret"`
	ExpiresAt    Timestamp `json:"expiresAt"`
	Scopes       []string  `json:"scopes,omitempty"`
}

// Valid reports whether the registration can still be used at now.
func (r *Registration) Valid(now time.Time) bool {
	return r.ClientID != "" && r.ClientSecret != "" && now.Before(r.ExpiresAt.Time)
}

// RegistrationKey is the name the AWS CLI v2 gives a client registration:
// the SHA-1 of Python's json.dumps(..., sort_keys=True) of these fields, so
// that awsauth and `aws sso login` share one registration.
func RegistrationKey(startURL, region, session string, scopes []string) string {
	var b strings.Builder
	b.WriteString(`{"region": `)
	b.WriteString(pyJSONString(region))
	b.WriteString(`, "scopes": `)
	if scopes == nil {
		b.WriteString("null")
	} else {
		b.WriteString("[")
		for i, s := range scopes {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyJSONString(s))
		}
		b.WriteString("]")
	}
	b.WriteString(`, "session_name": `)
	if session == "" {
		b.WriteString("null")
	} else {
		b.WriteString(pyJSONString(session))
	}
	b.WriteString(`, "startUrl": `)
	b.WriteString(pyJSONString(startURL))
	b.WriteString(`, "tool": "botocore"}`)
	sum := sha1.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// pyJSONString quotes s as Python's json.dumps does (ensure_ascii=True).
func pyJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r < 0x10000):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// RegistrationPath is the file of a registration key.
func (s *Store) RegistrationPath(key string) string { return filepath.Join(s.Dir, key+".json") }

// ReadRegistration reads a cached registration; (nil, nil) when there is none
// or it is unreadable (a registration is cheap to make again).
func (s *Store) ReadRegistration(key string) *Registration {
	data, err := os.ReadFile(s.RegistrationPath(key))
	if err != nil {
		return nil
	}
	var r Registration
	if json.Unmarshal(data, &r) != nil {
		return nil
	}
	return &r
}

// WriteRegistration caches a registration.
func (s *Store) WriteRegistration(key string, r *Registration) error {
	return s.writeMerged(s.RegistrationPath(key), r)
}

// DeleteRegistration removes a cached registration.
func (s *Store) DeleteRegistration(key string) error { return removeIfExists(s.RegistrationPath(key)) }

// writeMerged writes v as JSON to path, over the fields of what is there.
func (s *Store) writeMerged(path string, v any) error {
	fields := map[string]json.RawMessage{}
	if old, err := os.ReadFile(path); err == nil {
		// A corrupt file is replaced whole.
		if json.Unmarshal(old, &fields) != nil {
			fields = map[string]json.RawMessage{}
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var ours map[string]json.RawMessage
	if err := json.Unmarshal(data, &ours); err != nil {
		return err
	}
	for _, k := range ownedFields(v) {
		delete(fields, k)
	}
	for k, val := range ours {
		fields[k] = val
	}
	out, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, out)
}

// ownedFields are the keys of v's type: ones v leaves empty are removed.
func ownedFields(v any) []string {
	switch v.(type) {
	case *Token:
		return []string{"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken"}
	case *Registration:
		return []string{"clientId", "clientSecret", "expiresAt", "scopes"}
	}
	return nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func hashName(key string) string {
	sum := sha1.Sum([]byte(key))
	return hex.EncodeToString(sum[:]) + ".json"
}

// Timestamp is a time in the cache's format: UTC, seconds, "Z"
// ("2026-11-24T18:00:00Z"). It also reads the "...UTC" form some AWS CLI v2
// releases wrote.
type Timestamp struct{ time.Time }

// MarshalJSON writes the CLI's format.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format("2006-01-02T15:04:05Z"))
}

// UnmarshalJSON reads RFC 3339 or the "UTC"-suffixed form.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// ParseTime reads a cache timestamp.
func ParseTime(s string) (time.Time, error) {
	if v, err := time.Parse(time.RFC3339, s); err == nil {
		return v, nil
	}
	if strings.HasSuffix(s, "UTC") {
		if v, err := time.Parse("2006-01-02T15:04:05", strings.TrimSuffix(s, "UTC")); err == nil {
			return v.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is not RFC 3339", s)
}
