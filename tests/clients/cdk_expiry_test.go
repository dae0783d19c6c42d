package clients

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/testenv"
)

// The scale of TestCDKOutlivesCredentials: every role session that passes
// through the strict-expiry proxy lives cdkTTL, and a held stack stays in
// progress for cdkHold. At least three session lifetimes fit in the hold.
// AWSAUTH_CDK_TTL and AWSAUTH_CDK_HOLD (Go durations) change them, e.g.
// 40s and 150s to run the story at the scale people see it.
func cdkScale(t *testing.T) (ttl, hold time.Duration) {
	ttl, hold = 15*time.Second, 60*time.Second
	for name, d := range map[string]*time.Duration{"AWSAUTH_CDK_TTL": &ttl, "AWSAUTH_CDK_HOLD": &hold} {
		if v := os.Getenv(name); v != "" {
			var err error
			if *d, err = time.ParseDuration(v); err != nil || *d <= 0 {
				t.Fatalf("%s=%q is not a positive duration", name, v)
			}
		}
	}
	if hold < 3*ttl {
		t.Fatalf("the hold (%v) must last at least three session lifetimes (%v)", hold, ttl)
	}
	return ttl, hold
}

// cdkRig is what every CDK test shares: the awsauth binary and the locked
// CDK app.
type cdkRig struct {
	awsauth string
	npx     string
	dir     string // the CDK app
}

// cdkEnv is one deployment's world: a moto of its own with the CDK
// bootstrapped in it (moto finds a change set by its name alone, and the
// CDK names every one the same, so two deployments cannot share a moto), a
// proxy in front of it, a HOME, and what the processes see.
type cdkEnv struct {
	rig   *cdkRig
	moto  *testenv.MotoServer
	proxy *testenv.ExpiryProxy
	home  string
	out   string // cdk.out of this deployment
	env   []string
}

const cdkCredentials = "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"

// cdkRoleConfig is profile P of the issue: a role assumed with base's keys.
// awsauth asks for an hour; the proxy makes it cdkTTL.
const cdkRoleConfig = "[profile deployer]\nrole_arn = arn:aws:iam::123456789012:role/Deployer\nsource_profile = base\nregion = us-east-1\n\n[profile base]\nregion = us-east-1\n"

func newCDKRig(t *testing.T) *cdkRig {
	t.Helper()
	npx, err := exec.LookPath("npx")
	need(t, "npx", npx, err)
	dir, _ := filepath.Abs(filepath.Join("testdata", "cdk"))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "aws-cdk-lib")); err != nil {
		npm, err := exec.LookPath("npm")
		need(t, "npm", npm, err)
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			need(t, "the CDK (npm ci in tests/clients/testdata/cdk)", "", errorf("%v: %s", err, b))
		}
	}
	if _, err := exec.LookPath(testenv.MotoBinary); err != nil {
		need(t, "moto_server", "", err)
	}
	return &cdkRig{awsauth: build(t, t.TempDir(), "./cmd/awsauth"), npx: npx, dir: dir}
}

