// Package logintoken reads, writes and renews the token cache of aws login
// sessions (the console sign-in of the AWS CLI 2.32 and later), which the
// AWS CLI and every AWS SDK share: one JSON file per session under
// AWS_LOGIN_CACHE_DIRECTORY, else ~/.aws/login/cache, named by the SHA-256
// of the profile's login_session value (the signed-in identity's ARN). It
// also signs in itself, with the browser flow the AWS CLI's aws login
// runs ([Flow.Login]), so that awsauth works where the CLI is not
// installed.
//
// # The cache file
//
//	{"accessToken": {"accessKeyId", "secretAccessKey", "sessionToken",
//	  "accountId", "expiresAt": "2026-11-24T18:00:00Z"},
//	 "tokenType": "aws_sigv4", "clientId", "refreshToken", "idToken",
//	 "dpopKey": "-----BEGIN EC PRIVATE KEY-----..."}
//
// The credentials live 15 minutes; the refresh token renews them through
// the sign-in service's CreateOAuth2Token, each request signed with a DPoP
// proof (RFC 9449) by the P-256 key in dpopKey, for up to 12 hours after
// the sign-in. Refresh tokens rotate, so renewals take a lock (two
// processes renewing at once would spend the same token, and the loser
// would see an ended session), and the file is replaced atomically (a
// reader never sees half of it), 0600 in a 0700 directory, keeping any
// field awsauth does not know.
//
// The file does not say when the session ends. The id token, written at
// the sign-in, says when that was; the session ends at most [MaxSession]
// later.
package logintoken

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsauth/awsauth/internal/ssotoken"
)

// MaxSession is the longest an aws login session lasts after the sign-in:
// the credentials are renewed for up to 12 hours.
const MaxSession = 12 * time.Hour

// MaxCredentialLifetime is the longest the credentials of one renewal
// live (the service's expiresIn is at most 900 seconds).
const MaxCredentialLifetime = 15 * time.Minute

// Token is one cache file. Field names and formats are the AWS CLI's.
type Token struct {
	AccessToken  *Credentials `json:"accessToken,omitempty"`
	TokenType    string       `json:"tokenType,omitempty"`
	ClientID     string       `json:"clientId,omitempty"`
	RefreshToken string       `json:"refreshToken,omitempty"`
	IDToken      string       `json:"idToken,omitempty"`
	DPoPKey      string       `json:"dpopKey,omitempty"`
}

// Credentials are the cached short-term credentials.
type Credentials struct {
	AccessKeyID     string              `json:"accessKeyId"`
	SecretAccessKey string              `json:"secretAccessKey"`
	SessionToken    string              `json:"sessionToken"`
	AccountID       string              `json:"accountId"`
	ExpiresAt       *ssotoken.Timestamp `json:"expiresAt"`
}

// String never shows the secrets.
func (t *Token) String() string {
	exp := "never"
	if t.AccessToken != nil && t.AccessToken.ExpiresAt != nil {
		exp = t.AccessToken.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("aws login token (credentials expire %s, refreshable %t)", exp, t.Refreshable())
}

// Expires is when the cached credentials expire; zero when unknown.
func (t *Token) Expires() time.Time {
	if t.AccessToken == nil || t.AccessToken.ExpiresAt == nil {
		return time.Time{}
	}
	return t.AccessToken.ExpiresAt.Time
}

// Valid reports whether the cached credentials are complete and unexpired
// at now.
func (t *Token) Valid(now time.Time) bool {
	c := t.AccessToken
	return c != nil && c.AccessKeyID != "" && c.SecretAccessKey != "" && c.SessionToken != "" &&
		c.ExpiresAt != nil && now.Before(c.ExpiresAt.Time)
}

// Refreshable reports whether the token can renew its credentials without
// a browser: it has a refresh token, the client it was issued to, and the
// key its renewals are signed with.
func (t *Token) Refreshable() bool {
	return t.RefreshToken != "" && t.ClientID != "" && t.key() == nil
}

func (t *Token) key() error {
	_, err := parseKey(t.DPoPKey)
	return err
}

// SignedIn is when the person signed in, from the id token the sign-in
// left (auth_time, else iat); false when the cache does not say (no id
// token: some SDKs drop it when they renew).
func (t *Token) SignedIn() (time.Time, bool) {
	c, ok := parseClaims(t.IDToken)
	if !ok {
		return time.Time{}, false
	}
	switch {
	case c.AuthTime > 0:
		return time.Unix(c.AuthTime, 0).UTC(), true
	case c.IssuedAt > 0:
		return time.Unix(c.IssuedAt, 0).UTC(), true
	}
	return time.Time{}, false
}

// SessionEnds is the latest the session can end: [MaxSession] after the
// sign-in. It may end sooner (a password change, a revocation, a shorter
// console session). False when the sign-in time is unknown.
func (t *Token) SessionEnds() (time.Time, bool) {
	at, ok := t.SignedIn()
	if !ok {
		return time.Time{}, false
	}
	return at.Add(MaxSession), true
}

// Subject is the signed-in identity the id token names (the login_session
// the AWS CLI writes into the profile); "" when there is no id token.
func (t *Token) Subject() string {
	c, _ := parseClaims(t.IDToken)
	return c.Subject
}

// idClaims are the id token claims awsauth reads. The token's signature is
// not checked: it came from the cache, and only says when and who.
type idClaims struct {
	Subject  string `json:"sub"`
	IssuedAt int64  `json:"iat"`
	AuthTime int64  `json:"auth_time"`
}

func parseClaims(jwt string) (idClaims, bool) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return idClaims{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return idClaims{}, false
	}
	var c idClaims
	if json.Unmarshal(b, &c) != nil {
		return idClaims{}, false
	}
	return c, true
}

