package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/credsource"
	"github.com/awsauth/awsauth/internal/keeper"
	"github.com/awsauth/awsauth/internal/session"
	"github.com/awsauth/awsauth/internal/ssotoken"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// DefaultIdle is how long an agent with no client waits before it exits.
const DefaultIdle = time.Hour

// ErrRunning is returned by [Server.Run] when another agent holds the
// directory: that one answers, this one is not needed.
var ErrRunning = errors.New("an awsauth agent is already running")

// Server is the agent.
type Server struct {
	// Dir holds the socket and the lock (see [Dir]).
	Dir string
	// Deps are what sessions are opened with; each session's Env is its
	// first client's [RequestEnv].
	Deps session.Deps
	// Idle is how long to wait with no client before exiting (0 means
	// [DefaultIdle]).
	Idle time.Duration
	// Logf receives a line per thing the agent does (never a secret).
	Logf func(format string, args ...any)
	// UID is the owner, the only uid answered (-1 means os.Getuid()).
	UID int
	// PeerUID tells who is at the other end of a connection; nil means
	// the operating system's answer (SO_PEERCRED, LOCAL_PEERCRED).
	PeerUID func(net.Conn) (int, error)
	// Ready, when set, is called once the socket listens.
	Ready func()
	// Notify, when set, shows a desktop notification: once when a
	// session needs a person, if a client attached to it asked for one.
	Notify func(profile string, until time.Time)

	mu       sync.Mutex
	sessions map[string]*held
	attached int
	last     time.Time // when the last client left, or a request came
	stop     context.CancelFunc
}

// held is one session, shared by every client of its profile.
type held struct {
	key     string
	profile string
	env     sysenv.Env
	ready   chan struct{} // closed once s, k and err are set
	s       *session.Session
	k       *keeper.Keeper
	err     error

	notify func(profile string, until time.Time)
	// opener is the client whose attach opens the session: the one asked
	// for an MFA code the first fetch needs.
	opener *subscriber

	mu   sync.Mutex
	subs map[*subscriber]bool
	// asking serialises MFA questions: one code, from one terminal.
	asking sync.Mutex
}

type subscriber struct {
	conn    net.Conn
	mu      sync.Mutex
	enc     *json.Encoder
	pid     int
	command string
	notify  bool
	prompt  bool
	codes   chan string   // MFA codes the client typed
	gone    chan struct{} // closed when the client's connection ends
}

func (s *subscriber) send(m Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A client that stops reading must not stall the others.
	_ = s.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	return s.enc.Encode(m)
}

func (a *Server) logf(format string, args ...any) {
	if a.Logf != nil {
		a.Logf(format, args...)
	}
}

func (a *Server) now() time.Time {
	if a.Deps.Now != nil {
		return a.Deps.Now()
	}
	return time.Now()
}

// Run serves until ctx ends, a stop request, or Idle passes with no
// client. It returns [ErrRunning] at once when another agent runs.
func (a *Server) Run(ctx context.Context) error {
	if err := os.MkdirAll(a.Dir, 0o700); err != nil {
		return fmt.Errorf("agent directory: %w", err)
	}
	// A directory made by someone else (or before, more open) is made
	// private; one we cannot make private is refused.
	if err := os.Chmod(a.Dir, 0o700); err != nil {
		return fmt.Errorf("agent directory %s: %w", a.Dir, err)
	}
	lock := flock.New(lockPath(a.Dir))
	ok, err := lock.TryLock()
	if err != nil {
		return fmt.Errorf("agent lock: %w", err)
	}
	if !ok {
		return ErrRunning
	}
	defer lock.Unlock()
	// Holding the lock, no other agent is alive: a socket left here is a
	// crashed one's, never one an agent answers on.
	sock := filepath.Join(a.Dir, "agent.sock")
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("stale agent socket: %w", err)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("agent socket: %w", err)
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("agent socket: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.mu.Lock()
	a.sessions = map[string]*held{}
	a.last = a.now()
	a.stop = cancel
	a.mu.Unlock()
	if a.UID < 0 {
		a.UID = os.Getuid()
	}
	if a.PeerUID == nil {
		a.PeerUID = peerUID
	}
	idle := a.Idle
	if idle <= 0 {
		idle = DefaultIdle
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	go a.idleWatch(ctx, idle, cancel)
	a.logf("agent: listening on %s", sock)
	if a.Ready != nil {
		a.Ready()
	}
	var conns sync.WaitGroup
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			a.serve(ctx, c)
		}()
	}
	cancel()
	a.mu.Lock()
	for _, h := range a.sessions {
		h.close()
	}
	a.mu.Unlock()
	conns.Wait()
	a.logf("agent: stopped")
	return nil
}