// newEnv starts a moto, bootstraps the CDK in it (directly, with long-term
// keys: what is tested is the deployment), puts a proxy with the given TTL
// in front of it, and writes config and credentials into a new HOME.
func (r *cdkRig) newEnv(t *testing.T, ttl time.Duration, config string, opts testenv.ExpiryProxyOptions, extra ...string) *cdkEnv {
	t.Helper()
	moto, err := testenv.StartMoto(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { moto.Close() })
	opts.TTL = ttl
	proxy, err := testenv.StartExpiryProxy(t.Context(), moto.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	if err := os.MkdirAll(aws, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"config": config, "credentials": cdkCredentials} {
		if err := os.WriteFile(filepath.Join(aws, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The CDK reaches S3 buckets by virtual host, which resolves under
	// localhost and not under 127.0.0.1.
	endpoint := strings.Replace(proxy.URL(), "127.0.0.1", "localhost", 1)
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + t.TempDir(), "AWSAUTH_NO_AGENT=1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ENDPOINT_URL=" + endpoint,
		// awsauth's own providers (Go SDK) read only the service ones.
		"AWS_ENDPOINT_URL_STS=" + proxy.URL(),
		"CDK_DEFAULT_ACCOUNT=123456789012", "CDK_DEFAULT_REGION=us-east-1",
		"NPM_CONFIG_UPDATE_NOTIFIER=false", "CDK_DISABLE_VERSION_CHECK=true", "CI=true",
	}
	e := &cdkEnv{rig: r, moto: moto, proxy: proxy, home: home, out: filepath.Join(t.TempDir(), "cdk.out"), env: append(env, extra...)}
	var out syncBuffer
	direct := strings.Replace(moto.URL, "127.0.0.1", "localhost", 1)
	if err := e.run(t.Context(), &out, []string{"AWS_ENDPOINT_URL=" + direct, "AWS_ENDPOINT_URL_STS=" + moto.URL},
		"exec", "-q", "--profile", "base", "--", r.npx, "cdk", "bootstrap", "aws://123456789012/us-east-1", "--output", e.out); err != nil {
		t.Fatalf("cdk bootstrap under awsauth exec: %v\n%s", err, tail(out.String(), 4000))
	}
	return e
}

// run runs awsauth with args in the CDK app's folder. The output of both
// streams is written to out as it comes, so a test can watch it.
func (e *cdkEnv) run(ctx context.Context, out *syncBuffer, env []string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.rig.awsauth, args...)
	cmd.Dir = e.rig.dir
	cmd.Env = append(slices.Clone(e.env), env...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	return cmd.Run()
}

// deploy runs `cdk deploy` of stacks under awsauth exec with execFlags,
// and reports the output, how long it took, and the error.
func (e *cdkEnv) deploy(t *testing.T, stacks []string, execFlags ...string) (string, time.Duration, error) {
	var out syncBuffer
	start := time.Now()
	err := e.deployWatched(t.Context(), &out, stacks, execFlags...)
	return out.String(), time.Since(start), err
}

func (e *cdkEnv) deployWatched(ctx context.Context, out *syncBuffer, stacks []string, execFlags ...string) error {
	args := append([]string{"exec"}, execFlags...)
	args = append(args, "--", e.rig.npx, "cdk", "deploy", "--all", "--require-approval", "never", "--output", e.out)
	return e.run(ctx, out, []string{"AWSAUTH_CDK_STACKS=" + strings.Join(stacks, ",")}, args...)
}

// syncBuffer is a bytes.Buffer that a test may read while a process
// writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func wantNoExpiredRequests(t *testing.T, e *cdkEnv) {
	t.Helper()
	if st := e.proxy.Stats(); st.TotalRejected() != 0 {
		t.Errorf("the proxy refused %d requests signed with expired keys: %v", st.TotalRejected(), st.Rejected)
	}
}

// TestCDKOutlivesCredentials is the main job of awsauth, end to end: a real
// `cdk deploy` that runs longer than every credential under it, against
// moto behind a proxy that expires every role session after cdkTTL (both
// awsauth's role and the CDK's own bootstrap roles) and holds the stack in
// progress for cdkHold. It also proves the test can fail: the same deploy
// on fixed keys dies with ExpiredToken.
func TestCDKOutlivesCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys with the real CDK for minutes")
	}
	ttl, hold := cdkScale(t)
	rig := newCDKRig(t)

	t.Run("role-sessions", func(t *testing.T) {
		t.Parallel()
		e := rig.newEnv(t, ttl, cdkRoleConfig, testenv.ExpiryProxyOptions{})
		e.proxy.Hold("AwsauthHeld", hold)
		out, took, err := e.deploy(t, []string{"AwsauthHeld"}, "--profile", "deployer")
		if err != nil || !strings.Contains(out, "✅  AwsauthHeld") {
			t.Fatalf("cdk deploy under awsauth exec: %v\n%s", err, tail(out, 4000))
		}
		if took < hold {
			t.Errorf("the deploy took %v, less than the %v hold: the proxy did not hold the stack", took, hold)
		}
		wantNoExpiredRequests(t, e)
		// Renewed while the stack was held: awsauth's role, and the CDK's
		// deploy role (which the CDK assumes with awsauth's credentials).
		st := e.proxy.Stats()
		if st.Issued["Deployer"] < 3 || st.IssuedMatching("-deploy-role-") < 2 {
			t.Errorf("role sessions handed out = %v; want awsauth's Deployer at least 3 times and the CDK's deploy role at least twice in a %v hold of %v sessions", st.Issued, hold, ttl)
		}
		t.Logf("deploy took %v; sessions: %v; requests: %d", took.Round(time.Second), st.Issued, sum(st.Requests))
	})

	t.Run("control-fixed-keys-expire", func(t *testing.T) {
		t.Parallel()
		e := rig.newEnv(t, ttl, cdkRoleConfig, testenv.ExpiryProxyOptions{})
		e.proxy.Hold("AwsauthFixedKeys", hold)
		out, took, err := e.deploy(t, []string{"AwsauthFixedKeys"}, "--profile", "deployer", "--no-server")
		if err == nil {
			t.Fatalf("cdk deploy on fixed keys succeeded in %v; want it to die with ExpiredToken once the %v keys expire\n%s", took, ttl, tail(out, 4000))
		}
		if !strings.Contains(out, "ExpiredToken") && !strings.Contains(out, testenv.ExpiredTokenMessage) {
			t.Errorf("cdk deploy failed, but not with ExpiredToken:\n%s", tail(out, 4000))
		}
		if st := e.proxy.Stats(); st.TotalRejected() == 0 {
			t.Errorf("no request was refused as expired (%v)", st.Requests)
		}
		if took >= hold {
			t.Errorf("the failing deploy took %v, not less than the %v hold", took, hold)
		}
		t.Logf("fixed keys: cdk deploy failed after %v", took.Round(time.Second))
	})

	t.Run("all-stacks", func(t *testing.T) {
		t.Parallel()
		e := rig.newEnv(t, ttl, cdkRoleConfig, testenv.ExpiryProxyOptions{})
		first, second := "AwsauthFirst", "AwsauthSecond"
		// The second stack starts after every session the first one
		// started with has expired.
		e.proxy.Hold(first, ttl+ttl/2)
		e.proxy.Hold(second, ttl/2)
		start := time.Now()
		out, _, err := e.deploy(t, []string{first, second}, "--profile", "deployer")
		if err != nil || !strings.Contains(out, "✅  "+first) || !strings.Contains(out, "✅  "+second) {
			t.Fatalf("cdk deploy --all under awsauth exec: %v\n%s", err, tail(out, 4000))
		}
		st := e.proxy.Stats()
		if s := st.Started[second]; s.Sub(start) < ttl+ttl/2 || s.Before(st.Started[first].Add(ttl)) {
			t.Errorf("%s started %v after the deploy, %v after %s; want after the first sessions had expired (%v)", second, s.Sub(start), s.Sub(st.Started[first]), first, ttl)
		}
		wantNoExpiredRequests(t, e)
	})

	t.Run("sso-session-ends", func(t *testing.T) {
		t.Parallel()
		cdkSSOSessionEnds(t, rig, ttl, hold)
	})
}

