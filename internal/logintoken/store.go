package logintoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/awsauth/awsauth/internal/atomicfile"
)

// Store is an aws login cache directory shared with the AWS CLI and the
// SDKs.
type Store struct {
	Dir string
}

// Path is the cache file of session.
func (s *Store) Path(session string) string { return Path(s.Dir, session) }

// Read reads the token cached for session.
func (s *Store) Read(session string) (*Token, error) { return Read(s.Path(session)) }

// Write replaces the token cached for session, keeping any fields the file
// has that awsauth does not know (another tool may have put them there).
func (s *Store) Write(session string, t *Token) error {
	path := s.Path(session)
	fields := map[string]json.RawMessage{}
	if old, err := os.ReadFile(path); err == nil {
		// A corrupt file is replaced whole.
		if json.Unmarshal(old, &fields) != nil {
			fields = map[string]json.RawMessage{}
		}
	}
	if t.AccessToken != nil {
		// The credentials object is merged too: a tool may keep more
		// in it than the SDKs read.
		inner := map[string]json.RawMessage{}
		if raw, ok := fields["accessToken"]; ok && json.Unmarshal(raw, &inner) != nil {
			inner = map[string]json.RawMessage{}
		}
		if err := mergeInto(inner, t.AccessToken); err != nil {
			return err
		}
		b, err := json.Marshal(inner)
		if err != nil {
			return err
		}
		fields["accessToken"] = b
	} else {
		delete(fields, "accessToken")
	}
	top := *t
	top.AccessToken = nil
	for _, k := range []string{"tokenType", "clientId", "refreshToken", "idToken", "dpopKey"} {
		delete(fields, k)
	}
	if err := mergeInto(fields, &top); err != nil {
		return err
	}
	out, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, out)
}

// mergeInto sets the JSON fields of v in fields.
func mergeInto(fields map[string]json.RawMessage, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var ours map[string]json.RawMessage
	if err := json.Unmarshal(data, &ours); err != nil {
		return err
	}
	for k, val := range ours {
		fields[k] = val
	}
	return nil
}

// Delete removes the token cached for session; a missing file is fine.
func (s *Store) Delete(session string) error {
	if err := os.Remove(s.Path(session)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Lock takes the cross-process lock on session's token, waiting until ctx
// ends. Hold it around a read-modify-write of the token (a renewal, the
// write at the end of a sign-in): never longer than one request.
func (s *Store) Lock(ctx context.Context, session string) (unlock func(), err error) {
	return s.lock(ctx, session, ".lock")
}

// LoginLock makes concurrent sign-ins to session one browser flow. A
// sign-in holds it while the person approves, which may take minutes, so
// it is a lock of its own: renewals and reads never wait on it.
func (s *Store) LoginLock(ctx context.Context, session string) (unlock func(), err error) {
	return s.lock(ctx, session, ".login.lock")
}

func (s *Store) lock(ctx context.Context, session, suffix string) (unlock func(), err error) {
	name := strings.TrimSuffix(filepath.Base(s.Path(session)), ".json")
	unlock, err = atomicfile.Lock(ctx, filepath.Join(s.Dir, ".awsauth-"+name+suffix))
	if err != nil {
		return nil, fmt.Errorf("lock the aws login cache of %s: %w", session, err)
	}
	return unlock, nil
}
