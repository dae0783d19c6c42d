package awsfake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Options configures a Server. The zero value runs [DefaultScenario] on the
// wall clock.
type Options struct {
	// Scenario is the organisation to fake. A nil Scenario means
	// [DefaultScenario].
	Scenario *Scenario
	// Clock measures every expiry. Nil means the wall clock.
	Clock Clock
	// AutoApprove approves every device authorization as soon as it is
	// started, and every aws login authorization as soon as its page is
	// opened, for unattended demos and tests that are not about the
	// approval step.
	AutoApprove bool
	// Logf, when set, receives one line per request (never a secret).
	Logf func(format string, args ...any)
	// Faults, when set, is the fault controller the server consults on
	// every request; nil gives the server one of its own. Either way
	// [Server.Faults] returns it.
	Faults *Faults
}

// Server is the fake. It is an [http.Handler], so it can be mounted in an
// httptest server, and [Start] also serves it on a loopback port.
type Server struct {
	scenario Scenario
	clock    Clock
	auto     bool
	logf     func(string, ...any)
	faults   *Faults

	mu    sync.Mutex
	calls map[string]int
	keys  map[string]*credential
	// signin holds console sign-in tokens until they expire (fake time).
	signin map[string]time.Time
	oidc   oidcState
	login  loginState
	cfn    cfnState

	// set by Start
	url      string
	httpSrv  *http.Server
	closeErr error
	closing  sync.Once
	done     chan struct{}
}

type wallClock struct{}

func (wallClock) Now() time.Time                    { return time.Now() }
func (wallClock) RealTime(fake time.Time) time.Time { return fake }

// New returns a fake that is not listening anywhere; use it as an
// http.Handler. Most callers want [Start].
func New(opts Options) (*Server, error) {
	sc := DefaultScenario()
	if opts.Scenario != nil {
		sc = *opts.Scenario
	}
	sc, err := sc.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		scenario: sc,
		clock:    opts.Clock,
		auto:     opts.AutoApprove,
		logf:     opts.Logf,
		calls:    map[string]int{},
		keys:     map[string]*credential{},
		oidc:     newOIDCState(),
		login:    newLoginState(),
		done:     make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = wallClock{}
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	s.faults = attachFaults(opts.Faults, s.clock)
	for _, u := range sc.Users {
		s.keys[u.AccessKeyID] = &credential{
			accessKeyID: u.AccessKeyID,
			secret:      u.SecretAccessKey,
			who:         principal{kind: kindUser, account: u.AccountID, userName: u.Name},
		}
	}
	return s, nil
}

// Start serves a new fake on 127.0.0.1 at a free port until ctx ends or
// Close is called. It listens on loopback only: the fake hands out
// credentials to whoever asks.
func Start(ctx context.Context, opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("awsfake: listen: %w", err)
	}
	s.url = "http://" + ln.Addr().String()
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		err := s.httpSrv.Serve(ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("awsfake: serve: %v", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// URL is the base URL to give clients as their STS, SSO and SSO OIDC
// endpoint, for example http://127.0.0.1:41234. It is empty for a Server
// made with New.
func (s *Server) URL() string { return s.url }

// Close stops serving. It is safe to call more than once.
func (s *Server) Close() error {
	s.closing.Do(func() {
		close(s.done)
		if s.httpSrv != nil {
			s.closeErr = s.httpSrv.Close()
		}
	})
	return s.closeErr
}

// Clock returns the clock the fake measures expiries on.
func (s *Server) Clock() Clock { return s.clock }

// Scenario returns the scenario in force, defaults filled in.
func (s *Server) Scenario() Scenario { return s.scenario }

// Calls reports how many requests for the API operation op (for example
// "GetRoleCredentials" or "CreateToken") the fake has received, failed ones
// included, so tests can assert that a cache really avoided the network.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// CallCounts returns a copy of all per-operation counters.
func (s *Server) CallCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

func (s *Server) count(op string) {
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()
}

// maxBody bounds request bodies; real requests to these APIs are tiny.
const maxBody = 1 << 20

// ServeHTTP dispatches by path first (the REST-JSON services own fixed
// paths), then sends query requests to CloudFormation or STS by the API
// version they name.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if s.intercept(w, r, reqID) {
		return
	}
	switch r.URL.Path {
	case "/federation/credentials":
		s.portal(w, r, http.MethodGet, "GetRoleCredentials", s.getRoleCredentials)
	case "/assignment/accounts":
		s.portal(w, r, http.MethodGet, "ListAccounts", s.listAccounts)
	case "/assignment/roles":
		s.portal(w, r, http.MethodGet, "ListAccountRoles", s.listAccountRoles)
	case "/logout":
		s.portal(w, r, http.MethodPost, "Logout", s.logout)
	case "/client/register":
		s.oidcOp(w, r, "RegisterClient", s.registerClient)
	case "/device_authorization":
		s.oidcOp(w, r, "StartDeviceAuthorization", s.startDeviceAuthorization)
	case "/token":
		s.oidcOp(w, r, "CreateToken", s.createToken)
	case devicePath:
		s.devicePage(w, r)
	case federationPath:
		s.federation(w, r)
	case loginTokenPath:
		s.loginToken(w, r)
	case loginAuthorizePath:
		s.loginAuthorizePage(w, r)
	case loginConfirmationPath:
		s.loginConfirmationPage(w, r)
	default:
		if isCloudFormation(r) {
			s.cloudFormation(w, r, reqID)
			return
		}
		s.sts(w, r, reqID)
	}
}
