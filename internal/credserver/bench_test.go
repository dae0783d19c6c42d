package credserver_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/credserver"
)

// BenchmarkHandler is the handler alone: the work the endpoint does per
// request once it has parsed the request.
func BenchmarkHandler(b *testing.B) {
	token := credserver.NewToken()
	h := credserver.NewHandler(fixed(testCreds, nil), token, credserver.Options{Now: clock})
	req := httptest.NewRequest("GET", credserver.Path, nil)
	req.Host = "127.0.0.1:43521"
	req.Header.Set("Authorization", token)
	w := newDiscardWriter()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
	if w.status != 200 {
		b.Fatalf("status %d", w.status)
	}
}

// BenchmarkHandlerNewCredentials is the handler when every request finds
// other credentials than the last one, so the body is encoded each time. In
// use that happens once per renewal (or once a minute for credentials that
// never expire); the rest are BenchmarkHandler.
func BenchmarkHandlerNewCredentials(b *testing.B) {
	token := credserver.NewToken()
	one, two := testCreds, testCreds
	two.AccessKeyID = "ASIAEXAMPLEEXAMPLE02"
	var n int
	src := credserver.SourceFunc(func() (aws.Credentials, error) {
		n++
		if n%2 == 0 {
			return two, nil
		}
		return one, nil
	})
	h := credserver.NewHandler(src, token, credserver.Options{Now: clock})
	req := httptest.NewRequest("GET", credserver.Path, nil)
	req.Host = "127.0.0.1:43521"
	req.Header.Set("Authorization", token)
	w := newDiscardWriter()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
	if w.status != 200 {
		b.Fatalf("status %d", w.status)
	}
}

// BenchmarkHandlerUnavailable is the 503 answer, whose body (the source's
// error text) is encoded on every request.
func BenchmarkHandlerUnavailable(b *testing.B) {
	token := credserver.NewToken()
	src := fixed(aws.Credentials{}, errors.New("refresh: operation error SSO: GetRoleCredentials, https response error StatusCode: 401, UnauthorizedException: Session token not found or invalid"))
	h := credserver.NewHandler(src, token, credserver.Options{Now: clock})
	req := httptest.NewRequest("GET", credserver.Path, nil)
	req.Host = "127.0.0.1:43521"
	req.Header.Set("Authorization", token)
	w := newDiscardWriter()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
	if w.status != 503 {
		b.Fatalf("status %d", w.status)
	}
}

// BenchmarkLoopback is one request as an SDK makes it: over a kept-alive
// loopback connection, through net/http at both ends.
func BenchmarkLoopback(b *testing.B) {
	s, err := credserver.Start(b.Context(), fixed(realCreds("ASIABENCHMARK0000001", time.Hour), nil), credserver.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	req, err := http.NewRequestWithContext(b.Context(), "GET", s.URL(), nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", s.Token())
	b.ReportAllocs()
	for b.Loop() {
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	if got := s.Stats().Served; got < uint64(b.N) {
		b.Fatalf("served %d of %d requests", got, b.N)
	}
}
