// Package credserver is the loopback credential endpoint that `awsauth exec`
// gives its child: the container-credentials protocol that every AWS SDK
// speaks (AWS_CONTAINER_CREDENTIALS_FULL_URI plus
// AWS_CONTAINER_AUTHORIZATION_TOKEN), answered from memory.
//
// # Wire format
//
// A GET of [Path] with the header "Authorization: <token>" answers 200 with
//
//	{"AccessKeyId":"ASIA...","SecretAccessKey":"...","Token":"...","Expiration":"2026-11-23T18:00:00Z","AccountId":"123456789012"}
//
// Token and Expiration are always present, because botocore
// (ContainerProvider reads response['Token'] and response['Expiration']) and
// the JS SDK v3 (fromHttp and fromContainerMetadata both check that Token
// and Expiration are strings) refuse a response without them. Credentials
// without a session token get "Token":""; credentials that never expire get
// an Expiration [StaticLifetime] ahead of now, so clients come back now and
// then instead of failing. AccountId is left out when unknown.
//
// When the source has no valid credentials (an error, no keys, or keys past
// their expiry) the answer is 503 with
//
//	{"Code":"CredentialsUnavailable","Message":"...","code":"CredentialsUnavailable","message":"..."}
//
// and refused requests get 401, 403, 404 or 405 with a body of the same
// shape. Both casings carry the same text because the clients read
// different ones: the Go SDK's endpointcreds decodes `code`/`message`
// (encoding/json matches keys in either case, the last one wins, and only
// when Content-Type is exactly application/json), the JS SDK's fromHttp
// copies `Code`/`Message` onto its error for 4xx answers and shows only the
// status of a 5xx, and botocore puts the raw body into its error message.
//
// # Who may ask
//
// The endpoint binds 127.0.0.1 on a random port; there is no option to bind
// anything else. A request is answered only when all of these hold, checked
// in this order:
//
//   - its Host is 127.0.0.1, localhost or [::1] with the server's port
//     (403 otherwise): a page that rebinds its own DNS name to 127.0.0.1
//     still sends its own name as Host;
//   - it carries no Origin and no Sec-Fetch-* header (403 otherwise): modern
//     browsers add Sec-Fetch-* to every request to a loopback address and
//     Origin to every CORS request, page scripts can neither set nor
//     remove them, and no SDK or CLI sends them. The token already stops a
//     page (sending Authorization cross-origin needs a CORS preflight, and
//     the preflight carries Origin), so this rule is a cheap second wall
//     that also keeps a browser from ever seeing an answer;
//   - its path is [Path] (404) and its method GET (405);
//   - its Authorization header is the token, compared in constant time
//     (401 when missing or empty, 403 when wrong).
//
// No answer echoes a request header, and no log line holds a credential or
// the token.
package credserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Path is the URL path the endpoint serves; every other path gets 404.
const Path = "/credentials"

// StaticLifetime is how far ahead of now the Expiration of credentials that
// never expire is put. An hour keeps clients from asking on every call
// (botocore refreshes 15 minutes before Expiration, the Go SDK 5 minutes)
// while they still come back a few times an hour.
const StaticLifetime = time.Hour

// tokenBytes is the entropy of a token: 256 bits.
const tokenBytes = 32

// Source is what the endpoint serves. Get must not block on the network: the
// SDKs give up after one or two seconds. An error means there are no valid
// credentials to hand out; its text is shown to the client, so it must hold
// no secret.
type Source interface {
	Get() (aws.Credentials, error)
}

// SourceFunc adapts a function to [Source].
type SourceFunc func() (aws.Credentials, error)

// Get calls f.
func (f SourceFunc) Get() (aws.Credentials, error) { return f() }

// Options are the endpoint's dependencies. The zero value is ready to use.
type Options struct {
	// Now is the clock that decides whether credentials have expired and
	// dates the Expiration of credentials that never expire. Nil means
	// time.Now.
	Now func() time.Time

	// Logf, when set, receives one line per request: method, path, status
	// and duration, never a header, a credential or the token. It also
	// receives the HTTP server's own errors.
	Logf func(format string, args ...any)
}

// Stats counts the requests a [Handler] has answered.
type Stats struct {
	Served      uint64 // 200: credentials handed out
	Rejected    uint64 // 4xx: bad Host, browser request, path, method or token
	Unavailable uint64 // 503: the source had no valid credentials
}

