package clients

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// loginRig is a fake whose aws login credentials live a few seconds, a
// HOME whose profile dev signs in with aws login, and the login cache
// seeded as if the person had just run aws login.
type loginRig struct {
	fake    *awsfake.Server
	home    string
	tok     awsfake.LoginToken
	awsauth string
	env     []string
}

func newLoginRig(t *testing.T, creds, session time.Duration) *loginRig {
	t.Helper()
	bin := t.TempDir()
	r := &loginRig{awsauth: build(t, bin, "./cmd/awsauth"), home: t.TempDir()}
	sc := awsfake.DefaultScenario()
	sc.LoginCredentialLifetime = creds
	sc.LoginSessionDuration = session
	fake, err := awsfake.Start(context.Background(), awsfake.Options{Scenario: &sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	r.fake = fake
	r.tok = fake.IssueLoginToken()
	os.MkdirAll(filepath.Join(r.home, ".aws"), 0o700)
	os.WriteFile(filepath.Join(r.home, ".aws", "config"), []byte("[profile dev]\nlogin_session = "+r.tok.Session+"\nregion = us-east-1\n"), 0o600)
	path, err := logincreds.StandardCachedTokenFilepath(r.tok.Session, filepath.Join(r.home, ".aws", "login", "cache"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(path), 0o700)
	data, _ := json.Marshal(map[string]any{
		"accessToken": map[string]string{
			"accessKeyId": r.tok.AccessKeyID, "secretAccessKey": r.tok.SecretAccessKey, "sessionToken": r.tok.SessionToken,
			"accountId": r.tok.AccountID, "expiresAt": r.tok.Expires.UTC().Format("2006-01-02T15:04:05Z"),
		},
		"tokenType": "aws_sigv4", "clientId": r.tok.ClientID, "refreshToken": r.tok.RefreshToken,
		"idToken": r.tok.IDToken, "dpopKey": r.tok.DPoPKey,
	})
	os.WriteFile(path, data, 0o600)
	r.env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + r.home, "TMPDIR=" + t.TempDir(), "AWSAUTH_NO_AGENT=1", "NO_COLOR=1",
		"AWS_ENDPOINT_URL_STS=" + fake.URL(), "AWS_ENDPOINT_URL_SIGNIN=" + fake.URL(),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	return r
}

// TestExecLoginSession runs a real Go SDK client (goclient) under awsauth
// exec on an aws login profile whose credentials live 4 seconds: awsauth
// renews them through the sign-in service (CreateOAuth2Token, DPoP) well
// before each expiry, far past the first credentials' life, and the client
// sees no error. credential-process renews the same way. Then the login
// session ends: exec keeps the command running and says once what to do
// (the login notice, as for an ended IAM Identity Center session), and
// credential-process exits 3 with the same fix, never the SDK's raw
// error.
func TestExecLoginSession(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for half a minute")
	}
	r := newLoginRig(t, 4*time.Second, time.Hour)
	goclient := build(t, t.TempDir(), "./tests/clients/goclient")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.awsauth, "exec", "--profile", "dev", "--", goclient)
	cmd.Env = append(r.env, "SOAK_SECONDS=16", "SOAK_INTERVAL=0.25")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("awsauth exec: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), tail(stderr.String(), 4000))
	}
	m := summaryRE.FindStringSubmatch(strings.TrimSpace(lastLineOf(stdout.String())))
	if m == nil {
		t.Fatalf("no summary from goclient:\n%s\nstderr:\n%s", stdout.String(), tail(stderr.String(), 4000))
	}
	calls, _ := strconv.Atoi(m[2])
	errs, _ := strconv.Atoi(m[3])
	keys, _ := strconv.Atoi(m[4])
	t.Logf("go: calls=%d errors=%d distinct keys=%d, CreateOAuth2Token calls=%d", calls, errs, keys, r.fake.Calls("CreateOAuth2Token"))
	if errs != 0 {
		t.Errorf("the Go SDK client saw %d errors:\n%s", errs, tail(stderr.String(), 4000))
	}
	if calls < 30 {
		t.Errorf("only %d calls", calls)
	}
	// 16 s of 4 s credentials: the first expired long ago; each renewal
	// comes with half their life left.
	if keys < 5 {
		t.Errorf("%d distinct access keys in 16 s of 4 s credentials, want at least 5", keys)
	}
	if n := r.fake.Calls("CreateOAuth2Token"); n < 4 {
		t.Errorf("CreateOAuth2Token called %d times, want at least 4", n)
	}
	if strings.Contains(stderr.String(), "renewing credentials failed") || strings.Contains(stderr.String(), "xpired") {
		t.Errorf("a failed renewal or an expiry reached stderr:\n%s", tail(stderr.String(), 4000))
	}

	// credential-process: every answer valid when it is given, renewed
	// from the sign-in service as the credentials age.
	seen := map[string]bool{}
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(400 * time.Millisecond) {
		out, err := r.run(ctx, "credential-process", "--profile", "dev")
		if err != nil {
			t.Fatalf("credential-process: %v\n%s", err, out)
		}
		var p struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatalf("credential-process printed %q", out)
		}
		exp, _ := time.Parse(time.RFC3339, p.Expiration)
		// Served with at least a quarter of their 4 s left (the renewal
		// rule), less the time this process took to start and answer.
		if time.Until(exp) < time.Second/2 {
			t.Errorf("credential-process handed out keys with %s left", time.Until(exp))
		}
		seen[p.AccessKeyId] = true
		client := sts.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(p.AccessKeyId, p.SecretAccessKey, p.SessionToken)},
			func(o *sts.Options) { o.BaseEndpoint = aws.String(r.fake.URL()) })
		if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Errorf("keys from credential-process: %v", err)
		}
	}
	if len(seen) < 3 {
		t.Errorf("credential-process handed out %d distinct keys in 10 s of 4 s credentials, want at least 3", len(seen))
	}

	// The session ends while a command runs: the command goes on, the
	// person is told once what to run, and no raw error appears.
	notice := filepath.Join(t.TempDir(), "exec.stderr")
	done := filepath.Join(t.TempDir(), "done")
	f, err := os.Create(notice)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd = exec.CommandContext(ctx, r.awsauth, "exec", "--profile", "dev", "--", "sh", "-c", `while [ ! -e "$DONE" ]; do sleep 0.1; done; echo child-finished`)
	cmd.Env = append(r.env, "DONE="+done)
	stdout.Reset()
	cmd.Stdout, cmd.Stderr = &stdout, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.fake.EndLoginSessions()
	var text string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(notice)
		if text = string(b); strings.Contains(text, "log in again") {
			break
		}
	}
	os.WriteFile(done, nil, 0o600)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exec after the session ended: %v (the command must not be killed)\n%s", err, text)
	}
	if !strings.Contains(stdout.String(), "child-finished") {
		t.Errorf("the child did not finish: %q", stdout.String())
	}
	b, _ := os.ReadFile(notice)
	text = string(b)
	for _, want := range []string{
		"awsauth: the aws login session of profile dev has ended. The command keeps running on credentials valid until",
		"log in again in another terminal to continue: awsauth login --profile dev",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("stderr lacks %q:\n%s", want, text)
		}
	}
	for _, raw := range []string{"load login token", "create oauth2 token", "please reauthenticate", "TOKEN_EXPIRED", "IAM Identity Center"} {
		if strings.Contains(text, raw) {
			t.Errorf("stderr shows %q:\n%s", raw, text)
		}
	}

	// Once the cached credentials have expired, credential-process and
	// status exit 3 (login required) with the sign-in commands.
	time.Sleep(time.Until(latestExpiry(t, r)) + time.Second)
	for _, args := range [][]string{{"credential-process", "--profile", "dev"}, {"status", "--profile", "dev"}} {
		out, err := r.run(ctx, args...)
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 3 {
			t.Errorf("%s after the session: %v, want exit 3\n%s", args[0], err, out)
		}
		if !strings.Contains(string(out), "hint: run: awsauth login --profile dev   (or: aws login --profile dev)") ||
			!strings.Contains(string(out), "the aws login session has ended") {
			t.Errorf("%s after the session:\n%s", args[0], out)
		}
	}
}

func (r *loginRig) run(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, r.awsauth, args...)
	cmd.Env = r.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		return append(out.Bytes(), errOut.Bytes()...), err
	}
	return out.Bytes(), nil
}

// latestExpiry is when the credentials in the login cache expire.
func latestExpiry(t *testing.T, r *loginRig) time.Time {
	path, _ := logincreds.StandardCachedTokenFilepath(r.tok.Session, filepath.Join(r.home, ".aws", "login", "cache"))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AccessToken struct {
			ExpiresAt time.Time `json:"expiresAt"`
		} `json:"accessToken"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("login cache: %v", err)
	}
	return c.AccessToken.ExpiresAt
}

func lastLineOf(s string) string {
	var last string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			last = l
		}
	}
	return last
}
