//go:build linux

package hardening

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// sandbox is a sealed HOME and TMPDIR for awsauth processes, with every
// inherited AWS_* variable left out.
type sandbox struct {
	t       testing.TB
	bin     string
	home    string
	tmp     string
	work    string // the working directory of every run
	capture string // helper reports: outside HOME and TMPDIR, never scanned as output
	env     map[string]string
}

func newSandbox(t testing.TB) *sandbox {
	t.Helper()
	root := t.TempDir()
	sb := &sandbox{
		t:       t,
		bin:     awsauthBin(t),
		home:    filepath.Join(root, "home"),
		tmp:     filepath.Join(root, "tmp"),
		capture: filepath.Join(root, "capture"),
	}
	sb.work = filepath.Join(sb.home, "project")
	for _, d := range []string{filepath.Join(sb.home, ".aws"), sb.tmp, sb.capture, sb.work} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	sb.env = map[string]string{
		"PATH":     os.Getenv("PATH"),
		"HOME":     sb.home,
		"TMPDIR":   sb.tmp,
		"NO_COLOR": "1",
		"LANG":     "C",
		// Nothing here is an EC2 instance: never wait on 169.254.169.254.
		"AWS_EC2_METADATA_DISABLED": "true",
		// exec renews in its own process: an agent would outlive the test.
		"AWSAUTH_NO_AGENT": "1",
	}
	if raceEnabled {
		// A -race binary sleeps a second at exit by default, in case another
		// goroutine is about to report; hundreds of runs cannot afford it.
		sb.env["GORACE"] = "atexit_sleep_ms=20"
	}
	return sb
}

// useFake points every AWS endpoint at fake: STS, SSO and SSO OIDC by name,
// and any other service (CloudFormation, for doctor) by AWS_ENDPOINT_URL,
// so that no run reaches beyond 127.0.0.1.
func (sb *sandbox) useFake(fake *awsfake.Server) {
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC"} {
		sb.env[k] = fake.URL()
	}
	sb.env["AWS_REGION"] = "us-east-1"
}

func (sb *sandbox) writeFile(rel, content string) string {
	sb.t.Helper()
	p := filepath.Join(sb.home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		sb.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		sb.t.Fatal(err)
	}
	return p
}

// ssoCachePath is the AWS CLI v2 token file of an sso-session.
func (sb *sandbox) ssoCachePath(session string) string {
	sum := sha1.Sum([]byte(session))
	return filepath.Join(sb.home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
}

func (sb *sandbox) credCacheDir() string { return filepath.Join(sb.home, ".cache", "awsauth") }

// ssoCacheEntry is a token file as `aws sso login` leaves it.
func ssoCacheEntry(tok awsfake.SSOToken, startURL string) map[string]any {
	return map[string]any{
		"startUrl":              startURL,
		"region":                "us-east-1",
		"accessToken":           tok.AccessToken,
		"expiresAt":             tok.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z"),
		"clientId":              tok.ClientID,
		"clientSecret":          tok.ClientSecret,
		"registrationExpiresAt": tok.RegistrationExpiresAt.UTC().Format("2006-01-02T15:04:05Z"),
		"refreshToken":          tok.RefreshToken,
	}
}

// seedSSO writes a token the fake accepts into the cache of session, as if
// the person had logged in, and returns it.
func (sb *sandbox) seedSSO(fake *awsfake.Server, session, startURL string) awsfake.SSOToken {
	sb.t.Helper()
	tok := fake.IssueSSOToken()
	sb.writeSSO(session, startURL, tok)
	return tok
}

// writeSSO writes tok into the cache of session.
func (sb *sandbox) writeSSO(session, startURL string, tok awsfake.SSOToken) {
	sb.t.Helper()
	data, _ := json.Marshal(ssoCacheEntry(tok, startURL))
	p := sb.ssoCachePath(session)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		sb.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		sb.t.Fatal(err)
	}
}

// runOpts are a run's differences from the sandbox.
type runOpts struct {
	env     map[string]string // added or replaced
	drop    []string          // removed
	stdin   string
	timeout time.Duration // default 60 s
}