// Server is a running endpoint. Its methods are safe for concurrent use.
type Server struct {
	handler *Handler
	srv     *http.Server
	addr    *net.TCPAddr
	url     string
	token   string

	done     chan struct{} // closed when Serve has returned
	serveErr error         // what Serve returned; read after done

	// stopMu guards stop, which unregisters the context watcher. The
	// watcher may call Close before Start has stored stop (at once, when
	// the context has already ended); Close then waits for it here.
	stopMu sync.Mutex
	stop   func() bool

	closeOnce sync.Once
	closeErr  error
}

// Start listens on 127.0.0.1 on a random port with a fresh random token and
// serves src until ctx ends or [Server.Close] is called.
func Start(ctx context.Context, src Source, opts Options) (*Server, error) {
	if src == nil {
		return nil, errors.New("credserver: nil source")
	}
	var lc net.ListenConfig
	// Plain TCP: Multipath TCP, which Go may use for listeners by default,
	// is no use on loopback and makes the socket slower to set up.
	lc.SetMultipathTCP(false)
	// "tcp4" and a literal address: no name resolution, no dual-stack
	// wildcard, nothing that could end up listening beyond this host.
	ln, err := lc.Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("credserver: listen on 127.0.0.1: %w", err)
	}
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		ln.Close()
		return nil, fmt.Errorf("credserver: listener bound to %v, not 127.0.0.1", ln.Addr())
	}

	token := NewToken()
	h := NewHandler(src, token, opts)
	h.port = strconv.Itoa(addr.Port)

	errLog := io.Discard
	if opts.Logf != nil {
		errLog = logfWriter(opts.Logf)
	}
	s := &Server{
		handler: h,
		addr:    addr,
		url:     "http://" + addr.String() + Path,
		token:   token,
		done:    make(chan struct{}),
		srv: &http.Server{
			Handler: h,
			// The clients are local SDKs that send a few hundred bytes and
			// give up within seconds; anything slower is not one of them.
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    16 << 10,
			ErrorLog:          log.New(errLog, "credserver: ", 0),
		},
	}
	go func() {
		defer close(s.done)
		s.serveErr = s.srv.Serve(ln)
	}()
	s.stopMu.Lock()
	s.stop = context.AfterFunc(ctx, func() { s.Close() })
	s.stopMu.Unlock()
	return s, nil
}

// URL is the value for AWS_CONTAINER_CREDENTIALS_FULL_URI, for example
// http://127.0.0.1:43521/credentials.
func (s *Server) URL() string { return s.url }

// Token is the value for AWS_CONTAINER_AUTHORIZATION_TOKEN.
func (s *Server) Token() string { return s.token }

// Addr is the address the server listens on, always 127.0.0.1.
func (s *Server) Addr() *net.TCPAddr {
	a := *s.addr
	return &a
}

// Handler is the server's request handler.
func (s *Server) Handler() *Handler { return s.handler }

// Stats counts the requests answered so far.
func (s *Server) Stats() Stats { return s.handler.Stats() }

// Done is closed once the server has stopped serving, after Close or when
// the context given to Start ends.
func (s *Server) Done() <-chan struct{} { return s.done }

// Close stops the server and closes its connections at once; a child that
// is still asking for credentials is gone or about to be. It returns the
// error that stopped serving early, if any. Calling it again returns the
// same result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.stopMu.Lock()
		stop := s.stop
		s.stopMu.Unlock()
		stop()
		err := s.srv.Close()
		<-s.done
		if s.serveErr != nil && !errors.Is(s.serveErr, http.ErrServerClosed) {
			err = fmt.Errorf("credserver: serve: %w", s.serveErr)
		}
		s.closeErr = err
	})
	return s.closeErr
}

// NewToken returns a fresh random token: 32 bytes from crypto/rand in
// unpadded base64url, 43 characters that need no quoting in a header, a URL
// or a shell.
func NewToken() string {
	var b [tokenBytes]byte
	// crypto/rand.Read never fails: it crashes the program rather than
	// return predictable bytes.
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// logfWriter adapts Logf to the io.Writer that log.Logger wants.
type logfWriter func(format string, args ...any)

func (f logfWriter) Write(p []byte) (int, error) {
	f("%s", trimNewline(p))
	return len(p), nil
}

func trimNewline(p []byte) []byte {
	if n := len(p); n > 0 && p[n-1] == '\n' {
		return p[:n-1]
	}
	return p
}
