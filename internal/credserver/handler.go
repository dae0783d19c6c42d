package credserver

import (
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Handler answers container-credential requests from a [Source]. Its
// methods are safe for concurrent use.
type Handler struct {
	src   Source
	token []byte
	port  string // the port a Host must name; "" accepts any port
	now   func() time.Time
	logf  func(format string, args ...any)

	served, rejected, unavailable atomic.Uint64

	// last is the most recent 200 body and what it was made from: the
	// source hands out the same credentials for most of an hour, so almost
	// every request is answered without encoding anything.
	last atomic.Pointer[encoded]
}

type encoded struct {
	creds   aws.Credentials
	expires time.Time // the Expiration in body
	body    []byte
}

// NewHandler returns a handler that serves src to requests that carry token.
// Unlike the handler of a [Server], it accepts a loopback Host with any port,
// since it does not know where it is served. An empty token matches no
// request.
func NewHandler(src Source, token string, opts Options) *Handler {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Handler{src: src, token: []byte(token), now: now, logf: opts.Logf}
}

// Stats counts the requests answered so far.
func (h *Handler) Stats() Stats {
	return Stats{
		Served:      h.served.Load(),
		Rejected:    h.rejected.Load(),
		Unavailable: h.unavailable.Load(),
	}
}

// ServeHTTP answers one request; see the package documentation for the
// rules.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var start time.Time
	if h.logf != nil {
		// Wall-clock latency for the log line, deliberately not h.now: a
		// test's fixed clock would make every request take no time.
		start = time.Now()
	}
	status := h.serve(w, r)
	switch {
	case status == http.StatusOK:
		h.served.Add(1)
	case status == http.StatusServiceUnavailable:
		h.unavailable.Add(1)
	default:
		h.rejected.Add(1)
	}
	if h.logf != nil {
		// Method and path come from the client: quoted and clipped so a
		// hostile request cannot forge or flood log lines.
		h.logf("credserver: %q %q %d %s", clip(r.Method), clip(r.URL.Path), status, time.Since(start))
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) int {
	if !h.hostAllowed(r.Host) {
		return errInvalidHost.write(w)
	}
	if fromBrowser(r.Header) {
		return errBrowser.write(w)
	}
	if r.URL.Path != Path {
		return errNotFound.write(w)
	}
	if r.Method != http.MethodGet {
		w.Header()["Allow"] = hdrGet
		return errMethod.write(w)
	}
	switch auth := r.Header["Authorization"]; {
	case len(auth) == 0 || len(auth) == 1 && auth[0] == "":
		return errNoToken.write(w)
	case len(auth) > 1 || subtle.ConstantTimeCompare([]byte(auth[0]), h.token) != 1:
		return errBadToken.write(w)
	}

	creds, err := h.src.Get()
	now := h.now()
	switch {
	case err != nil:
		return h.unavailableError("awsauth: no valid credentials: " + err.Error()).write(w)
	case !creds.HasKeys():
		return h.unavailableError("awsauth: no valid credentials: the source returned none").write(w)
	case creds.CanExpire && !creds.Expires.After(now):
		return h.unavailableError("awsauth: no valid credentials: they expired at " +
			creds.Expires.UTC().Format(time.RFC3339)).write(w)
	}
	return write(w, http.StatusOK, h.body(creds, now))
}

// hostAllowed reports whether host, the request's Host, names this endpoint
// by a loopback name. A page that rebinds its DNS name to 127.0.0.1 sends
// that name, so it stops here.
func (h *Handler) hostAllowed(host string) bool {
	name, port, err := net.SplitHostPort(host)
	if err != nil || port == "" || h.port != "" && port != h.port {
		return false
	}
	return name == "127.0.0.1" || name == "::1" || strings.EqualFold(name, "localhost")
}

// fromBrowser reports whether a request bears a web browser's marks. Browsers
// add Origin to cross-origin requests and Sec-Fetch-* to every request to a
// loopback address, and page scripts can neither set nor remove them; the AWS
// SDKs and CLIs never send them.
func fromBrowser(hdr http.Header) bool {
	for _, k := range browserHeaders {
		if _, ok := hdr[k]; ok {
			return true
		}
	}
	return false
}

var browserHeaders = []string{"Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest"}

// body returns the 200 body for creds, encoding it only when it differs from
// the last one.
func (h *Handler) body(creds aws.Credentials, now time.Time) []byte {
	expires := creds.Expires
	if !creds.CanExpire {
		// Rounded to the minute so the body, and so the cache, changes
		// once a minute rather than on every request.
		expires = now.Add(StaticLifetime).Truncate(time.Minute)
	}
	if e := h.last.Load(); e != nil && e.creds == creds && e.expires.Equal(expires) {
		return e.body
	}
	body := encodeCredentials(creds, expires)
	h.last.Store(&encoded{creds: creds, expires: expires, body: body})
	return body
}

// expirationLayout is RFC 3339 in UTC without fractional seconds, as ECS
// sends it; dropping the fraction rounds the expiry down, never up.
const expirationLayout = "2006-01-02T15:04:05Z"

// credentialsBody is the 200 body, its fields in the order ECS sends them.
// Token and Expiration are always sent (see the package documentation).
type credentialsBody struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

// encodeCredentials returns the 200 body.
func encodeCredentials(c aws.Credentials, expires time.Time) []byte {
	return marshal(credentialsBody{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		Token:           c.SessionToken,
		Expiration:      expires.UTC().Format(expirationLayout),
		AccountID:       c.AccountID,
	})
}

// errorBody is an error answer's body: code and message in both casings,
// because the JS SDK reads Code/Message and the Go SDK code/message
// (botocore shows the raw body).
type errorBody struct {
	Code         string `json:"Code"`
	Message      string `json:"Message"`
	LowerCode    string `json:"code"`
	LowerMessage string `json:"message"`
}

// marshal encodes v, a struct of string fields only, which encoding/json
// cannot fail on: strings are coerced to valid UTF-8, and no field has a
// type or a Marshaler that could return an error.
func marshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// apiError is an error answer, its body encoded once.
type apiError struct {
	status int
	body   []byte
}

func newError(status int, code, message string) apiError {
	return apiError{status: status, body: marshal(errorBody{Code: code, Message: message, LowerCode: code, LowerMessage: message})}
}

func (e apiError) write(w http.ResponseWriter) int {
	return write(w, e.status, e.body)
}

// The fixed answers. None says more than which rule the request broke, and
// none repeats what the request sent.
var (
	errInvalidHost = newError(http.StatusForbidden, "InvalidHost",
		"awsauth: request refused: the Host header must be 127.0.0.1, localhost or [::1] with the endpoint's port")
	errBrowser = newError(http.StatusForbidden, "BrowserRequest",
		"awsauth: request refused: web browsers may not read credentials")
	errNotFound = newError(http.StatusNotFound, "NotFound",
		"awsauth: no such path: use the URL in AWS_CONTAINER_CREDENTIALS_FULL_URI")
	errMethod = newError(http.StatusMethodNotAllowed, "MethodNotAllowed",
		"awsauth: only GET is allowed")
	errNoToken = newError(http.StatusUnauthorized, "MissingAuthorizationToken",
		"awsauth: the Authorization header is missing: set AWS_CONTAINER_AUTHORIZATION_TOKEN")
	errBadToken = newError(http.StatusForbidden, "InvalidAuthorizationToken",
		"awsauth: the Authorization header does not match this endpoint's token")
)

// maxMessage caps a source's error text in a 503 body.
const maxMessage = 1024

// unavailableError is the 503 answer for msg, a source's error text made
// safe to send: bounded, and without the token even if some layer below put
// it there.
func (h *Handler) unavailableError(msg string) apiError {
	if len(h.token) > 0 {
		msg = strings.ReplaceAll(msg, string(h.token), "[redacted]")
	}
	if len(msg) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return newError(http.StatusServiceUnavailable, "CredentialsUnavailable", msg)
}

// Header values shared by every answer. Each slice has len == cap, so
// anything that appends to one gets a copy instead of changing it.
var (
	hdrJSON    = []string{"application/json"}
	hdrNoStore = []string{"no-store"}
	hdrNosniff = []string{"nosniff"}
	hdrGet     = []string{http.MethodGet}
)

func write(w http.ResponseWriter, status int, body []byte) int {
	hdr := w.Header()
	// Exactly application/json, no charset: the Go SDK decodes an error
	// body only when Content-Type is that string.
	hdr["Content-Type"] = hdrJSON
	hdr["Cache-Control"] = hdrNoStore
	hdr["X-Content-Type-Options"] = hdrNosniff
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
	return status
}

// clip shortens s for a log line.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
