package credserver_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/credserver"
)

// The fixtures: a fixed clock at 17:00:30 UTC and credentials that expire
// an hour later, given in another zone and with a fraction of a second that
// the wire format drops.
var (
	testNow   = time.Date(2026, 11, 23, 17, 0, 30, 0, time.UTC)
	testCreds = aws.Credentials{
		AccessKeyID:     "ASIAEXAMPLEEXAMPLE01",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		SessionToken:    "FwoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLE+token=",
		Source:          "test",
		CanExpire:       true,
		Expires:         time.Date(2026, 11, 23, 19, 0, 0, 750e6, time.FixedZone("CET", 3600)),
		AccountID:       "123456789012",
	}
	testBody = `{"AccessKeyId":"ASIAEXAMPLEEXAMPLE01",` +
		`"SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",` +
		`"Token":"FwoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLE+token=",` +
		`"Expiration":"2026-11-23T18:00:00Z","AccountId":"123456789012"}`
)

func fixed(c aws.Credentials, err error) credserver.Source {
	return credserver.SourceFunc(func() (aws.Credentials, error) { return c, err })
}

func clock() time.Time { return testNow }

// otherToken returns a token of the same length as tok that differs from it
// in the last character only.
func otherToken(tok string) string {
	last := byte('A')
	if tok[len(tok)-1] == last {
		last = 'B'
	}
	return tok[:len(tok)-1] + string(last)
}

type errorBody struct {
	Code, Message string
	LowerCode     string `json:"code"`
	LowerMessage  string `json:"message"`
}

// decodeError decodes an error body strictly: exactly the four fields, the
// two casings equal.
func decodeError(t *testing.T, body []byte) errorBody {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"Code", "Message", "code", "message"}; !slices.Equal(keys, want) {
		t.Errorf("error body keys = %v, want %v", keys, want)
	}
	e := errorBody{}
	e.Code, _ = m["Code"].(string)
	e.Message, _ = m["Message"].(string)
	e.LowerCode, _ = m["code"].(string)
	e.LowerMessage, _ = m["message"].(string)
	if e.Code != e.LowerCode || e.Message != e.LowerMessage {
		t.Errorf("casings differ: %q", body)
	}
	return e
}