func (sb *sandbox) environ(o runOpts) []string {
	m := map[string]string{}
	for k, v := range sb.env {
		m[k] = v
	}
	for k, v := range o.env {
		m[k] = v
	}
	for _, k := range o.drop {
		delete(m, k)
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// proc is a running awsauth.
type proc struct {
	args           []string
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	start          time.Time
	// argv is /proc/PID/cmdline read just after the start.
	argv []string
}

// result is a finished awsauth run.
type result struct {
	args           []string
	code           int
	stdout, stderr string
	argv           []string
	elapsed        time.Duration
}

func (sb *sandbox) start(args []string, o runOpts) *proc {
	sb.t.Helper()
	if o.timeout == 0 {
		o.timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	cmd := exec.CommandContext(ctx, sb.bin, args...)
	cmd.Dir = sb.work
	cmd.Env = sb.environ(o)
	cmd.Stdin = strings.NewReader(o.stdin)
	p := &proc{args: args, cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	// Its own process group, so a timeout kills what it started too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		cancel()
		sb.t.Fatalf("start awsauth %v: %v", args, err)
	}
	p.argv = cmdline(cmd.Process.Pid)
	return p
}

func (p *proc) wait() result {
	err := p.cmd.Wait()
	p.cancel()
	r := result{args: p.args, stdout: p.stdout.String(), stderr: p.stderr.String(), argv: p.argv, elapsed: time.Since(p.start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = 128 + int(ws.Signal())
		}
	default:
		r.code = -1
		r.stderr += "\n(wait: " + err.Error() + ")"
	}
	return r
}

func (sb *sandbox) run(args []string, o runOpts) result {
	sb.t.Helper()
	return sb.start(args, o).wait()
}

// checkClean fails on what no awsauth run may print: a panic, or a data
// race found by a -race build.
func checkClean(t testing.TB, r result) {
	t.Helper()
	for _, bad := range []string{"WARNING: DATA RACE", "panic:", "goroutine 1 ["} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("awsauth %s: stderr has %q (exit %d):\n%s", strings.Join(r.args, " "), bad, r.code, tail(r.stderr, 6000))
			return
		}
	}
	if raceEnabled && r.code == 66 {
		t.Errorf("awsauth %s exited 66 (the race detector's code):\n%s", strings.Join(r.args, " "), tail(r.stderr, 6000))
	}
}

// syncBuffer is a bytes.Buffer that a process may write while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// randomKeyID returns an access key id in AWS's format: AKIA + 16 of [A-Z2-7].
func randomKeyID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "AKIA" + base32.StdEncoding.EncodeToString(b)[:16]
}

// randomSecret returns 40 characters shaped like a secret access key.
func randomSecret() string {
	b := make([]byte, 30)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// randomToken returns an opaque token with prefix.
func randomToken(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// sessionCreds asks the fake's STS for session credentials of an IAM user.
func sessionCreds(t testing.TB, url, keyID, secret string) aws.Credentials {
	t.Helper()
	c := sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
	})
	out, err := c.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(3600)})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	cr := out.Credentials
	return aws.Credentials{AccessKeyID: aws.ToString(cr.AccessKeyId), SecretAccessKey: aws.ToString(cr.SecretAccessKey),
		SessionToken: aws.ToString(cr.SessionToken), CanExpire: true, Expires: aws.ToTime(cr.Expiration)}
}

// callerAccount checks credentials against the fake's STS.
func callerAccount(ctx context.Context, url string, c aws.Credentials) (string, error) {
	cl := sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
	})
	out, err := cl.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Account), nil
}

// fileSig is what a snapshot remembers of a file.
type fileSig struct {
	sum  [32]byte
	mode fs.FileMode
}

// snapshot hashes every regular file under roots.
func snapshot(roots ...string) map[string]fileSig {
	out := map[string]fileSig{}
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			info, _ := d.Info()
			var mode fs.FileMode
			if info != nil {
				mode = info.Mode()
			}
			out[p] = fileSig{sum: sha256.Sum256(data), mode: mode}
			return nil
		})
	}
	return out
}

// changedFiles lists the files of after that are new or differ from before.
func changedFiles(before, after map[string]fileSig) []string {
	var out []string
	for p, s := range after {
		if b, ok := before[p]; !ok || b.sum != s.sum {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
