package credserver_test

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/credserver"
)

// fuzzToken is the endpoint's token in FuzzHandler; "{token}" in the fuzzed
// Authorization header or extra headers stands for it, so that the fuzzer
// can send it without guessing 256 bits.
const fuzzToken = "Tq0t9GvFh2Jx8sLkP4wNzR7cYb1mAeUd5oXiK3jQW6E"

// FuzzHandler sends arbitrary requests to the endpoint. Whatever the method,
// path, Host, Authorization and other headers, the answer is 200 only for a
// GET of the path with exactly the token from a loopback Host and no browser
// marks, and no other answer carries the token or a credential.
func FuzzHandler(f *testing.F) {
	f.Fuzz(func(t *testing.T, method, path, host, auth, headers string, mode uint8) {
		creds := testCreds
		var srcErr error
		switch mode % 5 {
		case 1:
			// A source error that (wrongly) quotes the token and a key.
			srcErr = errors.New("refresh failed: token " + fuzzToken + " rejected for " + testCreds.AccessKeyID)
		case 2:
			creds.Expires = testNow
		case 3:
			creds = aws.Credentials{}
		case 4:
			creds = aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE02", SecretAccessKey: testCreds.SecretAccessKey}
		}
		var logged strings.Builder
		h := credserver.NewHandler(fixed(creds, srcErr), fuzzToken, credserver.Options{
			Now:  clock,
			Logf: func(format string, args ...any) { logged.WriteString(format) },
		})

		r := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path},
			Host:       host,
			Header:     http.Header{},
			Proto:      "HTTP/1.1",
			ProtoMajor: 1, ProtoMinor: 1,
			RemoteAddr: "127.0.0.1:50000",
		}
		if auth != "" {
			r.Header.Set("Authorization", strings.ReplaceAll(auth, "{token}", fuzzToken))
		}
		for _, line := range strings.Split(headers, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				r.Header.Add(k, strings.ReplaceAll(strings.TrimSpace(v), "{token}", fuzzToken))
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body := w.Body.String()

		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		if w.Code != http.StatusOK {
			var e struct{ Code, Message string }
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Code == "" {
				t.Fatalf("%d answer is not an error object (%v): %q", w.Code, err, body)
			}
			for _, s := range []string{fuzzToken, testCreds.SecretAccessKey, testCreds.SessionToken} {
				if strings.Contains(body, s) || strings.Contains(e.Message, s) {
					t.Fatalf("%d answer holds %q: %s", w.Code, s, body)
				}
			}
			return
		}

		if got := r.Header.Values("Authorization"); len(got) != 1 || got[0] != fuzzToken {
			t.Fatalf("200 for Authorization %q", got)
		}
		name, _, err := net.SplitHostPort(host)
		if err != nil || !(name == "127.0.0.1" || name == "::1" || strings.EqualFold(name, "localhost")) {
			t.Fatalf("200 for Host %q", host)
		}
		if method != http.MethodGet || path != credserver.Path {
			t.Fatalf("200 for %q %q", method, path)
		}
		for _, k := range []string{"Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest"} {
			if _, ok := r.Header[k]; ok {
				t.Fatalf("200 for a request with %s", k)
			}
		}
		if mode%5 != 0 && mode%5 != 4 {
			t.Fatalf("200 from a source in mode %d", mode%5)
		}
		var c struct{ AccessKeyId, SecretAccessKey, Token, Expiration string }
		if err := json.Unmarshal([]byte(body), &c); err != nil || c.SecretAccessKey != testCreds.SecretAccessKey {
			t.Fatalf("200 body %q (%v)", body, err)
		}
		if exp, err := time.Parse(time.RFC3339, c.Expiration); err != nil || !exp.After(testNow) {
			t.Fatalf("200 with Expiration %q (%v)", c.Expiration, err)
		}
	})
}