// cdkSSOSessionEnds deploys on role credentials from the fake IAM Identity
// Center portal. Right after a renewal the SSO session ends; once awsauth
// says so, a fresh login lands in the shared cache (as `aws sso login` in
// another terminal leaves it), and awsauth resumes renewing from it. The
// CDK runs once, to the end, and never sees an expired key.
func cdkSSOSessionEnds(t *testing.T, rig *cdkRig, ttl, hold time.Duration) {
	// Twice the TTL: after the session ends, the credentials in hand must
	// last for the next renewal to fail (half their life), the notice, the
	// login and awsauth's next look at the cache (every 5 s).
	roleTTL := 2 * ttl
	sc := awsfake.Scenario{
		Accounts:               []awsfake.Account{{ID: testenv.MotoAccount, Name: "cdk", Roles: []awsfake.Role{{Name: "Deployer"}}}},
		RoleCredentialLifetime: roleTTL,
		AccessTokenLifetime:    8 * time.Hour,
		SSOSessionDuration:     8 * time.Hour,
	}
	fake, err := awsfake.Start(t.Context(), awsfake.Options{Scenario: &sc})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	config := "[profile deployer]\nsso_session = corp\nsso_account_id = " + testenv.MotoAccount + "\nsso_role_name = Deployer\nregion = us-east-1\n\n" +
		"[sso-session corp]\nsso_start_url = " + awsfake.DefaultStartURL + "\nsso_region = us-east-1\n"
	e := rig.newEnv(t, ttl, config, testenv.ExpiryProxyOptions{KeyExpiry: fake.KeyExpiry},
		"AWS_ENDPOINT_URL_SSO="+fake.URL(), "AWS_ENDPOINT_URL_SSO_OIDC="+fake.URL())
	if err := seedSSOToken(e.home, fake.IssueSSOToken()); err != nil {
		t.Fatal(err)
	}
	stack := "AwsauthSSOEnds"
	e.proxy.Hold(stack, max(hold, 3*roleTTL))

	var out syncBuffer
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- e.deployWatched(t.Context(), &out, []string{stack}, "--profile", "deployer") }()

	const notice = "the IAM Identity Center session has ended"
	// End the session right after awsauth's first renewal, so the keys in
	// hand live a whole roleTTL from then.
	if !waitUntil(done, 2*roleTTL, func() bool { return fake.Calls("GetRoleCredentials") >= 2 }) {
		t.Fatalf("awsauth did not renew the portal credentials within %v\n%s", 2*roleTTL, tail(out.String(), 4000))
	}
	fake.EndSSOSessions()
	ended := time.Since(start)
	if !waitUntil(done, roleTTL, func() bool { return strings.Contains(out.String(), notice) }) {
		t.Fatalf("no login notice within %v of the session's end\n%s", roleTTL, tail(out.String(), 4000))
	}
	roles := fake.Calls("GetRoleCredentials")
	if err := seedSSOToken(e.home, fake.IssueSSOToken()); err != nil {
		t.Fatal(err)
	}
	loggedIn := time.Since(start)

	err = <-done
	took := time.Since(start)
	got := out.String()
	if err != nil || !strings.Contains(got, "✅  "+stack) {
		t.Fatalf("cdk deploy across the end of the SSO session: %v\n%s", err, tail(got, 4000))
	}
	if n := strings.Count(got, notice); n != 1 {
		t.Errorf("the login notice came %d times, want once:\n%s", n, tail(got, 4000))
	}
	if n := strings.Count(got, "✅  "+stack); n != 1 {
		t.Errorf("the CDK reported the stack deployed %d times, want once (never restarted)", n)
	}
	if fake.Calls("GetRoleCredentials") <= roles {
		t.Errorf("awsauth did not renew from the fresh login (GetRoleCredentials stayed at %d)", roles)
	}
	wantNoExpiredRequests(t, e)
	t.Logf("session ended at %v, login at %v, deploy done at %v; portal credentials fetched %d times",
		ended.Round(time.Second), loggedIn.Round(time.Second), took.Round(time.Second), fake.Calls("GetRoleCredentials"))
}

// waitUntil polls cond every 100 ms for at most d, and gives up early when
// the deploy ends (done is not drained: the caller reads it).
func waitUntil(done chan error, d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		select {
		case err := <-done:
			done <- err
			return cond()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return cond()
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
