package awsfake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Service names one of the APIs the fake serves, for faults aimed at a
// whole service rather than one operation.
type Service string

// The services a [Fault] can name.
const (
	ServiceSTS            Service = "sts"
	ServicePortal         Service = "sso" // IAM Identity Center portal
	ServiceOIDC           Service = "sso-oidc"
	ServiceCloudFormation Service = "cloudformation"
	ServiceSignin         Service = "signin" // the console federation endpoint
	// ServiceLogin is the sign-in service's OAuth API behind aws login
	// (/v1/authorize, /v1/token): another API than the federation
	// endpoint, though AWS names both "signin".
	ServiceLogin Service = "signin-oauth"
)

// FaultKind is what a [Fault] does to the requests it hits.
type FaultKind int

const (
	// FaultServerError answers HTTP 500 in the protocol's error shape:
	// InternalFailure for the query services (STS, CloudFormation),
	// InternalServerException for the REST-JSON ones (portal, OIDC).
	FaultServerError FaultKind = iota + 1
	// FaultUnavailable answers HTTP 503: ServiceUnavailable, or
	// ServiceUnavailableException. [Faults.Down] uses it.
	FaultUnavailable
	// FaultThrottle answers as AWS does when a caller exceeds its rate:
	// 400 Throttling "Rate exceeded" for the query services, 429
	// TooManyRequestsException for the portal and OIDC.
	FaultThrottle
	// FaultDelay holds the request for [Fault.Delay] of real time, then
	// serves it normally, unless the client has given up meanwhile: then
	// the request is dropped unserved, so a timed-out CreateToken does not
	// spend a refresh token behind the client's back.
	FaultDelay
	// FaultReset answers nothing: the connection is closed with a TCP
	// reset, as a crashing load balancer does.
	FaultReset
	// FaultGarbled answers HTTP 400 with an HTML page, as a corporate
	// proxy or a misconfigured load balancer does: no SDK can read an
	// error code from it (the Go SDK reports UnknownError or a
	// deserialization failure).
	FaultGarbled
)

func (k FaultKind) String() string {
	switch k {
	case FaultServerError:
		return "server-error"
	case FaultUnavailable:
		return "unavailable"
	case FaultThrottle:
		return "throttle"
	case FaultDelay:
		return "delay"
	case FaultReset:
		return "reset"
	case FaultGarbled:
		return "garbled"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault is one rule of a [Faults] controller. A request is hit by the first
// rule, in the order they were added, that matches it, is active and has
// requests left.
type Fault struct {
	Kind FaultKind
	// Op limits the fault to one API operation, named as [Server.Calls]
	// names it ("GetRoleCredentials", "AssumeRole", "CreateToken", ...).
	// Empty means every operation.
	Op string
	// Service limits the fault to one service. Empty means every service.
	Service Service
	// Skip lets this many matching requests through before the fault
	// starts hitting, so that a test can fail a renewal but not the first
	// fetch.
	Skip int
	// Count is how many requests the fault hits before it retires. Zero
	// means every matching request for as long as the fault is active.
	Count int
	// From and Until bound the fault in fake time, on the server's [Clock]:
	// it is active while From <= now < Until. A zero bound is open.
	From, Until time.Time
	// Delay is how long a [FaultDelay] holds each request, in real time:
	// the timeouts it is meant to exceed run on the clients' wall clock.
	Delay time.Duration
}

func (f Fault) validate() error {
	switch {
	case f.Kind < FaultServerError || f.Kind > FaultGarbled:
		return fmt.Errorf("awsfake: fault kind %d is not one of the Fault* constants", int(f.Kind))
	case f.Kind == FaultDelay && f.Delay <= 0:
		return errors.New("awsfake: a delay fault needs a positive Delay")
	case f.Kind != FaultDelay && f.Delay != 0:
		return fmt.Errorf("awsfake: Delay is only for delay faults, not %s", f.Kind)
	case f.Skip < 0 || f.Count < 0:
		return errors.New("awsfake: fault Skip and Count must not be negative")
	case !f.From.IsZero() && !f.Until.IsZero() && !f.From.Before(f.Until):
		return errors.New("awsfake: fault window ends before it starts")
	}
	return nil
}

// Faults injects failures into a running [Server]: 5xx bursts, throttling,
// slow responses, connection resets and whole services down for a span of
// fake time. Rules can be added and removed while requests are served;
// all methods are safe for concurrent use. A Faults serves one Server:
// give it in [Options.Faults], or use the one [Server.Faults] returns.
//
// A request a fault answers is still counted by [Server.Calls] (requests
// "received, failed ones included"), and also by [Faults.Injected].
type Faults struct {
	mu       sync.Mutex
	clock    Clock
	rules    []*faultRule
	nextID   uint64
	injected map[string]int
	total    int
}

type faultRule struct {
	Fault
	id      uint64
	skipped int
	hits    int
}

// NewFaults returns a controller with no rules. (So is a zero Faults.)
func NewFaults() *Faults { return &Faults{} }

// Faults returns the server's fault controller: the one given in
// [Options.Faults], or one of its own.
func (s *Server) Faults() *Faults { return s.faults }

// attachFaults binds f (or a new controller when f is nil) to a server's
// clock, which measures fault windows and [Faults.Down].
func attachFaults(f *Faults, c Clock) *Faults {
	if f == nil {
		f = NewFaults()
	}
	f.mu.Lock()
	f.clock = c
	f.mu.Unlock()
	return f
}

// Add installs a fault and returns a function that removes it again (and
// does nothing once it has retired by itself).
func (f *Faults) Add(ft Fault) (remove func(), err error) {
	if err := ft.validate(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	id := f.nextID
	f.rules = append(f.rules, &faultRule{Fault: ft, id: id})
	return func() { f.remove(id) }, nil
}

// Down takes svc down (every request answered 503, in its protocol's shape)
// for d of fake time from now on the server's clock, for example the SSO
// portal for ten minutes. An empty svc takes every service down.
func (f *Faults) Down(svc Service, d time.Duration) (remove func()) {
	if d <= 0 {
		return func() {}
	}
	now := f.now()
	remove, _ = f.Add(Fault{Kind: FaultUnavailable, Service: svc, From: now, Until: now.Add(d)})
	return remove
}

// Clear removes every fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// Injected reports how many requests for op faults have hit, or for all
// operations when op is empty.
func (f *Faults) Injected(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if op == "" {
		return f.total
	}
	return f.injected[op]
}

func (f *Faults) remove(id uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if r.id == id {
			f.rules = slices.Delete(f.rules, i, i+1)
			return
		}
	}
}

func (f *Faults) now() time.Time {
	f.mu.Lock()
	c := f.clock
	f.mu.Unlock()
	if c == nil {
		return time.Now()
	}
	return c.Now()
}

func (f *Faults) empty() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.rules) == 0
}

