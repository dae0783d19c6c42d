package doctor

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/logintoken"
	"github.com/awsauth/awsauth/internal/ssotoken"
	"github.com/awsauth/awsauth/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// now is the fixed clock of the unit tests.
var now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// Keys are built at run time so that no scanner (ours included) finds a
// key with its secret in this repository.
var (
	plantedKeyID  = "AKIA" + "Q3EGRLZ5XN4TWJ7K"
	plantedSecret = "Zq8" + strings.Repeat("aB3/", 9) + "x"
)

// fixture is a sealed HOME, a CDK app directory and the environment a
// check runs with.
type fixture struct {
	t    *testing.T
	home *testenv.Env
	dir  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, home: testenv.SealedEnv(t), dir: t.TempDir()}
	f.home.Vars["AWS_REGION"] = "eu-west-1"
	return f
}

func (f *fixture) set(kv ...string) *fixture {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(f.home.Vars, kv[i])
			continue
		}
		f.home.Vars[kv[i]] = kv[i+1]
	}
	return f
}

func (f *fixture) config(text string) *fixture      { f.home.WriteConfig(f.t, text); return f }
func (f *fixture) credentials(text string) *fixture { f.home.WriteCredentials(f.t, text); return f }

// file writes text to rel under the app directory.
func (f *fixture) file(rel, text string) *fixture {
	f.t.Helper()
	p := filepath.Join(f.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		f.t.Fatal(err)
	}
	return f
}

// ssoToken caches an SSO token for key that expires after life.
func (f *fixture) ssoToken(key string, life time.Duration, refreshable bool) *fixture {
	f.t.Helper()
	tok := map[string]any{
		"startUrl": "https://example.awsapps.com/start", "region": "eu-west-1",
		"accessToken": "ssoAccessTokenValue", "expiresAt": now.Add(life).Format(time.RFC3339),
	}
	if refreshable {
		tok["refreshToken"], tok["clientId"], tok["clientSecret"] = "refresh", "client", "clientsecret"
	}
	data, _ := json.Marshal(tok)
	f.home.WriteFile(f.t, mustRel(f.t, f.home.Home, ssotoken.CachePath(f.home.Home, key)), string(data), 0o600)
	return f
}

// loginToken caches an aws login sign-in of session made signedIn before
// now (no id token when signedIn is negative), with credentials that
// expire after life.
func (f *fixture) loginToken(session string, signedIn, life time.Duration) *fixture {
	f.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.t.Fatal(err)
	}
	der, _ := x509.MarshalECPrivateKey(key)
	tok := map[string]any{
		"accessToken": map[string]string{"accessKeyId": "ASIALOGINKEY00000000", "secretAccessKey": "s", "sessionToken": "t",
			"accountId": "111111111111", "expiresAt": now.Add(life).Format(time.RFC3339)},
		"tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "r",
		"dpopKey": string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})),
	}
	if signedIn >= 0 {
		claims, _ := json.Marshal(map[string]any{"sub": session, "iat": now.Add(-signedIn).Unix(), "auth_time": now.Add(-signedIn).Unix()})
		tok["idToken"] = "eyJhbGciOiJFUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(claims) + ".sig"
	}
	data, _ := json.Marshal(tok)
	f.home.WriteFile(f.t, mustRel(f.t, f.home.Home, logintoken.Path(filepath.Join(f.home.Home, ".aws", "login", "cache"), session)), string(data), 0o600)
	return f
}

func mustRel(t *testing.T, base, p string) string {
	r, err := filepath.Rel(base, p)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(r)
}

func (f *fixture) env(mods ...func(*Env)) *Env {
	e := &Env{
		Lookup:     f.home.Lookup,
		Now:        func() time.Time { return now },
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Dir:        f.dir,
		Offline:    true,
		GOOS:       "linux",
	}
	for _, m := range mods {
		m(e)
	}
	return e
}

func online(e *Env)      { e.Offline = false }
func interactive(e *Env) { e.Interactive = true }
func during(d time.Duration) func(*Env) {
	return func(e *Env) { e.Expect.Duration = d }
}
func expectAccount(a string) func(*Env) {
	return func(e *Env) { e.Expect.Account, e.Expect.AccountFrom = a, "--expect-account" }
}
func clock(t time.Time) func(*Env) {
	return func(e *Env) { e.Now = func() time.Time { return t } }
}

// want runs c on e and checks the status and that detail and fix contain
// the given parts.
func want(t *testing.T, c Check, e *Env, st Status, parts ...string) Result {
	t.Helper()
	r := Run(context.Background(), e, []Check{c})[0]
	if r.Status != st {
		t.Fatalf("%s: status %s, want %s\ndetail: %s\nfix: %s", c.ID, r.Status, st, r.Detail, r.Fix)
	}
	for _, p := range parts {
		if !strings.Contains(r.Detail+"\n"+r.Fix, p) {
			t.Errorf("%s: %q not in\ndetail: %s\nfix: %s", c.ID, p, r.Detail, r.Fix)
		}
	}
	if (st == Warn || st == Fail) && r.Fix == "" {
		t.Errorf("%s: %s without a fix", c.ID, st)
	}
	if r.Detail == "" {
		t.Errorf("%s: no detail", c.ID)
	}
	for _, secret := range []string{plantedSecret, "ssoAccessTokenValue", "wJalrXUtnFEMI"} {
		if strings.Contains(r.Detail+r.Fix, secret) {
			t.Errorf("%s: the result carries a secret: %+v", c.ID, r)
		}
	}
	return r
}

// stsFake answers GetCallerIdentity for account with its Date header at
// date, or refuses with code.
type stsFake struct {
	account string
	date    time.Time
	code    string
}

func (s stsFake) start(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.date.IsZero() {
			w.Header().Set("Date", s.date.UTC().Format(http.TimeFormat))
		}
		w.Header().Set("Content-Type", "text/xml")
		if s.code != "" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>refused by the fake</Message></Error><RequestId>r</RequestId></ErrorResponse>`, s.code)
			return
		}
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
<Arn>arn:aws:iam::%[1]s:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>%[1]s</Account>
</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, s.account)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

const staticCredentials = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"

// chmod sets a file's mode, failing the test on error.
func chmod(t *testing.T, p string, m fs.FileMode) {
	t.Helper()
	if err := os.Chmod(p, m); err != nil {
		t.Fatal(err)
	}
}
