package credserver_test

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/credserver"
)

func start(t *testing.T, src credserver.Source, opts credserver.Options) *credserver.Server {
	t.Helper()
	s, err := credserver.Start(t.Context(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// do sends one request to the server with its own transport, so no
// connection outlives the test.
func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestStartBindsLoopbackOnly(t *testing.T) {
	s := start(t, fixed(testCreds, nil), credserver.Options{})
	addr := s.Addr()
	if !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) || addr.Port == 0 {
		t.Fatalf("listening on %v, want 127.0.0.1 and a port", addr)
	}
	if want := "http://127.0.0.1:" + strconv.Itoa(addr.Port) + credserver.Path; s.URL() != want {
		t.Errorf("URL = %q, want %q", s.URL(), want)
	}

	// The port must be closed on every address of this host but 127.0.0.1,
	// as it would be open there had the server bound a wildcard address.
	ifAddrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	tried := 0
	for _, a := range ifAddrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.Equal(net.IPv4(127, 0, 0, 1)) || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		target := net.JoinHostPort(ipn.IP.String(), strconv.Itoa(addr.Port))
		if c, err := net.DialTimeout("tcp", target, time.Second); err == nil {
			c.Close()
			t.Errorf("port open on %s", target)
		}
		tried++
	}
	t.Logf("checked the port closed on %d other addresses", tried)
}

func TestStartFreshTokens(t *testing.T) {
	shape := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	seen := map[string]bool{}
	for range 3 {
		s := start(t, fixed(testCreds, nil), credserver.Options{})
		tok := s.Token()
		if !shape.MatchString(tok) {
			t.Errorf("token %q is not 43 characters of base64url", tok)
		}
		if b, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(b) != 32 {
			t.Errorf("token decodes to %d bytes (%v), want 32", len(b), err)
		}
		if seen[tok] {
			t.Errorf("token repeated across servers")
		}
		seen[tok] = true
	}
}

func TestServerAnswers(t *testing.T) {
	s := start(t, fixed(testCreds, nil), credserver.Options{Now: clock})
	port := strconv.Itoa(s.Addr().Port)

	for _, tc := range []struct {
		host   string // "" leaves the client's own
		status int
	}{
		{"", 200},
		{"localhost:" + port, 200},
		{"[::1]:" + port, 200},
		{"127.0.0.1:" + strconv.Itoa(s.Addr().Port+1), 403}, // not this endpoint's port
		{"attacker.example:" + port, 403},
	} {
		req, err := http.NewRequestWithContext(t.Context(), "GET", s.URL(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.host != "" {
			req.Host = tc.host
		}
		req.Header.Set("Authorization", s.Token())
		res, body := do(t, req)
		if res.StatusCode != tc.status {
			t.Errorf("Host %q: status %d, want %d: %s", tc.host, res.StatusCode, tc.status, body)
		}
		if tc.status == 200 && body != testBody {
			t.Errorf("body %s", body)
		}
	}
	if got, want := s.Stats(), (credserver.Stats{Served: 3, Rejected: 2}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestServerStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	s, err := credserver.Start(ctx, fixed(testCreds, nil), credserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A keep-alive connection, as an SDK holds one, must not keep it alive.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("GET", s.URL(), nil)
	req.Header.Set("Authorization", s.Token())
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()

	cancel()
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("server still serving 5 s after its context ended")
	}
	if c, err := net.DialTimeout("tcp", s.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("port still open after the context ended")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after the context ended: %v", err)
	}
}

func TestCloseTwice(t *testing.T) {
	s, err := credserver.Start(t.Context(), fixed(testCreds, nil), credserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case <-s.Done():
	default:
		t.Error("Done not closed after Close")
	}
}

func TestStartNilSource(t *testing.T) {
	if _, err := credserver.Start(t.Context(), nil, credserver.Options{}); err == nil {
		t.Error("Start with a nil source succeeded")
	}
}

// TestStartWithEndedContext: a context that has already ended stops the
// server at once, from a goroutine of its own that may run before Start
// returns. Run with -race: every round is a chance for that goroutine to
// beat Start's own bookkeeping.
func TestStartWithEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for i := 0; i < 200; i++ {
		s, err := credserver.Start(ctx, fixed(testCreds, nil), credserver.Options{})
		if err != nil {
			t.Fatalf("round %d: Start: %v", i, err)
		}
		select {
		case <-s.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: server still serving 5 s after Start with an ended context", i)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", i, err)
		}
	}
}
