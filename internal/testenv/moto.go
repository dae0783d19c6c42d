package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Credentials and identity that moto 5.2 answers with when it is not told
// otherwise. See the package documentation for where each one shows up.
const (
	// MotoAccount is moto's default account, used for any access key it did
	// not issue itself.
	MotoAccount = "123456789012"
	// MotoCallerARN is what GetCallerIdentity returns for keys moto did not
	// issue, whatever they are.
	MotoCallerARN = "arn:aws:sts::123456789012:user/moto"
	// TestAccessKeyID and TestSecretAccessKey are AWS's documented example
	// keys. moto accepts them (and anything else) unless [MotoServer.EnforceAuth]
	// is on.
	TestAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	TestSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	// TestRegion is the region [Env.ForMoto] sets when none is set.
	TestRegion = "us-east-1"
)

// MotoBinary is the executable StartMoto looks up on PATH.
const MotoBinary = "moto_server"

// ErrMotoNotFound is returned by [StartMoto] when [MotoBinary] is not on PATH.
var ErrMotoNotFound = errors.New("moto_server not found on PATH")

const (
	motoStartTimeout = 20 * time.Second
	motoPollInterval = 50 * time.Millisecond
	// motoStartAttempts bounds the retries after losing the free port to
	// another process between choosing it and moto binding it.
	motoStartAttempts = 3
	// logKeep is how much of moto's output is kept: it logs every request,
	// and a long test binary would otherwise grow the buffer without bound.
	logKeep = 64 << 10
)

// MotoServer is a running moto_server bound to 127.0.0.1.
type MotoServer struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:41234", for
	// BaseEndpoint or AWS_ENDPOINT_URL.
	URL string

	cmd     *exec.Cmd
	log     *tailBuffer
	exited  chan struct{} // closed once cmd.Wait has returned
	waitErr error         // set before exited is closed

	shared    bool // the per-binary server from [Moto]; stopped by [Main]
	closeOnce sync.Once
	closeErr  error
}

// motoHTTP talks only to servers this package started on 127.0.0.1, so it
// never uses a proxy.
var motoHTTP = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableCompression: true},
	Timeout:   10 * time.Second,
}

// StartMoto starts a private moto_server on a free 127.0.0.1 port, in its own
// process group, and returns once it answers GET /moto-api/. ctx bounds the
// start-up only (at most 20 s in any case); the server runs until Close.
//
// Most tests want the shared server from [Moto] instead; StartMoto is for a
// test that needs its own server, e.g. one that must run in parallel with
// others while depending on moto's global state.
func StartMoto(ctx context.Context) (*MotoServer, error) {
	bin, err := exec.LookPath(MotoBinary)
	if err != nil {
		return nil, fmt.Errorf("testenv: %w (install it with: pip install 'moto[server]==5.2.*')", ErrMotoNotFound)
	}
	return startMoto(ctx, bin)
}

func startMoto(ctx context.Context, bin string) (*MotoServer, error) {
	ctx, cancel := context.WithTimeout(ctx, motoStartTimeout)
	defer cancel()
	var err error
	for range motoStartAttempts {
		var port int
		port, err = freePort()
		if err != nil {
			return nil, fmt.Errorf("testenv: picking a port for moto: %w", err)
		}
		var m *MotoServer
		m, err = startMotoOnPort(ctx, bin, port)
		if err == nil {
			return m, nil
		}
		if !errors.Is(err, errPortTaken) {
			return nil, err
		}
	}
	return nil, err
}

var errPortTaken = errors.New("port already in use")

