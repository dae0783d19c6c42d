package logintoken_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/logintoken"
	"github.com/awsauth/awsauth/internal/ssotoken"
)

const deployer = "arn:aws:iam::111111111111:user/deployer"

func startFake(t *testing.T, opts awsfake.Options) *awsfake.Server {
	t.Helper()
	srv, err := awsfake.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func signinClient(srv *awsfake.Server) *signin.Client {
	return signin.NewFromConfig(aws.Config{Region: "us-east-1"}, func(o *signin.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
}

func newFlow(t *testing.T, srv *awsfake.Server) *logintoken.Flow {
	return &logintoken.Flow{API: signinClient(srv), Store: &logintoken.Store{Dir: filepath.Join(t.TempDir(), "login", "cache")}}
}

// browse plays the browser: it opens the redirect the person's approval
// leads to.
func browse(t *testing.T, u string) string {
	resp, err := http.Get(u)
	if err != nil {
		t.Errorf("browser: %v", err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func callerARN(t *testing.T, srv *awsfake.Server, id, secret, token string) string {
	t.Helper()
	c := sts.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, token)},
		func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	out, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return aws.ToString(out.Arn)
}

// TestPathIsTheSDKs: the file awsauth reads and writes is the one the
// SDKs read, for values with stray spaces too.
func TestPathIsTheSDKs(t *testing.T) {
	for _, s := range []string{deployer, "  " + deployer + "\t", "arn:aws:sts::111111111111:assumed-role/Admin/alice"} {
		want, err := logincreds.StandardCachedTokenFilepath(s, "/d")
		if err != nil {
			t.Fatal(err)
		}
		if got := logintoken.Path("/d", s); got != want {
			t.Errorf("Path(%q) = %s, the SDK reads %s", s, got, want)
		}
	}
}

// TestLoginThroughTheBrowser signs in the way a person does: the
// authorization page is allowed, the browser comes back to awsauth's
// loopback listener, and the code buys a token that is cached in the AWS
// CLI's format (0600 in 0700, the CLI's fields) where the Go SDK's own
// provider reads it, renews it (with the DPoP key awsauth made) and hands
// out credentials STS accepts.
func TestLoginThroughTheBrowser(t *testing.T) {
	srv := startFake(t, awsfake.Options{})
	f := newFlow(t, srv)
	var shown []string
	res, err := f.Login(t.Context(), logintoken.LoginOptions{
		Endpoint: srv.URL(),
		Session:  deployer,
		Prompt: func(u string) {
			shown = append(shown, u)
			go func() {
				next, err := srv.Authorize(u)
				if err != nil {
					t.Errorf("authorize %s: %v", u, err)
					return
				}
				if page := browse(t, next); !strings.Contains(page, "Signed in. You can close this window") {
					t.Errorf("callback page: %s", page)
				}
			}()
		},
	})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if len(shown) != 1 || !strings.HasPrefix(shown[0], srv.URL()+"/v1/authorize?") || !strings.Contains(shown[0], "redirect_uri=http%3A%2F%2F127.0.0.1%3A") {
		t.Errorf("shown %v", shown)
	}
	if res.Session != deployer || res.Reused {
		t.Errorf("session %q reused %v", res.Session, res.Reused)
	}
	path := f.Store.Path(deployer)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v", st.Mode().Perm())
	}
	if dst, _ := os.Stat(filepath.Dir(path)); dst.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode %v", dst.Mode().Perm())
	}
	var raw map[string]any
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"accessToken", "tokenType", "clientId", "refreshToken", "idToken", "dpopKey"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("cache lacks %q: %s", k, keys(raw))
		}
	}
	if len(raw) != 6 {
		t.Errorf("cache has fields %s, want the CLI's six", keys(raw))
	}
	at := raw["accessToken"].(map[string]any)
	if len(at) != 5 || at["accountId"] != "111111111111" || !strings.HasSuffix(at["expiresAt"].(string), "Z") || len(at["expiresAt"].(string)) != 20 {
		t.Errorf("accessToken %v", keys(at))
	}
	if raw["clientId"] != logintoken.ClientSameDevice || raw["tokenType"] != "aws_sigv4" || !strings.HasPrefix(raw["dpopKey"].(string), "-----BEGIN EC PRIVATE KEY-----\n") {
		t.Errorf("clientId %v tokenType %v", raw["clientId"], raw["tokenType"])
	}
	if ends, ok := res.Token.SessionEnds(); !ok || time.Until(ends) < 11*time.Hour+59*time.Minute {
		t.Errorf("session ends %v %v, want 12h from now", ends, ok)
	}

	// The Go SDK reads it: as it is, then renewed with our key.
	client := signinClient(srv)
	creds, err := logincreds.New(client, path).Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != res.Token.AccessToken.AccessKeyID || creds.AccountID != "111111111111" {
		t.Fatalf("the SDK read %v, %v", creds.AccessKeyID, err)
	}
	tok, _ := f.Store.Read(deployer)
	tok.AccessToken.ExpiresAt = &ssotoken.Timestamp{Time: time.Now().Add(-time.Minute)}
	if err := f.Store.Write(deployer, tok); err != nil {
		t.Fatal(err)
	}
	creds, err = logincreds.New(client, path).Retrieve(context.Background())
	if err != nil {
		t.Fatalf("the SDK renewing awsauth's sign-in: %v", err)
	}
	if creds.AccessKeyID == res.Token.AccessToken.AccessKeyID {
		t.Errorf("the SDK did not renew")
	}
	if arn := callerARN(t, srv, creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken); arn != deployer {
		t.Errorf("renewed keys are %s", arn)
	}

	// Signing in again (the person asked for it) replaces the token.
	if _, err := f.Login(t.Context(), logintoken.LoginOptions{Endpoint: srv.URL(), Session: deployer, Prompt: func(u string) {
		go func() {
			next, _ := srv.Authorize(u)
			browse(t, next)
		}()
	}}); err != nil {
		t.Fatalf("second login: %v", err)
	}
}