// idleWatch ends the agent once no client has been attached for idle.
func (a *Server) idleWatch(ctx context.Context, idle time.Duration, stop func()) {
	tick := min(idle/4, time.Minute)
	t := time.NewTicker(max(tick, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		quiet := a.attached == 0 && a.now().Sub(a.last) >= idle
		a.mu.Unlock()
		if quiet {
			a.logf("agent: no client for %s, exiting", idle)
			stop()
			return
		}
	}
}

func (a *Server) touch() {
	a.mu.Lock()
	a.last = a.now()
	a.mu.Unlock()
}

func (a *Server) serve(ctx context.Context, c net.Conn) {
	defer c.Close()
	enc := json.NewEncoder(c)
	r := bufio.NewReader(c)
	var req Request
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	// The request is read first even from a stranger, so that the refusal
	// reaches it rather than a broken pipe; nothing in it is acted on.
	dec := json.NewDecoder(r)
	derr := dec.Decode(&req)
	uid, err := a.PeerUID(c)
	if err != nil || uid != a.UID {
		a.logf("agent: refused a connection from uid %d (%v)", uid, err)
		_ = enc.Encode(Message{Type: "error", Error: "the awsauth agent answers only its owner"})
		return
	}
	if derr != nil {
		_ = enc.Encode(Message{Type: "error", Error: "bad request: " + derr.Error()})
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	a.touch()
	switch req.Op {
	case "attach":
		a.attach(ctx, c, dec, enc, req)
	case "get":
		h, err := a.session(ctx, req, nil)
		if err != nil {
			_ = enc.Encode(errorMessage(err))
			return
		}
		creds, err := h.k.Get()
		if err != nil {
			_ = enc.Encode(errorMessage(err))
			return
		}
		_ = enc.Encode(Message{Type: "creds", Creds: toWire(creds), Source: string(h.s.Trace.Source())})
	case "status":
		_ = enc.Encode(Message{Type: "status", Sessions: a.status(), PID: os.Getpid()})
	case "stop":
		_ = enc.Encode(Message{Type: "ok"})
		a.logf("agent: stop requested")
		a.stop()
	default:
		_ = enc.Encode(Message{Type: "error", Error: fmt.Sprintf("unknown op %q", req.Op)})
	}
}

func errorMessage(err error) Message {
	return Message{Type: "error", Error: err.Error(), LoginRequired: session.NeedsPerson(err)}
}

// attach streams the session's credentials and events to c until the
// client goes.
func (a *Server) attach(ctx context.Context, c net.Conn, dec *json.Decoder, enc *json.Encoder, req Request) {
	sub := &subscriber{conn: c, enc: enc, pid: req.PID, command: req.Command, notify: req.Notify, prompt: req.Prompt,
		codes: make(chan string, 1), gone: make(chan struct{})}
	// What the client says from now on: MFA codes, then its leaving.
	go func() {
		defer close(sub.gone)
		for {
			var m Request
			if err := dec.Decode(&m); err != nil {
				return
			}
			if m.Op == "mfa" {
				select {
				case sub.codes <- m.Code:
				default:
				}
			}
		}
	}()
	h, err := a.session(ctx, req, sub)
	if err != nil {
		_ = sub.send(errorMessage(err))
		return
	}
	creds, err := h.k.Get()
	if err != nil {
		_ = enc.Encode(errorMessage(err))
		return
	}
	h.mu.Lock()
	h.subs[sub] = true
	h.mu.Unlock()
	a.mu.Lock()
	a.attached++
	a.mu.Unlock()
	a.logf("agent: pid %d attached to profile %s", req.PID, h.profile)
	defer func() {
		h.mu.Lock()
		delete(h.subs, sub)
		h.mu.Unlock()
		a.mu.Lock()
		a.attached--
		a.last = a.now()
		a.mu.Unlock()
		a.logf("agent: pid %d detached from profile %s", req.PID, h.profile)
	}()
	if err := sub.send(Message{Type: "creds", Creds: toWire(creds), Source: string(h.s.Trace.Source())}); err != nil {
		return
	}
	select {
	case <-sub.gone:
	case <-ctx.Done():
		c.Close()
	}
}

// session returns the held session for req, opening and starting it on
// first use. Concurrent first uses of one key wait for one start.
func (a *Server) session(ctx context.Context, req Request, opener *subscriber) (*held, error) {
	env := sysenv.FromMap(req.Env)
	areq := awsconfig.Request{Profile: req.Profile, Env: env}
	key := credsource.CacheKey(areq)
	a.mu.Lock()
	h, ok := a.sessions[key]
	if !ok {
		h = &held{key: key, env: env, ready: make(chan struct{}), subs: map[*subscriber]bool{}, opener: opener}
		a.sessions[key] = h
	}
	a.last = a.now()
	a.mu.Unlock()
	if !ok {
		a.open(ctx, h, areq)
	}
	select {
	case <-h.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if h.err != nil {
		return nil, h.err
	}
	return h, nil
}

func (a *Server) open(ctx context.Context, h *held, req awsconfig.Request) {
	defer close(h.ready)
	deps := a.Deps
	deps.Env = req.Env
	// No terminal here: an MFA code is asked of a client that has one.
	deps.MFAToken = h.askMFA
	s, err := session.Open(ctx, req, deps)
	if err == nil {
		h.profile = s.Trace.Profile
		h.s = s
		h.notify = a.Notify
		h.k, err = s.Keep(ctx, session.KeepOptions{OnEvent: h.event})
	}
	if err != nil {
		h.err = err
		a.mu.Lock()
		delete(a.sessions, h.key) // the next client tries again
		a.mu.Unlock()
		a.logf("agent: profile %q: %v", req.Profile, err)
		return
	}
	a.logf("agent: holding profile %s (%s)", h.profile, s.Trace.Source())
}

// event tells every attached client what the keeper did.
func (h *held) event(e keeper.Event) {
	var m Message
	switch e.Kind {
	case keeper.EventRefreshed:
		if h.k == nil {
			return // the first fetch: each client gets it as it attaches
		}
		creds, err := h.k.Get()
		if err != nil {
			return
		}
		m = Message{Type: "creds", Creds: toWire(creds), Source: string(h.s.Trace.Source())}
	case keeper.EventNeedsLogin:
		m = Message{Type: "event", Event: "needs-login", Expires: e.Expires, Error: errText(e.Err), LoginRequired: true}
	case keeper.EventLoginFailed:
		m = Message{Type: "event", Event: "login-failed", Error: errText(e.Err)}
	case keeper.EventExpired:
		m = Message{Type: "event", Event: "expired", Expires: e.Expires, Error: errText(e.Err), LoginRequired: session.NeedsPerson(e.Err)}
	case keeper.EventRefreshFailed:
		m = Message{Type: "event", Event: "refresh-failed", Expires: e.Expires, Error: errText(e.Err)}
	default:
		return
	}
	h.mu.Lock()
	subs := make([]*subscriber, 0, len(h.subs))
	for s := range h.subs {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	asked := false
	for _, s := range subs {
		asked = asked || s.notify
		if err := s.send(m); err != nil {
			s.conn.Close() // its attach returns and detaches it
		}
	}
	// The keeper announces a needed login once per ending: one
	// notification for every terminal.
	if e.Kind == keeper.EventNeedsLogin && asked && h.notify != nil {
		h.notify(h.profile, e.Expires)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (h *held) close() {
	select {
	case <-h.ready:
		if h.s != nil {
			h.s.Close()
		}
	default:
	}
}

func (a *Server) status() []SessionStatus {
	a.mu.Lock()
	hs := make([]*held, 0, len(a.sessions))
	for _, h := range a.sessions {
		hs = append(hs, h)
	}
	a.mu.Unlock()
	var out []SessionStatus
	for _, h := range hs {
		select {
		case <-h.ready:
		default:
			continue
		}
		if h.err != nil {
			continue
		}
		st := h.k.Status()
		ss := SessionStatus{
			Profile: h.profile, Source: string(h.s.Trace.Source()), Expires: st.Expires,
			NextRenewal: st.NextAttempt, Renewals: st.Refreshes, State: st.State.String(),
		}
		if c, err := h.k.Get(); err == nil {
			ss.Account = c.AccountID
		}
		if sso, _, ok := awsconfig.SSOFor(h.s.Trace); ok {
			home := awsconfig.HomeDir(h.env)
			if tok, err := ssotoken.Read(ssotoken.CachePath(home, ssotoken.CacheKey(sso.Session, sso.StartURL))); err == nil && tok.ExpiresAt != nil {
				ss.SSOExpires = tok.ExpiresAt.Time
			}
		}
		h.mu.Lock()
		for s := range h.subs {
			ss.Clients = append(ss.Clients, ClientStatus{PID: s.pid, Command: s.command})
		}
		h.mu.Unlock()
		sort.Slice(ss.Clients, func(i, j int) bool { return ss.Clients[i].PID < ss.Clients[j].PID })
		out = append(out, ss)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Profile < out[j].Profile })
	return out
}

// mfaWait bounds how long the agent waits for a person to type a code.
const mfaWait = 5 * time.Minute

// askMFA asks a client with a terminal for the code of serial: the one
// that opened the session first, then the others; one code serves the
// session (the MFA session it buys lasts 12 hours) for every terminal.
func (h *held) askMFA(serial string) (string, error) {
	h.asking.Lock()
	defer h.asking.Unlock()
	h.mu.Lock()
	var ask []*subscriber
	if h.opener != nil && h.opener.prompt {
		ask = append(ask, h.opener)
	}
	for s := range h.subs {
		if s.prompt && s != h.opener {
			ask = append(ask, s)
		}
	}
	h.mu.Unlock()
	for _, s := range ask {
		select {
		case <-s.gone:
			continue
		default:
		}
		if err := s.send(Message{Type: "mfa", Serial: serial}); err != nil {
			continue
		}
		select {
		case code := <-s.codes:
			if code == "" {
				return "", errors.New("no MFA code was typed")
			}
			return code, nil
		case <-s.gone:
		case <-time.After(mfaWait):
			return "", fmt.Errorf("no MFA code was typed within %s", mfaWait)
		}
	}
	return "", &credsource.MFARequiredError{Serial: serial, Profile: h.profile}
}
