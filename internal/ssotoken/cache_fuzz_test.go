package ssotoken

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzRead reads arbitrary bytes as an SSO cache file, and as a bare
// timestamp. Nothing panics, a bad file is a CorruptError, and no error or
// String() repeats a token-like string of the input: the file holds access
// and refresh tokens and a client secret.
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "0123abcd.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		tok, err := Read(path)
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Read: %T %v, want a CorruptError", err, err)
			}
			if ce.Path != path {
				t.Fatalf("CorruptError names %q, not %q", ce.Path, path)
			}
			if leak := leakedRun(data, strings.ReplaceAll(err.Error(), path, "")); leak != "" {
				t.Fatalf("CorruptError repeats %q from the input: %v", leak, err)
			}
		} else {
			if tok == nil {
				t.Fatal("Read returned neither a token nor an error")
			}
			s := tok.String()
			for _, secret := range []string{tok.AccessToken, tok.RefreshToken, tok.ClientSecret} {
				if len(secret) >= 8 && strings.Contains(s, secret) && !strings.Contains(tok.StartURL, secret) {
					t.Fatalf("String() shows a secret: %q", s)
				}
			}
			tok.Valid(time.Now())
			tok.Refreshable()
		}

		var ts Timestamp
		if err := json.Unmarshal(data, &ts); err != nil {
			return
		}
		if y := ts.UTC().Year(); y < 1 || y > 9999 {
			// Outside what RFC 3339 can write back.
			return
		}
		out, err := json.Marshal(ts)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", ts.Time, err)
		}
		var back Timestamp
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s does not read back: %v", out, err)
		}
		if want := ts.Truncate(time.Second); !back.Equal(want) {
			t.Fatalf("%q read back as %v, want %v", data, back.Time, want)
		}
	})
}

// tokenFieldNames are the words an error may repeat although the input has
// them too: the cache's field names and the names of JSON value kinds.
var tokenFieldNames = []string{
	"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret",
	"registrationExpiresAt", "refreshToken", "Timestamp", "ssotoken", "string",
	"number", "object", "array", "bool", "malformed",
}

// leakedRun returns the first token-like run of the input (8 or more
// characters of the base64 and base64url alphabets, with a letter in it,
// that is not a JSON number or a field name) that msg contains, or "".
func leakedRun(data []byte, msg string) string {
	isTok := func(c byte) bool {
		return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=' || c == '_' || c == '-'
	}
	for i := 0; i < len(data); {
		if !isTok(data[i]) {
			i++
			continue
		}
		j := i
		for j < len(data) && isTok(data[j]) {
			j++
		}
		run := string(data[i:j])
		i = j
		if len(run) < 8 || !strings.ContainsAny(strings.ToLower(run), "abcdefghijklmnopqrstuvwxyz") {
			continue
		}
		if _, err := strconv.ParseFloat(run, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			continue
		}
		known := false
		for _, w := range tokenFieldNames {
			if strings.Contains(w, run) {
				known = true
			}
		}
		if !known && strings.Contains(msg, run) {
			return run
		}
	}
	return ""
}