func keys(m map[string]any) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, ",")
}

// TestLoginRemote: the cross-device sign-in; the person pastes the code the
// browser page shows (here, from the fake's confirmation page).
func TestLoginRemote(t *testing.T) {
	srv := startFake(t, awsfake.Options{})
	f := newFlow(t, srv)
	pasted := make(chan string, 1)
	res, err := f.Login(t.Context(), logintoken.LoginOptions{
		Endpoint: srv.URL(), Remote: true,
		Prompt: func(u string) {
			if !strings.Contains(u, "client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fcross-device") {
				t.Errorf("remote sign-in with %s", u)
			}
			next, err := srv.Authorize(u)
			if err != nil {
				t.Errorf("authorize: %v", err)
				return
			}
			page := browse(t, next)
			_, code, _ := strings.Cut(page, "Enter this authorization code in your terminal: ")
			pasted <- strings.Fields(strings.SplitN(code, "<", 2)[0])[0] + "\n"
		},
		ReadCode: func(ctx context.Context) (string, error) {
			select {
			case c := <-pasted:
				return c, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatalf("remote login: %v", err)
	}
	if res.Token.ClientID != logintoken.ClientCrossDevice || res.Session != deployer {
		t.Errorf("client %s session %s", res.Token.ClientID, res.Session)
	}

	// A code of another sign-in, or no code at all, is refused.
	for _, bad := range []string{base64.StdEncoding.EncodeToString([]byte("state=other&code=x")), "not base64!"} {
		_, err := f.Login(t.Context(), logintoken.LoginOptions{Endpoint: srv.URL(), Remote: true, Prompt: func(string) {},
			ReadCode: func(context.Context) (string, error) { return bad, nil }})
		var le *logintoken.LoginError
		if !errors.As(err, &le) {
			t.Errorf("pasted %q: %v", bad, err)
		}
	}
}

// TestLoginDenied: the person refuses; nothing is written.
func TestLoginDenied(t *testing.T) {
	srv := startFake(t, awsfake.Options{})
	f := newFlow(t, srv)
	_, err := f.Login(t.Context(), logintoken.LoginOptions{Endpoint: srv.URL(), Prompt: func(u string) {
		go func() {
			// A stray request with another state is answered and ignored.
			if page := browse(t, redirectOf(t, u)+"?code=x&state=wrong"); !strings.Contains(page, "not the one awsauth is waiting for") {
				t.Errorf("stray callback: %s", page)
			}
			next, _ := srv.DenyAuthorization(u)
			browse(t, next)
		}()
	}})
	var le *logintoken.LoginError
	if !errors.As(err, &le) || le.Reason != "denied" {
		t.Fatalf("got %v, want a denied sign-in", err)
	}
	if ents, _ := os.ReadDir(f.Store.Dir); len(ents) != 0 {
		t.Errorf("a denied sign-in left %d files", len(ents))
	}
}

func redirectOf(t *testing.T, authorize string) string {
	i := strings.Index(authorize, "redirect_uri=")
	v := authorize[i+len("redirect_uri="):]
	v, _, _ = strings.Cut(v, "&")
	r, err := url.QueryUnescape(v)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// seed writes an issued token to the store, with extra fields other tools
// may keep, and returns it.
func seed(t *testing.T, f *logintoken.Flow, tok awsfake.LoginToken) string {
	t.Helper()
	path := f.Store.Path(tok.Session)
	os.MkdirAll(filepath.Dir(path), 0o700)
	data, _ := json.Marshal(map[string]any{
		"accessToken": map[string]string{
			"accessKeyId": tok.AccessKeyID, "secretAccessKey": tok.SecretAccessKey, "sessionToken": tok.SessionToken,
			"accountId": tok.AccountID, "expiresAt": tok.Expires.UTC().Format(time.RFC3339), "futureInner": "kept",
		},
		"tokenType": "aws_sigv4", "clientId": tok.ClientID, "refreshToken": tok.RefreshToken,
		"idToken": tok.IDToken, "dpopKey": tok.DPoPKey, "futureField": "kept",
	})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRenew renews through the refresh token: new keys STS accepts, the
// refresh token rotated, the id token and fields other tools wrote kept;
// a reuse that accepts the cached token makes no call.
func TestRenew(t *testing.T) {
	srv := startFake(t, awsfake.Options{})
	f := newFlow(t, srv)
	tok := srv.IssueLoginToken()
	path := seed(t, f, tok)

	got, err := f.Renew(t.Context(), tok.Session, func(*logintoken.Token, time.Time) bool { return true })
	if err != nil || got.AccessToken.AccessKeyID != tok.AccessKeyID || srv.Calls("CreateOAuth2Token") != 0 {
		t.Fatalf("reused: %v %v, %d calls", got, err, srv.Calls("CreateOAuth2Token"))
	}
	got, err = f.Renew(t.Context(), tok.Session, nil)
	if err != nil {
		t.Fatalf("renew: %v", err)
	}
	if got.AccessToken.AccessKeyID == tok.AccessKeyID || got.RefreshToken == tok.RefreshToken || got.IDToken != tok.IDToken {
		t.Errorf("renewed token: new key %v, rotated %v, id token kept %v",
			got.AccessToken.AccessKeyID != tok.AccessKeyID, got.RefreshToken != tok.RefreshToken, got.IDToken == tok.IDToken)
	}
	if arn := callerARN(t, srv, got.AccessToken.AccessKeyID, got.AccessToken.SecretAccessKey, got.AccessToken.SessionToken); arn != deployer {
		t.Errorf("renewed keys are %s", arn)
	}
	if life := time.Until(got.Expires()); life < 14*time.Minute || life > 15*time.Minute {
		t.Errorf("renewed credentials live %s", life)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"futureField":"kept"`) || !strings.Contains(string(data), `"futureInner":"kept"`) {
		t.Errorf("fields of other tools lost:\n%s", data)
	}
	if at, ok := got.SignedIn(); !ok || time.Since(at) > time.Minute {
		t.Errorf("signed in %v %v", at, ok)
	}
}

// TestRenewConcurrently: processes renewing at once make one call; the
// others take what it wrote (without the lock, the rotated refresh token
// would make them fail as if the session had ended).
func TestRenewConcurrently(t *testing.T) {
	srv := startFake(t, awsfake.Options{})
	tok := srv.IssueLoginToken()
	dir := filepath.Join(t.TempDir(), "cache")
	first := &logintoken.Flow{API: signinClient(srv), Store: &logintoken.Store{Dir: dir}}
	seed(t, first, tok)
	var wg sync.WaitGroup
	keys := make([]string, 6)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := &logintoken.Flow{API: signinClient(srv), Store: &logintoken.Store{Dir: dir}}
			got, err := f.Renew(context.Background(), tok.Session, func(c *logintoken.Token, _ time.Time) bool {
				return c.AccessToken.AccessKeyID != tok.AccessKeyID
			})
			if err != nil {
				t.Errorf("renew %d: %v", i, err)
				return
			}
			keys[i] = got.AccessToken.AccessKeyID
		}()
	}
	wg.Wait()
	if n := srv.Calls("CreateOAuth2Token"); n != 1 {
		t.Errorf("CreateOAuth2Token called %d times, want 1", n)
	}
	for _, k := range keys {
		if k != keys[0] {
			t.Errorf("keys %v differ", keys)
		}
	}
}

// spender renews through the SDK's own provider, which takes no lock,
// just before awsauth's call reaches the service.
type spender struct {
	api  logintoken.API
	path string
}

func (s spender) CreateOAuth2Token(ctx context.Context, in *signin.CreateOAuth2TokenInput, opts ...func(*signin.Options)) (*signin.CreateOAuth2TokenOutput, error) {
	data, _ := os.ReadFile(s.path)
	var m map[string]any
	json.Unmarshal(data, &m)
	m["accessToken"].(map[string]any)["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	data, _ = json.Marshal(m)
	os.WriteFile(s.path, data, 0o600)
	if _, err := logincreds.New(s.api, s.path).Retrieve(ctx); err != nil {
		return nil, err
	}
	return s.api.CreateOAuth2Token(ctx, in, opts...)
}

// TestRenewAfterAnSDKRenewed: a tool that renews without the lock spends
// the refresh token first; awsauth's renewal is refused, and it takes what
// the tool wrote instead of reporting an ended session. (The Go SDK drops
// the id token when it rewrites the file: the sign-in time is then
// unknown.)
func TestRenewAfterAnSDKRenewed(t *testing.T) {
	srv := startFake(t, awsfake.Options{})
	tok := srv.IssueLoginToken()
	f := newFlow(t, srv)
	path := seed(t, f, tok)
	f.API = spender{api: signinClient(srv), path: path}
	got, err := f.Renew(t.Context(), tok.Session, nil)
	if err != nil {
		t.Fatalf("renew after the SDK: %v", err)
	}
	if got.AccessToken.AccessKeyID == tok.AccessKeyID || !got.Valid(time.Now()) {
		t.Errorf("got the old or an invalid key")
	}
	if _, ok := got.SignedIn(); ok {
		t.Errorf("the SDK kept the id token; update the note")
	}
}

// TestRenewNeedsASignIn: each state only a new sign-in cures is a
// ReloginError saying why.
func TestRenewNeedsASignIn(t *testing.T) {
	srv := startFake(t, awsfake.Options{})
	cases := []struct {
		name  string
		setup func(f *logintoken.Flow) string
		want  string
	}{
		{"nobody signed in", func(*logintoken.Flow) string { return deployer }, "no one has signed in to login session " + deployer + " on this machine"},
		{"session over", func(f *logintoken.Flow) string {
			tok := srv.IssueLoginToken()
			seed(t, f, tok)
			srv.EndLoginSessions()
			return tok.Session
		}, "the aws login session has ended (signed in at 20"},
		{"corrupt", func(f *logintoken.Flow) string {
			os.MkdirAll(f.Store.Dir, 0o700)
			os.WriteFile(f.Store.Path(deployer), []byte(`{"accessToken": {`), 0o600)
			return deployer
		}, "is not valid JSON: syntax error at byte"},
		{"no refresh token", func(f *logintoken.Flow) string {
			tok := srv.IssueLoginToken()
			path := seed(t, f, tok)
			data, _ := os.ReadFile(path)
			os.WriteFile(path, []byte(strings.Replace(string(data), tok.RefreshToken, "", 1)), 0o600)
			return tok.Session
		}, "lacks refreshToken"},
		{"spent refresh token", func(f *logintoken.Flow) string {
			tok := srv.IssueLoginToken()
			seed(t, f, tok)
			if _, err := f.Renew(t.Context(), tok.Session, nil); err != nil {
				t.Fatal(err)
			}
			seed(t, f, tok)
			return tok.Session
		}, "refused the refresh token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFlow(t, srv)
			session := c.setup(f)
			_, err := f.Renew(t.Context(), session, nil)
			var re *logintoken.ReloginError
			if !errors.As(err, &re) || !strings.Contains(re.Why, c.want) {
				t.Fatalf("got %v, want a ReloginError saying %q", err, c.want)
			}
		})
	}
}
