//go:build linux || darwin

package agent

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/session"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// world is a person's machine: an SSO profile logged in to the fake, and
// the environment a client would send.
type world struct {
	fake *awsfake.Server
	env  map[string]string
	dir  string // the agent's directory
}

func newWorld(t *testing.T, roleLife time.Duration) *world {
	t.Helper()
	sc := awsfake.DefaultScenario()
	sc.RoleCredentialLifetime = roleLife
	fake, err := awsfake.Start(t.Context(), awsfake.Options{Scenario: &sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws", "sso", "cache"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = "+awsfake.DefaultStartURL+"\nsso_region = us-east-1\n"), 0o600)
	tok := fake.IssueSSOToken()
	cache, _ := json.Marshal(map[string]string{
		"startUrl": awsfake.DefaultStartURL, "region": "us-east-1", "accessToken": tok.AccessToken,
		"expiresAt": tok.ExpiresAt.UTC().Format(time.RFC3339), "clientId": tok.ClientID, "clientSecret": tok.ClientSecret,
		"refreshToken": tok.RefreshToken, "registrationExpiresAt": tok.RegistrationExpiresAt.UTC().Format(time.RFC3339),
	})
	sum := sha1.Sum([]byte("corp"))
	os.WriteFile(filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json"), cache, 0o600)
	// A short directory: socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "aa")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return &world{fake: fake, dir: dir, env: map[string]string{
		"HOME": home, "AWS_EC2_METADATA_DISABLED": "true", "XDG_RUNTIME_DIR": dir,
		"AWS_ENDPOINT_URL_SSO": fake.URL(), "AWS_ENDPOINT_URL_SSO_OIDC": fake.URL(), "AWS_ENDPOINT_URL_STS": fake.URL(),
	}}
}

func (w *world) clientEnv() sysenv.Env { return sysenv.FromMap(w.env) }

// serve runs an agent for w until the test ends, and returns once it
// listens.
func (w *world) serve(t *testing.T, configure func(*Server)) (*Server, chan error) {
	t.Helper()
	ready := make(chan struct{})
	s := &Server{
		Dir:   Dir(w.clientEnv()),
		Deps:  session.Deps{HTTPClient: &http.Client{Timeout: 10 * time.Second}},
		UID:   -1,
		Ready: func() { close(ready) },
	}
	if configure != nil {
		configure(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case <-ready:
	case err := <-done:
		done <- err
		return s, done
	case <-time.After(10 * time.Second):
		t.Fatal("the agent did not listen within 10 s")
	}
	return s, done
}

func (w *world) req() Request {
	return Request{Profile: "dev", Env: w.env, PID: os.Getpid(), Command: "test"}
}

// Three clients of one profile share one session: one upstream call per
// renewal for all of them, and every client always holds valid keys.
func TestOneSessionForEveryClient(t *testing.T) {
	w := newWorld(t, 4*time.Second)
	w.serve(t, nil)
	var ats []*Attachment
	for range 3 {
		at, err := Attach(t.Context(), w.clientEnv(), w.req(), nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer at.Close()
		ats = append(ats, at)
	}
	start := time.Now()
	keys := map[string]bool{}
	for time.Since(start) < 9*time.Second {
		for i, at := range ats {
			c, err := at.Get()
			if err != nil {
				t.Fatalf("client %d: %v", i, err)
			}
			keys[c.AccessKeyID] = true
		}
		time.Sleep(100 * time.Millisecond)
	}
	// 4 s credentials renewed at half their life over 9 s: the first
	// fetch and about four renewals, for the three clients together.
	calls := w.fake.Calls("GetRoleCredentials")
	if calls > 7 || len(keys) < 3 {
		t.Errorf("GetRoleCredentials called %d times for three clients (want at most 7: one session), %d distinct keys seen (want renewals)", calls, len(keys))
	}
	st, _, err := Status(t.Context(), w.clientEnv())
	if err != nil || len(st) != 1 || len(st[0].Clients) != 3 || st[0].Profile != "dev" || st[0].Source != "sso" {
		t.Errorf("status = %+v, %v; want one sso session of dev with three clients", st, err)
	}
}

// A connection from another uid gets nothing but a refusal.
func TestRefusesAnotherUser(t *testing.T) {
	w := newWorld(t, time.Hour)
	w.serve(t, func(s *Server) {
		s.PeerUID = func(net.Conn) (int, error) { return os.Getuid() + 1, nil }
	})
	_, err := Attach(t.Context(), w.clientEnv(), w.req(), nil, nil, nil)
	var ae *Error
	if !errors.As(err, &ae) || !strings.Contains(ae.Msg, "only its owner") {
		t.Fatalf("Attach from another uid = %v, want a refusal", err)
	}
	if n := w.fake.Calls("GetRoleCredentials"); n != 0 {
		t.Errorf("the agent fetched credentials (%d calls) for a stranger", n)
	}
}

// The real peer check answers this process's own uid.
func TestPeerUIDIsOurs(t *testing.T) {
	w := newWorld(t, time.Hour)
	w.serve(t, nil)
	if !Running(t.Context(), w.clientEnv()) {
		t.Fatal("the agent refused its owner")
	}
}

// A socket left by a crashed agent is replaced; the directory is 0700 and
// the socket 0600.
func TestStaleSocketIsReplaced(t *testing.T) {
	w := newWorld(t, time.Hour)
	dir := Dir(w.clientEnv())
	os.MkdirAll(dir, 0o755)
	ln, err := net.Listen("unix", SocketPath(w.clientEnv()))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // as a kill -9 leaves it: a socket file nobody answers on
	w.serve(t, nil)
	if !Running(t.Context(), w.clientEnv()) {
		t.Fatal("no agent answers after a stale socket")
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, SocketPath(w.clientEnv()): 0o600} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode().Perm(), err, want)
		}
	}
}

