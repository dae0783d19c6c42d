package ssotoken

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
)

// TestCachePathMatchesSDK: the file we look at is the one the SDK (and the
// AWS CLI v2, which names it the same way) reads and writes.
func TestCachePathMatchesSDK(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home) // the SDK's home on Windows
	for _, key := range []string{"corp", "https://example.awsapps.com/start", "my session"} {
		want, err := ssocreds.StandardCachedTokenFilepath(key)
		if err != nil {
			t.Fatal(err)
		}
		if got := CachePath(home, key); got != want {
			t.Errorf("CachePath(%q) = %s, SDK says %s", key, got, want)
		}
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"startUrl":"https://x.awsapps.com/start","region":"us-east-1","accessToken":"tok-SECRET","expiresAt":"2030-01-02T03:04:05Z","refreshToken":"ref-SECRET","clientId":"c","clientSecret":"cs-SECRET","registrationExpiresAt":"2030-03-01T00:00:00Z"}`), 0o600)
	tok, err := Read(good)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Refreshable() || !tok.Valid(time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)) || tok.Valid(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("token state wrong: %+v", tok)
	}
	if s := tok.String(); strings.Contains(s, "SECRET") {
		t.Errorf("String() shows a secret: %s", s)
	}

	corrupt := filepath.Join(dir, "corrupt.json")
	os.WriteFile(corrupt, []byte(`{"accessToken":"tok-SECRET", "expiresAt": `), 0o600)
	_, err = Read(corrupt)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Path != corrupt {
		t.Fatalf("got %T %v", err, err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error quotes the file: %v", err)
	}

	wrongType := filepath.Join(dir, "type.json")
	os.WriteFile(wrongType, []byte(`{"accessToken": 12, "expiresAt": "tok-SECRET"}`), 0o600)
	if _, err := Read(wrongType); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("wrong types: %v", err)
	}

	_, err = Read(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
}
