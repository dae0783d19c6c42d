// Package ssotoken reads (and, for login, writes) the IAM Identity Center
// token cache that the AWS CLI v2 and every AWS SDK share:
// ~/.aws/sso/cache/<sha1 of the sso-session name, or of the start URL for
// legacy profiles>.json.
package ssotoken

import (
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
)

// Token is one cache file. Field names and formats are the AWS CLI v2's.
type Token struct {
	StartURL              string     `json:"startUrl,omitempty"`
	Region                string     `json:"region,omitempty"`
	AccessToken           string     `json:"accessToken,omitempty"`
	ExpiresAt             *Timestamp `json:"expiresAt,omitempty"`
	ClientID              string     `json:"clientId,omitempty"`
	ClientSecret          string     `json:"clientSecret,omitempty"`
	RegistrationExpiresAt *Timestamp `json:"registrationExpiresAt,omitempty"`
	RefreshToken          string     `json:"refreshToken,omitempty"`
}

// String never shows the secrets.
func (t *Token) String() string {
	exp := "never"
	if t.ExpiresAt != nil {
		exp = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("sso token for %s (expires %s, refreshable %t)", t.StartURL, exp, t.Refreshable())
}

// Valid reports whether the access token is present and unexpired at now.
func (t *Token) Valid(now time.Time) bool {
	return t.AccessToken != "" && t.ExpiresAt != nil && now.Before(t.ExpiresAt.Time)
}

// Refreshable reports whether the token can be renewed without a browser:
// it has a refresh token and a client registration that has not expired.
func (t *Token) Refreshable() bool {
	return t.RefreshToken != "" && t.ClientID != "" && t.ClientSecret != ""
}

// CacheKey is what the cache file name hashes: the sso-session name, or for
// a legacy profile, its start URL.
func CacheKey(session, startURL string) string {
	if session != "" {
		return session
	}
	return startURL
}

// CacheDir is ~/.aws/sso/cache under home.
func CacheDir(home string) string { return filepath.Join(home, ".aws", "sso", "cache") }

// CachePath is the cache file for key under home, named as the AWS CLI v2
// and the SDKs name it.
func CachePath(home, key string) string {
	sum := sha1.Sum([]byte(key))
	return filepath.Join(CacheDir(home), strings.ToLower(hex.EncodeToString(sum[:]))+".json")
}

// ErrNotFound means there is no cached token: nobody has logged in.
var ErrNotFound = errors.New("no cached SSO token")

// CorruptError is a cache file that is not the JSON the CLI writes.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("SSO token cache %s is not valid JSON: %v", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Read loads the cache file at path.
func Read(path string) (*Token, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNotFound, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read SSO token cache: %w", err)
	}
	var t Token
	if err := json.Unmarshal(data, &t); err != nil {
		// json errors quote at most a character of the input, never a token.
		return nil, &CorruptError{Path: path, Err: jsonErrorWithoutInput(err)}
	}
	return &t, nil
}

// jsonErrorWithoutInput keeps the position of a syntax error but drops any
// quoted input, which could hold part of a token.
func jsonErrorWithoutInput(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %q has the wrong type (%s)", te.Field, te.Value)
	}
	return errors.New("malformed JSON")
}