// Two agents started at once: one serves, the other finds it and leaves
// its socket alone.
func TestTwoStartsAtOnce(t *testing.T) {
	w := newWorld(t, time.Hour)
	var wg sync.WaitGroup
	results := make(chan error, 2)
	ctx, cancel := context.WithCancel(context.Background())
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &Server{Dir: Dir(w.clientEnv()), UID: -1}
			results <- s.Run(ctx)
		}()
	}
	first := <-results
	if !errors.Is(first, ErrRunning) {
		t.Fatalf("the first agent to return said %v, want ErrRunning (the other serves)", first)
	}
	// The winner may still be between taking the lock and listening.
	deadline := time.Now().Add(5 * time.Second)
	for !Running(t.Context(), w.clientEnv()) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !Running(t.Context(), w.clientEnv()) {
		t.Error("the agent that serves does not answer after the other gave up")
	}
	cancel()
	wg.Wait()
	if err := <-results; err != nil {
		t.Errorf("the serving agent: %v", err)
	}
}

// With no client for the idle time, the agent exits by itself and takes
// its socket with it.
func TestIdleExit(t *testing.T) {
	w := newWorld(t, time.Hour)
	_, done := w.serve(t, func(s *Server) { s.Idle = 300 * time.Millisecond })
	at, err := Attach(t.Context(), w.clientEnv(), w.req(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the agent exited (%v) while a client was attached", err)
	default:
	}
	at.Close()
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("idle exit: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the agent did not exit within 5 s of its last client leaving")
	}
	if _, err := os.Stat(SocketPath(w.clientEnv())); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket is still there after the agent exited: %v", err)
	}
}