// Path is the cache file of session under dir, named as the AWS CLI and
// the SDKs name it: the hex SHA-256 of the trimmed login_session value.
func Path(dir, session string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(session)))
	return filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
}

// ErrNotFound means there is no cached token: nobody has signed in.
var ErrNotFound = errors.New("no cached aws login token")

// CorruptError is a cache file that is not the JSON the CLI writes.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("the aws login cache %s is not valid JSON: %v", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// IncompleteError is a cache file that lacks what renewing needs.
type IncompleteError struct {
	Path    string
	Missing string
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("the aws login cache %s lacks %s", e.Path, e.Missing)
}

// Read loads the cache file at path and checks that it holds what the
// SDKs need: the credentials, the refresh token, the client and the key.
func Read(path string) (*Token, error) {
	t, _, err := readFile(path)
	return t, err
}

func readFile(path string) (*Token, time.Time, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, time.Time{}, fmt.Errorf("%w at %s", ErrNotFound, path)
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read aws login cache: %w", err)
	}
	var mod time.Time
	if st, err := os.Stat(path); err == nil {
		mod = st.ModTime()
	}
	var t Token
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, mod, &CorruptError{Path: path, Err: jsonErrorWithoutInput(err)}
	}
	if t.IDToken == "" {
		// The Go SDK renames the field when it rewrites the file.
		var alt struct {
			IdentityToken string `json:"identityToken"`
		}
		_ = json.Unmarshal(data, &alt)
		t.IDToken = alt.IdentityToken
	}
	if m := t.missing(); m != "" {
		return &t, mod, &IncompleteError{Path: path, Missing: m}
	}
	return &t, mod, nil
}

// missing names what the file lacks, as the SDKs check it; "" when
// nothing.
func (t *Token) missing() string {
	c := t.AccessToken
	switch {
	case c == nil:
		return "accessToken"
	case c.AccessKeyID == "":
		return "accessToken.accessKeyId"
	case c.SecretAccessKey == "":
		return "accessToken.secretAccessKey"
	case c.SessionToken == "":
		return "accessToken.sessionToken"
	case c.AccountID == "":
		return "accessToken.accountId"
	case c.ExpiresAt == nil:
		return "accessToken.expiresAt"
	case t.ClientID == "":
		return "clientId"
	case t.RefreshToken == "":
		return "refreshToken"
	case t.DPoPKey == "":
		return "dpopKey"
	case t.key() != nil:
		return "a dpopKey that is an EC private key (PEM)"
	}
	return ""
}

// parseKey reads the DPoP key as the SDKs store it: PEM, SEC 1.
func parseKey(p string) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, errors.New("dpopKey is not PEM")
	}
	return x509.ParseECPrivateKey(block.Bytes)
}

// jsonErrorWithoutInput keeps the position of a syntax error but drops any
// quoted input, which could hold part of a secret.
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
