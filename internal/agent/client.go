package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// dialTimeout bounds connecting to the socket: a live agent accepts at
// once, and a client must never wait long on one that does not.
const dialTimeout = time.Second

// ErrNotRunning means no agent answers on the socket.
var ErrNotRunning = errors.New("no awsauth agent is running")

// Error is an answer of the agent that refuses a request.
type Error struct {
	Msg           string
	LoginRequired bool
}

func (e *Error) Error() string { return "awsauth agent: " + e.Msg }

func dial(ctx context.Context, env sysenv.Env) (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(ctx, "unix", SocketPath(env))
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotRunning, err)
	}
	return c, nil
}

// call sends req and reads one answer.
func call(ctx context.Context, env sysenv.Env, req Request, timeout time.Duration) (Message, error) {
	c, err := dial(ctx, env)
	if err != nil {
		return Message{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if err := json.NewEncoder(c).Encode(req); err != nil {
		return Message{}, err
	}
	var m Message
	if err := json.NewDecoder(bufio.NewReader(c)).Decode(&m); err != nil {
		return Message{}, fmt.Errorf("awsauth agent: no answer: %w", err)
	}
	if m.Type == "error" {
		return m, &Error{Msg: m.Error, LoginRequired: m.LoginRequired}
	}
	return m, nil
}

// Running reports whether an agent answers.
func Running(ctx context.Context, env sysenv.Env) bool {
	_, err := call(ctx, env, Request{Op: "status"}, 2*time.Second)
	return err == nil
}

// Get asks the agent for credentials of req's profile; the agent opens a
// session for it if it holds none.
func Get(ctx context.Context, env sysenv.Env, req Request) (aws.Credentials, error) {
	req.Op = "get"
	m, err := call(ctx, env, req, 2*time.Minute)
	if err != nil {
		return aws.Credentials{}, err
	}
	if m.Creds == nil {
		return aws.Credentials{}, errors.New("awsauth agent: an answer without credentials")
	}
	return m.Creds.Credentials(), nil
}

// Status lists the agent's sessions, and tells its process id.
func Status(ctx context.Context, env sysenv.Env) (sessions []SessionStatus, pid int, err error) {
	m, err := call(ctx, env, Request{Op: "status"}, 5*time.Second)
	return m.Sessions, m.PID, err
}

// Stop asks the agent to exit.
func Stop(ctx context.Context, env sysenv.Env) error {
	_, err := call(ctx, env, Request{Op: "stop"}, 5*time.Second)
	return err
}

// Start starts an agent in the background (exe agent run, in a session of
// its own, its output to the agent directory's log) unless one answers,
// and waits until it does (at most 5 s).
func Start(ctx context.Context, env sysenv.Env, exe string, environ []string) error {
	if Running(ctx, env) {
		return nil
	}
	dir := Dir(env)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(dir+"/agent.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(exe, "agent", "run")
	// The agent needs no credential of the shell that starts it.
	for _, kv := range environ {
		if k, _, _ := strings.Cut(kv, "="); !secretVars[k] {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the awsauth agent: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // reaps it should it exit while we run
	deadline := time.Now().Add(5 * time.Second)
	var gone error
	for time.Now().Before(deadline) {
		if Running(ctx, env) {
			return nil
		}
		select {
		case err := <-exited:
			// Another agent that won the race to start answers soon;
			// otherwise this one failed.
			exited = nil
			if err != nil {
				gone = err
			}
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if gone != nil {
		return fmt.Errorf("the awsauth agent exited at start (%v); see %s/agent.log", gone, dir)
	}
	return fmt.Errorf("the awsauth agent did not answer within 5s; see %s/agent.log", dir)
}

// Attachment is a client's share of an agent session: the latest
// credentials the agent sent, and the events it announced. It is a
// credential source for exec's endpoint.
type Attachment struct {
	conn   net.Conn
	creds  atomic.Pointer[aws.Credentials]
	source string
	done   chan struct{}
	once   sync.Once
	now    func() time.Time
}

// Attach joins the agent's session for req and returns once the first
// credentials are in hand. onEvent receives the agent's announcements
// (from one goroutine). prompt, when set, asks the person at this terminal
// for an MFA code when the agent needs one (for the first fetch, or a
// renewal); one code serves every terminal. [Attachment.Done] is closed
// when the agent goes.
func Attach(ctx context.Context, env sysenv.Env, req Request, now func() time.Time, onEvent func(Message), prompt func(serial string) (string, error)) (*Attachment, error) {
	req.Op = "attach"
	req.Prompt = prompt != nil
	c, err := dial(ctx, env)
	if err != nil {
		return nil, err
	}
	// The first answer may wait on the session's first fetch.
	_ = c.SetDeadline(time.Now().Add(2 * time.Minute))
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	enc := json.NewEncoder(c)
	if err := enc.Encode(req); err != nil {
		c.Close()
		return nil, err
	}
	dec := json.NewDecoder(bufio.NewReader(c))
	// answer types the MFA code the agent asks for; a failed prompt
	// answers nothing, which the agent takes as no code.
	answer := func(m Message) {
		code := ""
		if prompt != nil {
			if c, err := prompt(m.Serial); err == nil {
				code = c
			}
		}
		_ = enc.Encode(Request{Op: "mfa", Code: code})
	}
	var first Message
	for {
		if err := dec.Decode(&first); err != nil {
			c.Close()
			return nil, fmt.Errorf("awsauth agent: no answer: %w", err)
		}
		if first.Type != "mfa" {
			break
		}
		answer(first)
	}
	if first.Type == "error" || first.Creds == nil {
		c.Close()
		return nil, &Error{Msg: first.Error, LoginRequired: first.LoginRequired}
	}
	_ = c.SetDeadline(time.Time{})
	if now == nil {
		now = time.Now
	}
	at := &Attachment{conn: c, source: first.Source, done: make(chan struct{}), now: now}
	creds := first.Creds.Credentials()
	at.creds.Store(&creds)
	go func() {
		defer at.Close()
		for {
			var m Message
			if err := dec.Decode(&m); err != nil {
				return
			}
			if m.Type == "mfa" {
				answer(m)
				continue
			}
			if m.Type == "creds" && m.Creds != nil {
				c := m.Creds.Credentials()
				at.creds.Store(&c)
			}
			if onEvent != nil {
				onEvent(m)
			}
		}
	}()
	return at, nil
}

// Source is the credential source the agent's session resolved.
func (a *Attachment) Source() string { return a.source }

// Get returns the latest credentials while they are valid.
func (a *Attachment) Get() (aws.Credentials, error) {
	c := *a.creds.Load()
	if c.CanExpire && !a.now().Before(c.Expires) {
		return aws.Credentials{}, fmt.Errorf("the credentials from the awsauth agent expired at %s", c.Expires.UTC().Format(time.RFC3339))
	}
	return c, nil
}

// Done is closed when the connection to the agent ends.
func (a *Attachment) Done() <-chan struct{} { return a.done }

// Close leaves the session.
func (a *Attachment) Close() {
	a.once.Do(func() {
		a.conn.Close()
		close(a.done)
	})
}
