// Package credfile is the on-disk side of awsauth's credential cache, and
// nothing of the AWS SDK: where entries live and how they are named, what
// one holds and when it is fresh, and the credential_process JSON printed
// from one. internal/credcache builds the locked, fetching cache on it.
//
// It stays free of the SDK on purpose. Go initialises packages in import
// path order as soon as their own imports are ready, so a package that
// imports only the standard library and this one is set up before the
// SDK's (which wait for net/http). [Answer] is called from such a package's
// init in cmd/awsauth: a warm credential-process, which SDKs run before
// every client they build, is answered without paying for the SDK's
// package set-up, more than half of the process's time otherwise.
package credfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsauth/awsauth/internal/awspath"
	"github.com/awsauth/awsauth/internal/renewal"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// Dir is where the cache lives for a home and XDG_CACHE_HOME.
func Dir(home, xdgCacheHome string) string {
	if xdgCacheHome != "" {
		return filepath.Join(xdgCacheHome, "awsauth")
	}
	return filepath.Join(home, ".cache", "awsauth")
}

// DirFor is the cache directory for an environment.
func DirFor(env sysenv.Env) string {
	return Dir(awspath.Home(env), env.Get("XDG_CACHE_HOME"))
}

// Path is the file of the entry fp in dir.
func Path(dir, fp string) string { return filepath.Join(dir, "creds-"+fp+".json") }

// Fingerprint names a cache entry. Every input that could change which
// credentials come out goes in: the profile, the bytes of the shared files,
// and the relevant environment.
func Fingerprint(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// fingerprintEnv are the variables that change which credentials a profile
// resolves to.
var fingerprintEnv = []string{
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO",
}

// Key fingerprints a request without resolving it: the profile (the
// --profile flag, "" when not given), the shared files' bytes and the
// environment that matters. Reading two small files is all it costs.
func Key(profile string, env sysenv.Env) string {
	files := awspath.Locate(env)
	cfg, _ := os.ReadFile(files.Config)
	creds, _ := os.ReadFile(files.Credentials)
	parts := [][]byte{[]byte(profile), []byte(files.Config), cfg, []byte(files.Credentials), creds}
	for _, k := range fingerprintEnv {
		parts = append(parts, []byte(k+"="+env.Get(k)))
	}
	return Fingerprint(parts...)
}

// Entry is one cached set of credentials.
type Entry struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	SessionToken    string    `json:"SessionToken,omitempty"`
	Expiration      time.Time `json:"Expiration"`
	AccountID       string    `json:"AccountId,omitempty"`
	// Obtained is when the credentials were fetched from their source (as
	// the fetch began), so that whoever reads the entry measures their
	// lifetime as the fetcher did, and renews them at the same moment
	// (internal/renewal). A file without it (the format is awsauth's own:
	// no other tool reads or writes it, but a hand-made or damaged entry
	// may lack it) decodes to the zero time, "obtained at an unknown
	// time", which the rule meets with its widest window, 15 minutes:
	// never served later than the rule would for any lifetime.
	Obtained time.Time `json:"Obtained"`
}

// Lookup returns the entry fp in dir if it holds keys and is still fresh at
// now by the renewal rule ([renewal.Fresh]). A missing, unreadable or
// corrupt file is a miss.
func Lookup(dir, fp string, now time.Time) (Entry, bool) {
	data, err := os.ReadFile(Path(dir, fp))
	if err != nil {
		return Entry{}, false
	}
	var e Entry
	if json.Unmarshal(data, &e) != nil || e.AccessKeyID == "" || e.SecretAccessKey == "" {
		return Entry{}, false
	}
	if !renewal.Fresh(e.Obtained, e.Expiration, now) {
		return Entry{}, false
	}
	return e, true
}

// Marshal is the file form of e.
func Marshal(e Entry) ([]byte, error) {
	e.Expiration, e.Obtained = e.Expiration.UTC(), e.Obtained.UTC()
	return json.Marshal(e)
}

// ProcessOutput is the credential_process JSON (Version 1).
type ProcessOutput struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
	AccountID       string `json:"AccountId,omitempty"`
}

// NewProcessOutput is the output for keys that expire at expires (zero:
// never).
func NewProcessOutput(accessKeyID, secretAccessKey, sessionToken, accountID string, expires time.Time) ProcessOutput {
	out := ProcessOutput{Version: 1, AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey, SessionToken: sessionToken, AccountID: accountID}
	if !expires.IsZero() {
		out.Expiration = expires.UTC().Format("2006-01-02T15:04:05Z")
	}
	return out
}

// JSON is the one line credential-process prints.
func (p ProcessOutput) JSON() ([]byte, error) {
	var b bytes.Buffer
	err := json.NewEncoder(&b).Encode(p)
	return b.Bytes(), err
}

// Answer answers "credential-process [--profile P]" (args without the
// program name) from the cache alone, when it holds fresh credentials for
// that request: it writes the payload to out in one write and reports
// handled. Any other arguments, or a miss, are not handled, and nothing is
// written: the whole command takes them. The answer is the same bytes the
// whole command prints for the same entry.
func Answer(args []string, env sysenv.Env, now time.Time, out io.Writer) (handled bool, err error) {
	if len(args) == 0 || args[0] != "credential-process" {
		return false, nil
	}
	profile := ""
	switch rest := args[1:]; {
	case len(rest) == 0:
	case len(rest) == 2 && rest[0] == "--profile" && rest[1] != "" && rest[1][0] != '-':
		profile = rest[1]
	case len(rest) == 1 && strings.HasPrefix(rest[0], "--profile=") && len(rest[0]) > len("--profile="):
		profile = strings.TrimPrefix(rest[0], "--profile=")
	default:
		return false, nil
	}
	e, ok := Lookup(DirFor(env), Key(profile, env), now)
	if !ok {
		return false, nil
	}
	b, err := NewProcessOutput(e.AccessKeyID, e.SecretAccessKey, e.SessionToken, e.AccountID, e.Expiration).JSON()
	if err != nil {
		return true, err
	}
	_, err = out.Write(b)
	return true, err
}