// match finds the fault that hits a request for op of svc, if any, and
// accounts for it.
func (f *Faults) match(svc Service, op string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var (
		now    time.Time
		hasNow bool
	)
	for i, r := range f.rules {
		if (r.Op != "" && r.Op != op) || (r.Service != "" && r.Service != svc) {
			continue
		}
		if !r.From.IsZero() || !r.Until.IsZero() {
			if !hasNow {
				now, hasNow = time.Now(), true
				if f.clock != nil {
					now = f.clock.Now()
				}
			}
			// A window that has passed is kept: a clock set back
			// re-enters it, as fake time says it should.
			if now.Before(r.From) || (!r.Until.IsZero() && !now.Before(r.Until)) {
				continue
			}
		}
		if r.skipped < r.Skip {
			r.skipped++
			continue
		}
		r.hits++
		if r.Count > 0 && r.hits >= r.Count {
			f.rules = slices.Delete(f.rules, i, i+1)
		}
		if f.injected == nil {
			f.injected = map[string]int{}
		}
		f.injected[op]++
		f.total++
		return r.Fault, true
	}
	return Fault{}, false
}

// intercept is the hook at the top of ServeHTTP. It reports whether it
// answered the request; a delay fault that found its client still waiting
// returns false so that the request is served normally.
func (s *Server) intercept(w http.ResponseWriter, r *http.Request, reqID string) bool {
	if s.faults.empty() {
		return false // no rules: do not even classify the request
	}
	svc, op := classify(r)
	ft, ok := s.faults.match(svc, op)
	if !ok {
		return false
	}
	name := op
	if name == "" {
		name = r.URL.Path
	}
	s.logf("awsfake: fault %s on %s %s", ft.Kind, svc, name)
	if ft.Kind == FaultDelay {
		return s.delay(r, op, ft.Delay)
	}
	if op != "" {
		s.count(op)
	}
	if ft.Kind == FaultReset {
		resetConnection(w)
		return true
	}
	writeFault(w, svc, ft.Kind, reqID)
	return true
}