func TestHandler(t *testing.T) {
	token := credserver.NewToken()
	static := aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE02", SecretAccessKey: "static/secret"}
	expired := testCreds
	expired.Expires = testNow
	upstream := errors.New("the SSO session for profile deploy has ended: run awsauth login --profile deploy")

	tests := []struct {
		name    string
		method  string // GET when empty
		path    string // credserver.Path when empty
		host    string // 127.0.0.1:43521 when empty
		header  http.Header
		noAuth  bool // send no Authorization header
		src     credserver.Source
		status  int
		body    string // the exact 200 body
		code    string // the error code
		message string // a substring of the error message
	}{
		{name: "good token", status: 200, body: testBody},
		{name: "localhost", host: "localhost:43521", status: 200, body: testBody},
		{name: "LOCALHOST", host: "LOCALHOST:43521", status: 200, body: testBody},
		{name: "ipv6 loopback", host: "[::1]:43521", status: 200, body: testBody},
		{name: "query ignored", path: credserver.Path + "?x=1", status: 200, body: testBody},
		{
			name: "no session token, no expiry", src: fixed(static, nil), status: 200,
			// Token and Expiration are still there: botocore and the JS SDK
			// need both. Now+1h rounded down to the minute.
			body: `{"AccessKeyId":"AKIAEXAMPLEEXAMPLE02","SecretAccessKey":"static/secret","Token":"","Expiration":"2026-11-23T18:00:00Z"}`,
		},

		{name: "missing token", noAuth: true, status: 401, code: "MissingAuthorizationToken"},
		{name: "empty token", header: http.Header{"Authorization": {""}}, status: 401, code: "MissingAuthorizationToken"},
		{name: "wrong token", header: http.Header{"Authorization": {"not-the-token"}}, status: 403, code: "InvalidAuthorizationToken"},
		{name: "same-length wrong token", header: http.Header{"Authorization": {otherToken(token)}}, status: 403, code: "InvalidAuthorizationToken"},
		{name: "token prefix", header: http.Header{"Authorization": {token[:len(token)-1]}}, status: 403, code: "InvalidAuthorizationToken"},
		{name: "bearer token", header: http.Header{"Authorization": {"Bearer " + token}}, status: 403, code: "InvalidAuthorizationToken"},
		{name: "two tokens", header: http.Header{"Authorization": {token, token}}, status: 403, code: "InvalidAuthorizationToken"},

		{name: "rebound host", host: "attacker.example:43521", status: 403, code: "InvalidHost"},
		{name: "loopback lookalike", host: "127.0.0.1.nip.io:43521", status: 403, code: "InvalidHost"},
		{name: "other loopback ip", host: "127.0.0.2:43521", status: 403, code: "InvalidHost"},
		{name: "host without port", host: "127.0.0.1", status: 403, code: "InvalidHost"},
		{name: "no host", host: "-", status: 403, code: "InvalidHost"},
		{name: "origin", header: http.Header{"Origin": {"https://attacker.example"}}, status: 403, code: "BrowserRequest"},
		{name: "null origin", header: http.Header{"Origin": {"null"}}, status: 403, code: "BrowserRequest"},
		{name: "fetch metadata", header: http.Header{"Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"cors"}}, status: 403, code: "BrowserRequest"},

		{name: "POST", method: "POST", status: 405, code: "MethodNotAllowed"},
		{name: "HEAD", method: "HEAD", status: 405, code: "MethodNotAllowed"},
		{name: "PUT", method: "PUT", status: 405, code: "MethodNotAllowed"},
		{name: "root path", path: "/", status: 404, code: "NotFound"},
		{name: "other path", path: "/latest/meta-data/iam/security-credentials/", status: 404, code: "NotFound"},
		{name: "trailing slash", path: credserver.Path + "/", status: 404, code: "NotFound"},
		{name: "other path without token", path: "/x", noAuth: true, status: 404, code: "NotFound"},

		{
			name: "source error", src: fixed(aws.Credentials{}, upstream), status: 503,
			code: "CredentialsUnavailable", message: "awsauth: no valid credentials: " + upstream.Error(),
		},
		{
			name: "source error naming the token", src: fixed(aws.Credentials{}, fmt.Errorf("bad request with %s", token)),
			status: 503, code: "CredentialsUnavailable", message: "bad request with [redacted]",
		},
		{
			name: "expired", src: fixed(expired, nil), status: 503,
			code: "CredentialsUnavailable", message: "expired at 2026-11-23T17:00:30Z",
		},
		{
			name: "no keys", src: fixed(aws.Credentials{SessionToken: "x", CanExpire: true, Expires: testNow.Add(time.Hour)}, nil),
			status: 503, code: "CredentialsUnavailable", message: "no valid credentials",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			if src == nil {
				src = fixed(testCreds, nil)
			}
			h := credserver.NewHandler(src, token, credserver.Options{Now: clock})

			method, path, host := tt.method, tt.path, tt.host
			if method == "" {
				method = "GET"
			}
			if path == "" {
				path = credserver.Path
			}
			switch host {
			case "":
				host = "127.0.0.1:43521"
			case "-":
				host = ""
			}
			req := httptest.NewRequest(method, path, nil)
			req.Host = host
			if !tt.noAuth {
				req.Header.Set("Authorization", token)
			}
			for k, v := range tt.header {
				req.Header[k] = v
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			body := rec.Body.String()

			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", res.StatusCode, tt.status, body)
			}
			for k, want := range map[string]string{
				"Content-Type":   "application/json",
				"Cache-Control":  "no-store",
				"Content-Length": fmt.Sprint(len(body)),
			} {
				if got := res.Header.Values(k); len(got) != 1 || got[0] != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if tt.status == 200 {
				if body != tt.body {
					t.Errorf("body\n got %s\nwant %s", body, tt.body)
				}
				return
			}

			e := decodeError(t, rec.Body.Bytes())
			if e.Code != tt.code {
				t.Errorf("Code = %q, want %q", e.Code, tt.code)
			}
			if !strings.Contains(e.Message, tt.message) {
				t.Errorf("Message = %q, want it to contain %q", e.Message, tt.message)
			}
			secrets := []string{token, testCreds.SecretAccessKey, testCreds.SessionToken, static.SecretAccessKey}
			secrets = append(secrets, tt.header.Values("Authorization")...)
			for _, s := range secrets {
				if s != "" && strings.Contains(body, s) {
					t.Errorf("error body %s contains a secret or what the client sent: %q", body, s)
				}
			}
			if tt.status == 405 {
				if got := res.Header.Get("Allow"); got != "GET" {
					t.Errorf("Allow = %q, want GET", got)
				}
			}
		})
	}
}

// A JSON-minded client must read back exactly what the source holds, even
// strings no real credential contains.
func TestHandlerEncodesAnyString(t *testing.T) {
	odd := []string{
		`quote " backslash \ slash /`,
		"control \x00\x01\x1f\t\r\n del \x7f",
		"html <script>&amp;</script>",
		"unicode é 🔑 \u2028\u2029",
	}
	for _, s := range odd {
		c := testCreds
		c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.AccountID = s, s+"1", s+"2", s+"3"
		h := credserver.NewHandler(fixed(c, nil), "t", credserver.Options{Now: clock})
		rec := get(h, "127.0.0.1:1", "t")
		var got struct{ AccessKeyId, SecretAccessKey, Token, Expiration, AccountId string }
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%q: body %q: %v", s, rec.Body, err)
		}
		if got.AccessKeyId != c.AccessKeyID || got.SecretAccessKey != c.SecretAccessKey ||
			got.Token != c.SessionToken || got.AccountId != c.AccountID {
			t.Errorf("%q: decoded %+v", s, got)
		}
	}

	// Invalid UTF-8 cannot go through JSON as is; like encoding/json, the
	// handler sends U+FFFD, and the body stays valid JSON.
	c := testCreds
	c.SessionToken = "a\xffb"
	rec := get(credserver.NewHandler(fixed(c, nil), "t", credserver.Options{Now: clock}), "127.0.0.1:1", "t")
	var got struct{ Token string }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Token != "a\uFFFDb" {
		t.Errorf("invalid UTF-8: Token %q, err %v", got.Token, err)
	}
}

// The error body's bytes, in the order clients have always been sent them.
func TestHandlerErrorBodyBytes(t *testing.T) {
	h := credserver.NewHandler(fixed(aws.Credentials{}, errors.New("refresh failed")), "tok3n", credserver.Options{Now: clock})
	rec := get(h, "127.0.0.1:1", "tok3n")
	const want = `{"Code":"CredentialsUnavailable","Message":"awsauth: no valid credentials: refresh failed",` +
		`"code":"CredentialsUnavailable","message":"awsauth: no valid credentials: refresh failed"}`
	if rec.Code != 503 || rec.Body.String() != want {
		t.Errorf("%d %s\nwant 503 %s", rec.Code, rec.Body, want)
	}
}

func TestHandlerLongErrorIsClipped(t *testing.T) {
	long := strings.Repeat("é", 2000) // 4000 bytes
	h := credserver.NewHandler(fixed(aws.Credentials{}, errors.New(long)), "t", credserver.Options{Now: clock})
	rec := get(h, "127.0.0.1:1", "t")
	e := decodeError(t, rec.Body.Bytes())
	if len(e.Message) > 1100 || !strings.HasSuffix(e.Message, "é…") {
		t.Errorf("message of %d bytes, ends %q", len(e.Message), e.Message[len(e.Message)-8:])
	}
}

func TestHandlerStatsAndLog(t *testing.T) {
	token := credserver.NewToken()
	var mu sync.Mutex
	var lines []string
	var broken atomic.Bool
	src := credserver.SourceFunc(func() (aws.Credentials, error) {
		if broken.Load() {
			return aws.Credentials{}, errors.New("upstream down")
		}
		return testCreds, nil
	})
	h := credserver.NewHandler(src, token, credserver.Options{
		Now: clock,
		Logf: func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, fmt.Sprintf(format, args...))
		},
	})

	get(h, "127.0.0.1:1", token)
	get(h, "127.0.0.1:1", token)
	get(h, "127.0.0.1:1", otherToken(token))
	get(h, "evil.example:1", token)
	broken.Store(true)
	get(h, "127.0.0.1:1", token)

	want := credserver.Stats{Served: 2, Rejected: 2, Unavailable: 1}
	if got := h.Stats(); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 5 {
		t.Fatalf("%d log lines, want 5: %q", len(lines), lines)
	}
	for i, status := range []string{"200", "200", "403", "403", "503"} {
		prefix := fmt.Sprintf(`credserver: "GET" %q %s `, credserver.Path, status)
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("log line %d = %q, want prefix %q", i, lines[i], prefix)
		}
	}
	for _, l := range lines {
		for _, s := range []string{token, otherToken(token), testCreds.AccessKeyID, testCreds.SecretAccessKey, testCreds.SessionToken, "evil"} {
			if strings.Contains(l, s) {
				t.Errorf("log line %q contains %q", l, s)
			}
		}
	}
}