// freePort asks the kernel for a free port. Another process may take it
// before moto binds it; startMoto retries when that happens.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startMotoOnPort(ctx context.Context, bin string, port int) (*MotoServer, error) {
	m := &MotoServer{
		URL:    "http://127.0.0.1:" + strconv.Itoa(port),
		log:    &tailBuffer{keep: logKeep},
		exited: make(chan struct{}),
	}
	// Not exec.CommandContext: ctx bounds the start-up, not the server's life.
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = motoEnviron(os.Environ())
	cmd.Stdout = m.log
	cmd.Stderr = m.log
	cmd.SysProcAttr = sysProcAttr()
	// Bounds Wait should something outside the process group hold the
	// output pipe open.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testenv: starting moto: %w", err)
	}
	m.cmd = cmd
	go func() {
		m.waitErr = cmd.Wait()
		close(m.exited)
	}()

	if err := m.waitReady(ctx); err != nil {
		m.stop()
		out := strings.TrimSpace(m.log.String())
		if strings.Contains(out, "Address already in use") || strings.Contains(out, "is in use by another program") {
			return nil, fmt.Errorf("testenv: moto on port %d: %w", port, errPortTaken)
		}
		if out == "" {
			out = "(no output)"
		}
		return nil, fmt.Errorf("testenv: moto did not start on %s: %w\nmoto output:\n%s", m.URL, err, out)
	}
	return m, nil
}

// motoEnviron drops what would change moto's answers from the parent's
// environment: AWS_* (region, keys), MOTO_* (e.g. MOTO_ACCOUNT_ID replaces the
// default account) and INITIAL_NO_AUTH_ACTION_COUNT (turns on IAM auth).
func motoEnviron(parent []string) []string {
	env := make([]string, 0, len(parent)+1)
	for _, kv := range parent {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "MOTO_") || k == "INITIAL_NO_AUTH_ACTION_COUNT" || k == "PYTHONUNBUFFERED" {
			continue
		}
		env = append(env, kv)
	}
	// So a failure to start shows its traceback even if Python is killed.
	return append(env, "PYTHONUNBUFFERED=1")
}

// waitReady polls GET /moto-api/ every 50 ms until it answers 200, the
// process exits, or ctx ends.
func (m *MotoServer) waitReady(ctx context.Context) error {
	tick := time.NewTicker(motoPollInterval)
	defer tick.Stop()
	var last error
	for {
		if err := m.ping(ctx); err == nil {
			// Something else may answer on a port moto failed to bind.
			select {
			case <-m.exited:
				return fmt.Errorf("moto exited: %v", m.waitErr)
			default:
				return nil
			}
		} else {
			last = err
		}
		select {
		case <-m.exited:
			return fmt.Errorf("moto exited: %v", m.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("%w (last poll: %v)", ctx.Err(), last)
		case <-tick.C:
		}
	}
}

func (m *MotoServer) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL+"/moto-api/", nil)
	if err != nil {
		return err
	}
	resp, err := motoHTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /moto-api/: %s", resp.Status)
	}
	return nil
}

// Close kills the server's process group and waits for it. It is safe to
// call more than once. Closing the shared server from [Moto] is an error:
// [Main] or [StopShared] stops it.
func (m *MotoServer) Close() error {
	if m.shared {
		return errors.New("testenv: the shared moto is stopped by testenv.Main or StopShared, not Close")
	}
	return m.stop()
}

func (m *MotoServer) stop() error {
	m.closeOnce.Do(func() {
		if m.cmd == nil || m.cmd.Process == nil {
			return
		}
		// moto keeps nothing worth a graceful shutdown, and SIGTERM takes
		// it most of a second. An error (the process is gone already)
		// matters only if the process does not go.
		killErr := killGroup(m.cmd.Process)
		t := time.NewTimer(5 * time.Second)
		defer t.Stop()
		select {
		case <-m.exited: // reaped; Wait is bounded by cmd.WaitDelay
		case <-t.C:
			m.closeErr = fmt.Errorf("testenv: moto (pid %d) still running 5s after SIGKILL (kill: %v)", m.cmd.Process.Pid, killErr)
		}
	})
	return m.closeErr
}

// Pid is the server's process id, which is also its process group id.
func (m *MotoServer) Pid() int {
	if m.cmd == nil || m.cmd.Process == nil {
		return 0
	}
	return m.cmd.Process.Pid
}

// Output returns the most recent output of the server (up to 64 KiB): its
// start-up messages and one line per request.
func (m *MotoServer) Output() string { return m.log.String() }