// The agent's death closes every attachment: exec's cue to go on alone.
func TestAttachmentSeesTheAgentGo(t *testing.T) {
	w := newWorld(t, time.Hour)
	w.serve(t, nil)
	at, err := Attach(t.Context(), w.clientEnv(), w.req(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Stop(t.Context(), w.clientEnv()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-at.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the attachment did not notice the agent stop")
	}
	if _, err := at.Get(); err != nil {
		t.Errorf("the last credentials are gone with the agent: %v", err)
	}
}

// Credentials never travel in the request: RequestEnv drops them.
func TestRequestEnvHasNoSecrets(t *testing.T) {
	env := RequestEnv([]string{"AWS_PROFILE=dev", "AWS_SECRET_ACCESS_KEY=s3cr3t", "AWS_SESSION_TOKEN=tok", "AWS_ACCESS_KEY_ID=AKIA", "HOME=/h", "SECRET=x", "AWS_CONTAINER_AUTHORIZATION_TOKEN=t"})
	want := map[string]string{"AWS_PROFILE": "dev", "HOME": "/h"}
	if len(env) != len(want) || env["AWS_PROFILE"] != "dev" || env["HOME"] != "/h" {
		t.Errorf("RequestEnv = %v, want %v", env, want)
	}
}

// When the session needs a person, every attached client hears it, and
// the desktop is notified once for all of them.
func TestOneNotificationForEveryClient(t *testing.T) {
	w := newWorld(t, 4*time.Second)
	var mu sync.Mutex
	var notified []string
	w.serve(t, func(s *Server) {
		s.Notify = func(profile string, _ time.Time) {
			mu.Lock()
			notified = append(notified, profile)
			mu.Unlock()
		}
	})
	heard := make(chan string, 10)
	req := w.req()
	req.Notify = true
	for range 3 {
		at, err := Attach(t.Context(), w.clientEnv(), req, nil, func(m Message) {
			if m.Event != "" {
				heard <- m.Event
			}
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer at.Close()
	}
	w.fake.EndSSOSessions()
	for i := range 3 {
		select {
		case ev := <-heard:
			if ev != "needs-login" {
				t.Errorf("client heard %q, want needs-login", ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of 3 clients heard that a login is needed", i)
		}
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(notified) != 1 || notified[0] != "dev" {
		t.Errorf("desktop notifications: %v, want one for dev", notified)
	}
}

// An MFA role shared by three terminals asks for one code, on the
// terminal that opened the session; the others never ask.
func TestOneMFACodeForEveryClient(t *testing.T) {
	w := newWorld(t, time.Hour)
	home := w.env["HOME"]
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile breakglass]\nrole_arn = arn:aws:iam::222222222222:role/BreakGlass\nsource_profile = deployer\nmfa_serial = "+awsfake.DefaultMFASerial+"\nregion = us-east-1\n"), 0o600)
	os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[deployer]\naws_access_key_id = "+awsfake.DefaultUserAccessKeyID+"\naws_secret_access_key = "+awsfake.DefaultUserSecretAccessKey+"\n"), 0o600)
	w.serve(t, nil)
	var mu sync.Mutex
	asked := map[int]int{}
	req := w.req()
	req.Profile = "breakglass"
	for i := range 3 {
		prompt := func(serial string) (string, error) {
			mu.Lock()
			asked[i]++
			mu.Unlock()
			if serial != awsfake.DefaultMFASerial {
				t.Errorf("asked for %s", serial)
			}
			return awsfake.DefaultMFACode, nil
		}
		at, err := Attach(t.Context(), w.clientEnv(), req, nil, nil, prompt)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		defer at.Close()
		if c, err := at.Get(); err != nil || c.SessionToken == "" {
			t.Fatalf("client %d: no role credentials: %v", i, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 1 || asked[0] != 1 {
		t.Errorf("MFA prompts by client: %v, want one, on the first", asked)
	}
	if n := w.fake.Calls("GetSessionToken"); n != 1 {
		t.Errorf("GetSessionToken called %d times, want once", n)
	}
}

// A client without a terminal is never asked; with no one to ask, the
// attach fails with a refusal that says a code is needed.
func TestMFAWithoutATerminal(t *testing.T) {
	w := newWorld(t, time.Hour)
	home := w.env["HOME"]
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile breakglass]\nrole_arn = arn:aws:iam::222222222222:role/BreakGlass\nsource_profile = deployer\nmfa_serial = "+awsfake.DefaultMFASerial+"\nregion = us-east-1\n"), 0o600)
	os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[deployer]\naws_access_key_id = "+awsfake.DefaultUserAccessKeyID+"\naws_secret_access_key = "+awsfake.DefaultUserSecretAccessKey+"\n"), 0o600)
	w.serve(t, nil)
	req := w.req()
	req.Profile = "breakglass"
	_, err := Attach(t.Context(), w.clientEnv(), req, nil, nil, nil)
	var ae *Error
	if !errors.As(err, &ae) || !strings.Contains(ae.Msg, "MFA") || !ae.LoginRequired {
		t.Errorf("Attach without a terminal = %v, want a refusal naming MFA", err)
	}
}