// Concurrent requests while the source rotates: every answer must be one
// whole set of credentials, never a mix (the race detector watches the
// handler's cache meanwhile).
func TestHandlerConcurrentRotation(t *testing.T) {
	const sets = 4
	var current atomic.Int64
	creds := make([]aws.Credentials, sets)
	for i := range creds {
		creds[i] = testCreds
		creds[i].AccessKeyID = fmt.Sprintf("ASIAROTATED%09d", i)
		creds[i].SecretAccessKey = fmt.Sprintf("secret-%d", i)
	}
	h := credserver.NewHandler(credserver.SourceFunc(func() (aws.Credentials, error) {
		return creds[current.Add(1)%sets], nil
	}), "t", credserver.Options{Now: clock})

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 200 {
				rec := get(h, "127.0.0.1:1", "t")
				var got struct{ AccessKeyId, SecretAccessKey string }
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					errs <- err
					return
				}
				var i int
				fmt.Sscanf(got.AccessKeyId, "ASIAROTATED%d", &i)
				if got.SecretAccessKey != creds[i%sets].SecretAccessKey {
					errs <- fmt.Errorf("mixed answer: %s", rec.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := h.Stats().Served; got != 8*200 {
		t.Errorf("Served = %d, want %d", got, 8*200)
	}
}

// The steady state, the same credentials asked for again and again, must not
// encode anything per request.
func TestHandlerAllocations(t *testing.T) {
	h := credserver.NewHandler(fixed(testCreds, nil), "t", credserver.Options{Now: clock})
	req := httptest.NewRequest("GET", credserver.Path, nil)
	req.Host = "127.0.0.1:1"
	req.Header.Set("Authorization", "t")
	w := newDiscardWriter()
	h.ServeHTTP(w, req)
	allocs := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, req) })
	// The Content-Length value, and little else.
	if allocs > 3 {
		t.Errorf("%v allocations per request, want at most 3", allocs)
	}
	if w.status != 200 || string(w.body) != testBody {
		t.Errorf("status %d body %s", w.status, w.body)
	}
}

func get(h http.Handler, host, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", credserver.Path, nil)
	req.Host = host
	req.Header.Set("Authorization", token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// discardWriter is a ResponseWriter that keeps only the last answer, for
// allocation counts and benchmarks where httptest.ResponseRecorder's own
// allocations would drown the handler's.
type discardWriter struct {
	hdr    http.Header
	status int
	body   []byte
}

func newDiscardWriter() *discardWriter { return &discardWriter{hdr: make(http.Header)} }

func (w *discardWriter) Header() http.Header { return w.hdr }
func (w *discardWriter) WriteHeader(status int) {
	w.status = status
	w.body = w.body[:0]
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.body = append(w.body, p...)
	return len(p), nil
}