// Reset forgets all of moto's state (POST /moto-api/reset) and turns IAM
// authentication back off (POST /moto-api/reset-auth), which the reset alone
// does not do.
func (m *MotoServer) Reset(ctx context.Context) error {
	if err := m.post(ctx, "/moto-api/reset", ""); err != nil {
		return err
	}
	return m.post(ctx, "/moto-api/reset-auth", "inf")
}

// EnforceAuth makes moto check every request's access key and signature from
// now on, until [MotoServer.Reset]. Keys moto did not issue (from IAM
// CreateAccessKey or STS) are then rejected with InvalidClientTokenId, and so
// are its session credentials sent with a wrong session token. It is the only
// way to make moto's GetCallerIdentity fail. Create the IAM users and keys a
// test needs (see [MotoServer.Query]) before calling it: with auth on, requests also
// need IAM policies that allow them (GetCallerIdentity is always allowed).
func (m *MotoServer) EnforceAuth(ctx context.Context) error {
	return m.post(ctx, "/moto-api/reset-auth", "0")
}

func (m *MotoServer) post(ctx context.Context, path, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	// reset-auth reads the raw body, which a form content type would eat.
	req.Header.Set("Content-Type", "text/plain")
	resp, err := motoHTTP.Do(req)
	if err != nil {
		return fmt.Errorf("testenv: POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("testenv: POST %s: %s: %s", path, resp.Status, bytes.TrimSpace(b))
	}
	return nil
}

// Query calls an AWS Query-protocol action (IAM, STS, CloudFormation) on moto,
// signed with [TestAccessKeyID] in [TestRegion], and returns the XML response.
// It sets up state without a service client the module does not otherwise
// need, e.g.
//
//	m.Query(ctx, "iam", url.Values{"Action": {"CreateRole"}, "RoleName": {"Deploy"}, ...})
//
// Version is filled in for iam, sts and cloudformation. Resources land in
// [MotoAccount]. A non-2xx answer is an error holding moto's response.
func (m *MotoServer) Query(ctx context.Context, service string, params url.Values) (string, error) {
	return m.query(ctx, aws.Credentials{AccessKeyID: TestAccessKeyID, SecretAccessKey: TestSecretAccessKey}, service, params)
}

func (m *MotoServer) query(ctx context.Context, creds aws.Credentials, service string, params url.Values) (string, error) {
	p := url.Values{}
	for k, v := range params {
		p[k] = v
	}
	if p.Get("Version") == "" {
		p.Set("Version", queryVersions[service])
	}
	body := p.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL+"/", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	// moto picks the service from the signature's credential scope.
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, TestRegion, time.Now()); err != nil {
		return "", fmt.Errorf("testenv: signing %s %s: %w", service, p.Get("Action"), err)
	}
	resp, err := motoHTTP.Do(req)
	if err != nil {
		return "", fmt.Errorf("testenv: %s %s: %w", service, p.Get("Action"), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("testenv: %s %s: %w", service, p.Get("Action"), err)
	}
	if resp.StatusCode/100 != 2 {
		return string(b), fmt.Errorf("testenv: %s %s: %s: %s", service, p.Get("Action"), resp.Status, bytes.TrimSpace(b))
	}
	return string(b), nil
}

var queryVersions = map[string]string{
	"iam":            "2010-05-08",
	"sts":            "2011-06-15",
	"cloudformation": "2010-05-15",
}

// tailBuffer keeps the last keep bytes written to it, and counts all of them
// so a test can ask for what was written since it began.
type tailBuffer struct {
	mu    sync.Mutex
	keep  int
	buf   []byte
	total int64 // bytes ever written
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	b.total += int64(len(p))
	if len(b.buf) > 2*b.keep {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.keep:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// mark is a position for since.
func (b *tailBuffer) mark() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

// since returns what was written after mark, or as much of it as is kept.
func (b *tailBuffer) since(mark int64) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.total - mark
	if n > int64(len(b.buf)) {
		n = int64(len(b.buf))
	}
	return string(b.buf[int64(len(b.buf))-n:])
}