// classify names the service and operation of a request the way ServeHTTP
// routes it and Calls counts it. The device page a person opens is no
// operation: its op is empty.
func classify(r *http.Request) (Service, string) {
	switch r.URL.Path {
	case "/federation/credentials":
		return ServicePortal, "GetRoleCredentials"
	case "/assignment/accounts":
		return ServicePortal, "ListAccounts"
	case "/assignment/roles":
		return ServicePortal, "ListAccountRoles"
	case "/logout":
		return ServicePortal, "Logout"
	case "/client/register":
		return ServiceOIDC, "RegisterClient"
	case "/device_authorization":
		return ServiceOIDC, "StartDeviceAuthorization"
	case "/token":
		return ServiceOIDC, "CreateToken"
	case devicePath:
		return ServiceOIDC, ""
	case loginTokenPath:
		return ServiceLogin, "CreateOAuth2Token"
	case loginAuthorizePath, loginConfirmationPath:
		return ServiceLogin, ""
	case federationPath:
		switch r.URL.Query().Get("Action") {
		case "getSigninToken":
			return ServiceSignin, "GetSigninToken"
		case "login":
			return ServiceSignin, "FederationLogin"
		}
		return ServiceSignin, ""
	}
	if isCloudFormation(r) { // parses the form, as ServeHTTP would anyway
		return ServiceCloudFormation, r.Form.Get("Action")
	}
	return ServiceSTS, r.Form.Get("Action")
}

// delay holds r for d, or until its client or the server gives up. It
// reports whether it answered the request (by dropping it).
func (s *Server) delay(r *http.Request, op string, d time.Duration) bool {
	// Read the body first: net/http notices a client hanging up only once
	// the body has been consumed, and a delay must end when the client's
	// timeout does.
	body, err := io.ReadAll(r.Body)
	var rest io.Reader = bytes.NewReader(body)
	if err != nil {
		rest = io.MultiReader(rest, errReader{err})
	}
	r.Body = io.NopCloser(rest)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		if r.Context().Err() == nil {
			return false
		}
	case <-r.Context().Done():
	case <-s.done:
	}
	if op != "" {
		s.count(op)
	}
	return true
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// resetConnection drops the connection without a response, with a TCP
// reset where the connection allows it.
func resetConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close with RST, not FIN
			}
			_ = conn.Close()
			return
		}
	}
	// No hijacking (HTTP/2, or a wrapped writer): ErrAbortHandler is how
	// net/http is told to drop the connection or stream unanswered, without
	// logging a stack.
	panic(http.ErrAbortHandler)
}

// faultErrors are the wire errors of the answering fault kinds, per
// protocol family.
var faultErrors = map[FaultKind]struct {
	queryStatus int    // STS, CloudFormation
	queryCode   string // <Code> of the XML error
	jsonStatus  int    // portal, OIDC
	jsonType    string // x-amzn-ErrorType
	oauthCode   string // OIDC's "error" member, when the shape has one
	loginCode   string // the sign-in service's "error" member
	message     string
}{
	FaultServerError: {http.StatusInternalServerError, "InternalFailure", http.StatusInternalServerError, "InternalServerException", "server_error", "server_error",
		"The request processing has failed because of an unknown error, exception or failure."},
	FaultUnavailable: {http.StatusServiceUnavailable, "ServiceUnavailable", http.StatusServiceUnavailable, "ServiceUnavailableException", "temporarily_unavailable", "service_unavailable",
		"The request has failed due to a temporary failure of the server."},
	FaultThrottle: {http.StatusBadRequest, "Throttling", http.StatusTooManyRequests, "TooManyRequestsException", "", "rate_exceeded",
		"Rate exceeded"},
}

func writeFault(w http.ResponseWriter, svc Service, kind FaultKind, reqID string) {
	if kind == FaultGarbled {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "<html><head><title>400 Bad Request</title></head><body><h1>Bad Request</h1></body></html>\n")
		return
	}
	e := faultErrors[kind]
	switch svc {
	case ServiceSTS:
		writeSTSError(w, reqID, &stsError{e.queryStatus, e.queryCode, e.message})
	case ServiceCloudFormation:
		writeCFNError(w, reqID, &stsError{e.queryStatus, e.queryCode, e.message})
	case ServicePortal:
		writeJSONError(w, e.jsonStatus, e.jsonType, e.message, nil)
	case ServiceOIDC:
		var extra map[string]any
		if e.oauthCode != "" {
			extra = map[string]any{"error": e.oauthCode, "error_description": e.message}
		}
		writeJSONError(w, e.jsonStatus, e.jsonType, e.message, extra)
	case ServiceLogin:
		typ := e.jsonType
		if kind == FaultThrottle {
			typ = "TooManyRequestsError" // the sign-in service's name for it
		}
		writeJSONError(w, e.jsonStatus, typ, e.message, map[string]any{"error": e.loginCode})
	default:
		// The sign-in endpoint is no AWS API: plain text, as it answers
		// its other errors.
		http.Error(w, e.message, e.jsonStatus)
	}
}
