package clients

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// faultScenario is one run of `awsauth exec` with the Go SDK client as its
// child, against a fake AWS that misbehaves.
type faultScenario struct {
	name string
	// short keeps the scenario in -short runs.
	short bool
	// speed of the fake's ScaledClock. Lifetimes are fake time: at speed
	// 120, one-hour role credentials live 30 real seconds and awsauth
	// renews them with 15 s left.
	speed    float64
	scenario func(*awsfake.Scenario)
	profile  string
	// seconds the child runs.
	seconds float64
	// faults are installed before awsauth starts.
	faults []awsfake.Fault
	// during runs beside awsauth, for faults that start at a moment.
	during func(env *faultEnv) error
	check  func(t *testing.T, r *faultResult)
}

type faultEnv struct {
	ctx   context.Context
	fake  *awsfake.Server
	clock *awsfake.ScaledClock
}

// afterFirstFetch waits until awsauth has fetched its first credentials
// and then d more.
func (e *faultEnv) afterFirstFetch(d time.Duration) error {
	deadline := time.Now().Add(30 * time.Second)
	for e.fake.Calls("GetRoleCredentials") < 1 {
		if time.Now().After(deadline) || e.ctx.Err() != nil {
			return errorf("awsauth never called GetRoleCredentials")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-time.After(d):
		return nil
	case <-e.ctx.Done():
		return e.ctx.Err()
	}
}

// faultResult is what one run left behind.
type faultResult struct {
	err                 error // the run itself failed
	log                 []string
	fake                *awsfake.Server
	secrets             []string // the SSO token's, which the test knows
	calls, errors, keys int
	childErrors         []string // the child's "go error:" lines
	stdout, stderr      string   // stderr: awsauth's and the child's
}

func (r *faultResult) logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

var renewalReport = regexp.MustCompile(`(?m)^awsauth: renewing credentials failed \(.*\); (still valid until|they expired at) \S+, retrying$`)

// wantReport fails unless awsauth reported a failed renewal whose reason
// mentions each of what.
func (r *faultResult) wantReport(t *testing.T, what ...string) {
	t.Helper()
	for _, line := range renewalReport.FindAllString(r.stderr, -1) {
		ok := true
		for _, w := range what {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return
		}
	}
	t.Errorf("awsauth did not report a failed renewal mentioning %q; stderr:\n%s", what, tail(r.stderr, 6000))
}

// wantNoChildErrors is the main promise: while the credentials served are
// still valid, a failing upstream is invisible to the command.
func (r *faultResult) wantNoChildErrors(t *testing.T) {
	t.Helper()
	if r.errors != 0 {
		t.Errorf("the child saw %d errors in %d calls:\n%s\nstderr:\n%s", r.errors, r.calls,
			strings.Join(r.childErrors, "\n"), tail(r.stderr, 6000))
	}
}

// wantOnlyChildErrors is the other side: the child did see errors (why
// says why it must have), and every one of them says what.
func (r *faultResult) wantOnlyChildErrors(t *testing.T, what, why string) {
	t.Helper()
	if r.errors == 0 {
		t.Errorf("the child saw no error, yet %s", why)
	}
	for _, e := range r.childErrors {
		if !strings.Contains(e, what) {
			t.Errorf("a child error other than %q: %s", what, e)
		}
	}
}

// wantNot fails if stderr says any of what.
func (r *faultResult) wantNot(t *testing.T, what ...string) {
	t.Helper()
	for _, w := range what {
		if strings.Contains(r.stderr, w) {
			t.Errorf("stderr says %q, which is not what happened:\n%s", w, tail(r.stderr, 6000))
		}
	}
}

func (r *faultResult) wantInjected(t *testing.T, op string, n int) {
	t.Helper()
	if got := r.fake.Faults().Injected(op); got != n {
		t.Errorf("faults hit %s %d times, want %d", op, got, n)
	}
}

const faultConfig = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[profile chain]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = dev
region = us-east-1

[sso-session corp]
sso_start_url = https://awsauth-demo.awsapps.com/start
sso_region = us-east-1
`

// seedHome writes the profiles and the SSO token cache of a person who
// logged in to the fake, and makes the child's TMPDIR.
func seedHome(home, tmp string, tok awsfake.SSOToken) error {
	for _, step := range []func() error{
		func() error { return seedSSOToken(home, tok) },
		func() error { return os.Mkdir(tmp, 0o700) },
		func() error { return os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(faultConfig), 0o600) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// seedSSOToken writes tok where the AWS CLI v2 (and awsauth) keep
// sso-session corp's token, replacing the file at once as `aws sso login`
// in another terminal would.
func seedSSOToken(home string, tok awsfake.SSOToken) error {
	cacheDir := filepath.Join(home, ".aws", "sso", "cache")
	cache, err := json.Marshal(map[string]string{
		"startUrl": awsfake.DefaultStartURL, "region": "us-east-1",
		"accessToken": tok.AccessToken, "expiresAt": tok.ExpiresAt.UTC().Format(time.RFC3339),
		"clientId": tok.ClientID, "clientSecret": tok.ClientSecret, "refreshToken": tok.RefreshToken,
		"registrationExpiresAt": tok.RegistrationExpiresAt.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return err
	}
	sum := sha1.Sum([]byte("corp")) // the AWS CLI's cache key of sso-session corp
	cachePath := filepath.Join(cacheDir, hex.EncodeToString(sum[:])+".json")
	if err := os.WriteFile(cachePath+".new", cache, 0o600); err != nil {
		return err
	}
	return os.Rename(cachePath+".new", cachePath)
}

var goSummary = regexp.MustCompile(`(?m)^client=go calls=(\d+) errors=(\d+) keys=(\d+)$`)

// runFaultScenario runs s to its end. It never touches a testing.T, so
// that every scenario can run at once.
func runFaultScenario(ctx context.Context, awsauth, goclient, dir string, s faultScenario) *faultResult {
	r := &faultResult{}
	sc := awsfake.DefaultScenario()
	sc.RoleCredentialLifetime = time.Hour
	sc.AccessTokenLifetime = 8 * time.Hour
	sc.SSOSessionDuration = 8 * time.Hour
	if s.scenario != nil {
		s.scenario(&sc)
	}
	clock := awsfake.NewScaledClock(time.Now(), s.speed)
	faults := awsfake.NewFaults()
	for _, f := range s.faults {
		if _, err := faults.Add(f); err != nil {
			r.err = err
			return r
		}
	}
	fake, err := awsfake.Start(ctx, awsfake.Options{Scenario: &sc, Clock: clock, Faults: faults})
	if err != nil {
		r.err = err
		return r
	}
	defer fake.Close()
	r.fake = fake

	home, tmp := filepath.Join(dir, "home"), filepath.Join(dir, "tmp")
	tok := fake.IssueSSOToken()
	r.secrets = []string{tok.AccessToken, tok.RefreshToken, tok.ClientSecret}
	if err := seedHome(home, tmp, tok); err != nil {
		r.err = err
		return r
	}

	profile := s.profile
	if profile == "" {
		profile = "dev"
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.seconds*float64(time.Second))+time.Minute)
	defer cancel()
	// --debug: the renewals show on stderr too, and no secret may show
	// even then.
	cmd := exec.CommandContext(ctx, awsauth, "exec", "--debug", "--profile", profile, "--", goclient)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + tmp, "AWSAUTH_NO_AGENT=1",
		"AWS_ENDPOINT_URL_STS=" + fake.URL(), "AWS_ENDPOINT_URL_SSO=" + fake.URL(), "AWS_ENDPOINT_URL_SSO_OIDC=" + fake.URL(),
		"AWS_EC2_METADATA_DISABLED=true",
		fmt.Sprintf("SOAK_SECONDS=%g", s.seconds), "SOAK_INTERVAL=0.5",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		r.err = err
		return r
	}
	duringErr := make(chan error, 1)
	go func() {
		if s.during == nil {
			duringErr <- nil
			return
		}
		duringErr <- s.during(&faultEnv{ctx: ctx, fake: fake, clock: clock})
	}()
	err = cmd.Wait()
	cancel()
	derr := <-duringErr
	r.stdout, r.stderr = stdout.String(), stderr.String()
	r.logf("ran %s; fake calls %v; faults hit %d", time.Since(began).Round(100*time.Millisecond), fake.CallCounts(), faults.Injected(""))
	if err != nil {
		r.err = fmt.Errorf("awsauth exec did not keep serving to the end: %v", err)
		return r
	}
	if derr != nil {
		r.err = fmt.Errorf("the fault was not injected: %w", derr)
		return r
	}
	m := goSummary.FindStringSubmatch(r.stdout)
	if m == nil {
		r.err = errorf("no summary from the child")
		return r
	}
	r.calls, _ = strconv.Atoi(m[1])
	r.errors, _ = strconv.Atoi(m[2])
	r.keys, _ = strconv.Atoi(m[3])
	for line := range strings.SplitSeq(r.stderr, "\n") {
		if strings.HasPrefix(line, "go error:") {
			r.childErrors = append(r.childErrors, line)
		}
	}
	r.logf("child: calls=%d errors=%d distinct keys=%d; awsauth reported %d failed renewals",
		r.calls, r.errors, r.keys, len(renewalReport.FindAllString(r.stderr, -1)))
	return r
}

// A secret access key: 40 characters of base64 standing alone; and the
// opening of every STS session token.
var (
	secretKeyShape    = regexp.MustCompile(`(?:^|[^A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?:[^A-Za-z0-9+/=]|$)`)
	sessionTokenStart = "IQoJb3JpZ2luX2Vj"
)

// checkCommon holds for every scenario: awsauth served to the end, serves
// new keys after the fault (it recovered), and printed no secret.
func checkCommon(t *testing.T, r *faultResult) {
	t.Helper()
	if r.keys < 2 {
		t.Errorf("the child saw %d distinct access keys, want at least 2 (a renewal after the fault)\nstderr:\n%s", r.keys, tail(r.stderr, 6000))
	}
	out := r.stdout + r.stderr
	for _, secret := range append(r.secrets, sessionTokenStart) {
		if strings.Contains(out, secret) {
			t.Errorf("a secret reached the output:\n%s", tail(out, 6000))
		}
	}
	if m := secretKeyShape.FindString(out); m != "" {
		t.Errorf("something shaped like a secret access key reached the output: %q", m)
	}
}

// TestFaults runs awsauth exec, the Go SDK v2 as its child, against a fake
// AWS that fails while awsauth renews: 5xx bursts and throttling, responses
// slower than awsauth's HTTP timeouts, reset connections, the SSO portal
// down for ten minutes of fake time, and jumps of the fake's clock.
//
// The promise checked: while the credentials already served are valid, the
// child never sees an error; awsauth keeps serving, says on stderr what
// failed and until when the credentials still hold (without a secret),
// and serves new keys once the fault has passed. Where no client could
// avoid errors (the portal down for longer than credentials live, AWS's
// clock jumping past their expiry), the scenario checks the report and the
// recovery instead, and says why.
//
// Each scenario has its own fake and runs under a minute. They mostly
// wait on timers, so all of them start at once, whatever -parallel says,
// and each subtest then checks its own.
func TestFaults(t *testing.T) {
	dir := t.TempDir()
	awsauth := build(t, dir, "./cmd/awsauth")
	goclient := build(t, dir, "./tests/clients/goclient")

	// A burst of 4 defeats one renewal (the SDK's 3 attempts), and the
	// retry gets through after one more failure, well before the 15 s
	// left run out. Skip 1 spares the first fetch: the faults hit renewals.
	burst := func(kind awsfake.FaultKind, op string) []awsfake.Fault {
		return []awsfake.Fault{{Kind: kind, Op: op, Skip: 1, Count: 4}}
	}
	scenarios := []faultScenario{
		{
			name: "sso-5xx-burst", short: true, speed: 120, seconds: 28,
			faults: burst(awsfake.FaultServerError, "GetRoleCredentials"),
			check: func(t *testing.T, r *faultResult) {
				r.wantInjected(t, "GetRoleCredentials", 4)
				r.wantNoChildErrors(t)
				r.wantReport(t, "GetRoleCredentials", "HTTP 500", "InternalServerException")
				r.wantNot(t, "rejected the credentials")
			},
		},
		{
			name: "sso-throttled", speed: 120, seconds: 28,
			faults: burst(awsfake.FaultThrottle, "GetRoleCredentials"),
			check: func(t *testing.T, r *faultResult) {
				r.wantInjected(t, "GetRoleCredentials", 4)
				r.wantNoChildErrors(t)
				r.wantReport(t, "throttled", "GetRoleCredentials", "TooManyRequestsException: Rate exceeded")
				r.wantNot(t, "rejected the credentials")
			},
		},
		{
			// A role assumed from the SSO role: renewals call STS
			// AssumeRole, which fails. The child's GetCallerIdentity, on
			// the same fake, is spared by naming the operation.
			name: "sts-5xx-burst", speed: 120, seconds: 28, profile: "chain",
			faults: burst(awsfake.FaultUnavailable, "AssumeRole"),
			check: func(t *testing.T, r *faultResult) {
				r.wantInjected(t, "AssumeRole", 4)
				r.wantNoChildErrors(t)
				r.wantReport(t, "AssumeRole", "HTTP 503", "ServiceUnavailable")
				r.wantNot(t, "rejected the credentials")
			},
		},
		{
			name: "sts-throttled", short: true, speed: 120, seconds: 28, profile: "chain",
			faults: burst(awsfake.FaultThrottle, "AssumeRole"),
			check: func(t *testing.T, r *faultResult) {
				r.wantInjected(t, "AssumeRole", 4)
				r.wantNoChildErrors(t)
				r.wantReport(t, "throttled", "AssumeRole", "Throttling: Rate exceeded")
				r.wantNot(t, "rejected the credentials")
			},
		},
		{
			// The SSO access token (10 s here) has expired when the role
			// credentials are renewed, and renewing it (CreateToken) fails
			// with 5xx. That is no ended session: awsauth must report a
			// failed renewal and retry, not ask for a login.
			name: "oidc-5xx-on-token-refresh", short: true, speed: 120, seconds: 28,
			scenario: func(sc *awsfake.Scenario) { sc.AccessTokenLifetime = 20 * time.Minute },
			// No Skip: the first fetch needs no CreateToken.
			faults: []awsfake.Fault{{Kind: awsfake.FaultServerError, Op: "CreateToken", Count: 4}},
			check: func(t *testing.T, r *faultResult) {
				r.wantInjected(t, "CreateToken", 4)
				r.wantNoChildErrors(t)
				r.wantReport(t, "CreateToken", "HTTP 500", "InternalServerException")
				r.wantNot(t, "session has ended", "log in again", "needs a new IAM Identity Center login")
			},
		},
		{
			// awsauth waits 15 s for response headers. Two-hour credentials
			// (60 s here), renewed with 30 s left, leave room for one
			// renewal that fails on two 500s and then a response 20 s late
			// (the SDK's three attempts), and for the retry after it.
			name: "slow-responses", speed: 120, seconds: 56,
			scenario: func(sc *awsfake.Scenario) { sc.RoleCredentialLifetime = 2 * time.Hour },
			faults: []awsfake.Fault{
				{Kind: awsfake.FaultServerError, Op: "GetRoleCredentials", Skip: 1, Count: 2},
				{Kind: awsfake.FaultDelay, Op: "GetRoleCredentials", Skip: 1, Count: 1, Delay: 20 * time.Second},
			},
			check: func(t *testing.T, r *faultResult) {
				r.wantInjected(t, "GetRoleCredentials", 3)
				r.wantNoChildErrors(t)
				r.wantReport(t, "timeout awaiting response headers")
			},
		},
		{
			// Resets close the connection unanswered. (Go's transport
			// retries an idempotent GET once by itself on a reused
			// connection, so 4 resets may take two or three attempts.)
			name: "connection-resets", short: true, speed: 120, seconds: 28,
			faults: burst(awsfake.FaultReset, "GetRoleCredentials"),
			check: func(t *testing.T, r *faultResult) {
				r.wantInjected(t, "GetRoleCredentials", 4)
				r.wantNoChildErrors(t)
				r.wantReport(t, "connection reset")
			},
		},
		{
			// Ten minutes of fake time are 5 real seconds, from 12 s after
			// the first fetch: across the renewal due at 15 s, well within
			// the credentials' life.
			name: "portal-down-10m", short: true, speed: 120, seconds: 28,
			during: func(e *faultEnv) error {
				if err := e.afterFirstFetch(12 * time.Second); err != nil {
					return err
				}
				e.fake.Faults().Down(awsfake.ServicePortal, 10*time.Minute)
				return nil
			},
			check: func(t *testing.T, r *faultResult) {
				if r.fake.Faults().Injected("GetRoleCredentials") == 0 {
					t.Error("the outage hit no renewal")
				}
				r.wantNoChildErrors(t)
				r.wantReport(t, "GetRoleCredentials", "HTTP 503", "ServiceUnavailableException")
				r.wantNot(t, "rejected the credentials", "expired")
			},
		},
		{
			// Inherently failing: the portal is down for ten minutes of
			// fake time (20 s at speed 30) from the first fetch on, and
			// the credentials live six (12 s). Nothing can renew them, so
			// the child must see errors once they have expired. What
			// awsauth owes: say so clearly (no "still valid" once they are
			// not, no call to log in, which would not help), keep serving
			// and retrying, and recover by itself when the portal is back.
			name: "portal-down-longer-than-credentials", speed: 30, seconds: 35,
			scenario: func(sc *awsfake.Scenario) { sc.RoleCredentialLifetime = 6 * time.Minute },
			during: func(e *faultEnv) error {
				if err := e.afterFirstFetch(0); err != nil {
					return err
				}
				e.fake.Faults().Down(awsfake.ServicePortal, 10*time.Minute)
				return nil
			},
			check: func(t *testing.T, r *faultResult) {
				r.wantOnlyChildErrors(t, "no valid credentials", "nothing could renew its credentials for 8 s")
				r.wantReport(t, "GetRoleCredentials", "ServiceUnavailableException")
				expiredAt := regexp.MustCompile(`(?m)^awsauth: the credentials expired at (\S+) and could not be renewed \(.*ServiceUnavailableException.*\); AWS calls of the command fail until a renewal succeeds, retrying$`).FindStringSubmatch(r.stderr)
				if expiredAt == nil {
					t.Fatalf("awsauth did not report the expiry clearly; stderr:\n%s", tail(r.stderr, 6000))
				}
				after := r.stderr[strings.Index(r.stderr, expiredAt[0]):]
				if strings.Contains(after, "still valid until "+expiredAt[1]) {
					t.Errorf("after the expiry, awsauth still calls the credentials valid:\n%s", tail(after, 6000))
				}
				if !regexp.MustCompile(`(?m)^awsauth: credentials renewed after all; valid again until \S+$`).MatchString(after) {
					t.Errorf("awsauth did not say it recovered:\n%s", tail(after, 6000))
				}
				r.wantNot(t, "log in")
			},
		},
		{
			// AWS's clock jumps 20 minutes ahead 2 s into the run. The
			// credentials served keep 5 s of real validity past their
			// renewal, so the child sees nothing. The SSO access token
			// (40 minutes) expires for the portal before the token cache
			// says it does, so the renewal is refused and awsauth must
			// renew the token and retry, unseen.
			name: "clock-jump-forward", short: true, speed: 120, seconds: 28,
			scenario: func(sc *awsfake.Scenario) { sc.AccessTokenLifetime = 40 * time.Minute },
			during: func(e *faultEnv) error {
				if err := e.afterFirstFetch(2 * time.Second); err != nil {
					return err
				}
				e.clock.Advance(20 * time.Minute)
				return nil
			},
			check: func(t *testing.T, r *faultResult) {
				r.wantNoChildErrors(t)
				if r.fake.Calls("CreateToken") == 0 {
					t.Error("awsauth never renewed the SSO token the portal refused")
				}
			},
		},
		{
			// Inherently failing: AWS's clock jumps two hours ahead, past
			// the expiry of the credentials the child holds, which by the
			// local clock are still valid. STS answers ExpiredToken until
			// awsauth's scheduled renewal: nothing tells awsauth earlier
			// (this is clock skew, which awsauth preflight checks for).
			// Then everything works again, the SSO access token (expired
			// for the portal) renewed on the way.
			name: "clock-jump-past-expiry", speed: 120, seconds: 28,
			scenario: func(sc *awsfake.Scenario) { sc.AccessTokenLifetime = time.Hour },
			during: func(e *faultEnv) error {
				if err := e.afterFirstFetch(2 * time.Second); err != nil {
					return err
				}
				e.clock.Advance(2 * time.Hour)
				return nil
			},
			check: func(t *testing.T, r *faultResult) {
				r.wantOnlyChildErrors(t, "ExpiredToken", "AWS's clock jumped past its credentials' expiry")
				// The errors stop with the first renewal after they began
				// (one call may have been under way with the old keys).
				first := strings.Index(r.stderr, "go error:")
				renewed := strings.Index(r.stderr[max(first, 0):], "debug: exec: renewed")
				if first >= 0 && (renewed < 0 || strings.Count(r.stderr[first+renewed:], "go error:") > 1) {
					t.Errorf("the child kept failing after awsauth renewed; stderr:\n%s", tail(r.stderr, 6000))
				}
				if r.fake.Calls("CreateToken") == 0 {
					t.Error("awsauth never renewed the SSO token the portal refused")
				}
			},
		},
		{
			// AWS's clock jumps two hours back: everything issued lives
			// longer for AWS, nothing changes for the child.
			name: "clock-jump-back", speed: 120, seconds: 28,
			during: func(e *faultEnv) error {
				if err := e.afterFirstFetch(2 * time.Second); err != nil {
					return err
				}
				e.clock.Set(e.clock.Now().Add(-2 * time.Hour))
				return nil
			},
			check: func(t *testing.T, r *faultResult) { r.wantNoChildErrors(t) },
		},
	}

	results := make([]chan *faultResult, len(scenarios))
	for i, s := range scenarios {
		if testing.Short() && !s.short {
			continue
		}
		results[i] = make(chan *faultResult, 1)
		sdir := filepath.Join(dir, s.name)
		if err := os.Mkdir(sdir, 0o700); err != nil {
			t.Fatal(err)
		}
		go func() { results[i] <- runFaultScenario(t.Context(), awsauth, goclient, sdir, s) }()
	}
	for i, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			if results[i] == nil {
				t.Skip("-short runs one scenario per kind of fault")
			}
			r := <-results[i]
			for _, l := range r.log {
				t.Log(l)
			}
			if r.err != nil {
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, tail(r.stderr, 6000))
			}
			checkCommon(t, r)
			s.check(t, r)
		})
	}
}
