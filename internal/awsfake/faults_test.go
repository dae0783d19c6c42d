package awsfake_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	ssooidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// The SDK's retries off, so that a test sees the wire error.
func stsOnce(o *sts.Options)            { o.RetryMaxAttempts = 1 }
func ssoOnce(o *sso.Options)            { o.RetryMaxAttempts = 1 }
func oidcOnce(o *ssooidc.Options)       { o.RetryMaxAttempts = 1 }
func cfnOnce(o *cloudformation.Options) { o.RetryMaxAttempts = 1 }

func mustAdd(t *testing.T, f *awsfake.Faults, ft awsfake.Fault) func() {
	t.Helper()
	remove, err := f.Add(ft)
	if err != nil {
		t.Fatalf("Add(%+v): %v", ft, err)
	}
	return remove
}

// faultCall is one SDK call of each service, made once with the SDK's
// retries off.
type faultCall struct {
	op      string
	service awsfake.Service
	call    func(t *testing.T, srv *awsfake.Server) error
}

func faultCalls() []faultCall {
	user := func(t *testing.T, srv *awsfake.Server) aws.CredentialsProvider { return static(userCreds(t, srv)) }
	return []faultCall{
		{"GetCallerIdentity", awsfake.ServiceSTS, func(t *testing.T, srv *awsfake.Server) error {
			_, err := stsClient(srv, user(t, srv)).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}, stsOnce)
			return err
		}},
		{"AssumeRole", awsfake.ServiceSTS, func(t *testing.T, srv *awsfake.Server) error {
			_, err := stsClient(srv, user(t, srv)).AssumeRole(t.Context(), &sts.AssumeRoleInput{
				RoleArn: aws.String("arn:aws:iam::111111111111:role/ReadOnly"), RoleSessionName: aws.String("faults"),
			}, stsOnce)
			return err
		}},
		{"GetRoleCredentials", awsfake.ServicePortal, func(t *testing.T, srv *awsfake.Server) error {
			tok := srv.IssueSSOToken()
			_, err := ssoClient(srv).GetRoleCredentials(t.Context(), ssoInput(tok.AccessToken, awsfake.DevAccountID, "Admin"), ssoOnce)
			return err
		}},
		{"CreateToken", awsfake.ServiceOIDC, func(t *testing.T, srv *awsfake.Server) error {
			tok := srv.IssueSSOToken()
			_, err := oidcClient(srv).CreateToken(t.Context(), &ssooidc.CreateTokenInput{
				ClientId: aws.String(tok.ClientID), ClientSecret: aws.String(tok.ClientSecret),
				GrantType: aws.String("refresh_token"), RefreshToken: aws.String(tok.RefreshToken),
			}, oidcOnce)
			return err
		}},
		{"DescribeStacks", awsfake.ServiceCloudFormation, func(t *testing.T, srv *awsfake.Server) error {
			_, err := cfnClient(srv, user(t, srv)).DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{}, cfnOnce)
			return err
		}},
	}
}

// TestFaultWireErrors checks each answering fault against each protocol
// with the Go SDK's own clients: the error code and HTTP status AWS uses,
// and that the SDK's standard retryer treats it as it treats AWS's (a 5xx
// as retryable, a throttle as a throttle). After one hit, the fault is
// spent and the same call succeeds.
func TestFaultWireErrors(t *testing.T) {
	kinds := []struct {
		kind                 awsfake.FaultKind
		queryCode, jsonType  string
		queryStatus, jsonSts int
	}{
		{awsfake.FaultServerError, "InternalFailure", "InternalServerException", 500, 500},
		{awsfake.FaultUnavailable, "ServiceUnavailable", "ServiceUnavailableException", 503, 503},
		{awsfake.FaultThrottle, "Throttling", "TooManyRequestsException", 400, 429},
	}
	for _, k := range kinds {
		for _, c := range faultCalls() {
			t.Run(k.kind.String()+"/"+c.op, func(t *testing.T) {
				srv, _ := start(t, awsfake.Options{})
				mustAdd(t, srv.Faults(), awsfake.Fault{Kind: k.kind, Op: c.op, Count: 1})
				err := c.call(t, srv)
				code, status := k.jsonType, k.jsonSts
				if c.service == awsfake.ServiceSTS || c.service == awsfake.ServiceCloudFormation {
					code, status = k.queryCode, k.queryStatus
				}
				apiErr := wantAPIError(t, err, code, status)
				if k.kind == awsfake.FaultThrottle {
					if apiErr.ErrorMessage() != "Rate exceeded" {
						t.Errorf("throttle message = %q, want Rate exceeded", apiErr.ErrorMessage())
					}
					if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) != aws.TrueTernary {
						t.Errorf("the SDK does not see %v as throttling", err)
					}
				}
				if retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) != aws.TrueTernary {
					t.Errorf("the SDK would not retry %v", err)
				}
				if c.op == "CreateToken" && k.kind == awsfake.FaultServerError {
					var ise *ssooidctypes.InternalServerException
					if !errors.As(err, &ise) || aws.ToString(ise.Error_) != "server_error" {
						t.Errorf("CreateToken 500 = %#v, want the modelled InternalServerException with error server_error", err)
					}
				}
				if err := c.call(t, srv); err != nil {
					t.Errorf("after the fault: %v", err)
				}
				if got := srv.Calls(c.op); got != 2 {
					t.Errorf("Calls(%s) = %d, want 2 (the faulted request counts)", c.op, got)
				}
				if got := srv.Faults().Injected(c.op); got != 1 {
					t.Errorf("Injected(%s) = %d, want 1", c.op, got)
				}
			})
		}
	}
}

// TestFaultBurstRetriedBySDK: a burst shorter than the SDK's three
// attempts is invisible to the caller; a longer one fails the call.
func TestFaultBurstRetriedBySDK(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	tok := srv.IssueSSOToken()
	portal := ssoClient(srv)
	mustAdd(t, srv.Faults(), awsfake.Fault{Kind: awsfake.FaultServerError, Op: "GetRoleCredentials", Count: 2})
	if _, err := portal.GetRoleCredentials(t.Context(), ssoInput(tok.AccessToken, awsfake.DevAccountID, "Admin")); err != nil {
		t.Fatalf("a burst of 2 under 3 attempts: %v", err)
	}
	mustAdd(t, srv.Faults(), awsfake.Fault{Kind: awsfake.FaultThrottle, Op: "GetRoleCredentials", Count: 3})
	_, err := portal.GetRoleCredentials(t.Context(), ssoInput(tok.AccessToken, awsfake.DevAccountID, "Admin"))
	wantAPIError(t, err, "TooManyRequestsException", 429)
	if got := srv.Calls("GetRoleCredentials"); got != 6 {
		t.Errorf("Calls = %d, want 6 (3 + 3 attempts)", got)
	}
}

// TestFaultDelay: a delayed request is served late to a patient client,
// and dropped unserved when the client times out first.
func TestFaultDelay(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	tok := srv.IssueSSOToken()
	user := static(userCreds(t, srv))

	// Patient: a signed POST (the body is read before the delay) succeeds late.
	mustAdd(t, srv.Faults(), awsfake.Fault{Kind: awsfake.FaultDelay, Op: "GetCallerIdentity", Count: 1, Delay: 300 * time.Millisecond})
	began := time.Now()
	if _, err := stsClient(srv, user).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < 300*time.Millisecond {
		t.Errorf("a delayed call took %s, want at least 300ms", took)
	}

	// Impatient: the SDK's HTTP timeout fires, the fake drops the request.
	mustAdd(t, srv.Faults(), awsfake.Fault{Kind: awsfake.FaultDelay, Op: "CreateToken", Count: 1, Delay: time.Second})
	impatient := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1", HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}},
		func(o *ssooidc.Options) { o.BaseEndpoint = aws.String(srv.URL()); o.RetryMaxAttempts = 1 })
	in := &ssooidc.CreateTokenInput{
		ClientId: aws.String(tok.ClientID), ClientSecret: aws.String(tok.ClientSecret),
		GrantType: aws.String("refresh_token"), RefreshToken: aws.String(tok.RefreshToken),
	}
	began = time.Now()
	_, err := impatient.CreateToken(t.Context(), in)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("CreateToken under a 1s delay with a 100ms timeout: %v, want a timeout", err)
	}
	if took := time.Since(began); took > 900*time.Millisecond {
		t.Errorf("the client waited %s, want its own 100ms timeout", took)
	}
	if retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) != aws.TrueTernary {
		t.Errorf("the SDK would not retry %v", err)
	}
	time.Sleep(1200 * time.Millisecond) // past the delay: a served request would have rotated the refresh token
	if _, err := oidcClient(srv).CreateToken(t.Context(), in); err != nil {
		t.Errorf("the refresh token no longer works, so the abandoned request was served: %v", err)
	}
	if got := srv.Calls("CreateToken"); got != 2 {
		t.Errorf("Calls(CreateToken) = %d, want 2 (the dropped request counts)", got)
	}
}

// TestFaultReset: a reset connection is a retryable connection error to
// the SDK, and a burst of them under its attempts goes unnoticed.
func TestFaultReset(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	client := stsClient(srv, static(userCreds(t, srv)))
	mustAdd(t, srv.Faults(), awsfake.Fault{Kind: awsfake.FaultReset, Op: "GetCallerIdentity", Count: 1})
	_, err := client.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}, stsOnce)
	if err == nil {
		t.Fatal("a reset connection answered")
	}
	if !isConnReset(err) && !strings.Contains(err.Error(), "EOF") {
		t.Errorf("error = %v, want a connection reset", err)
	}
	if retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) != aws.TrueTernary {
		t.Errorf("the SDK would not retry %v", err)
	}

	mustAdd(t, srv.Faults(), awsfake.Fault{Kind: awsfake.FaultReset, Service: awsfake.ServiceSTS, Count: 2})
	if _, err := client.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("2 resets under 3 attempts: %v", err)
	}
	if got, inj := srv.Calls("GetCallerIdentity"), srv.Faults().Injected(""); got != 4 || inj != 3 {
		t.Errorf("Calls = %d, Injected = %d; want 4 and 3", got, inj)
	}
}

// TestFaultDown takes the portal down for ten minutes of fake time: other
// services answer, the portal answers 503 until the fake clock has moved
// ten minutes on, and again if the clock is set back into the window.
func TestFaultDown(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	tok := srv.IssueSSOToken()
	portal := ssoClient(srv)
	get := func() error {
		_, err := portal.GetRoleCredentials(t.Context(), ssoInput(tok.AccessToken, awsfake.DevAccountID, "Admin"), ssoOnce)
		return err
	}
	srv.Faults().Down(awsfake.ServicePortal, 10*time.Minute)
	wantAPIError(t, get(), "ServiceUnavailableException", 503)
	if _, err := stsClient(srv, static(userCreds(t, srv))).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("STS while the portal is down: %v", err)
	}
	clock.Advance(10*time.Minute - time.Second)
	wantAPIError(t, get(), "ServiceUnavailableException", 503)
	clock.Advance(time.Second)
	if err := get(); err != nil {
		t.Errorf("portal after the ten minutes: %v", err)
	}
	clock.Advance(-5 * time.Minute)
	wantAPIError(t, get(), "ServiceUnavailableException", 503)
}

// TestFaultDownScaled: on a ScaledClock at speed 600, ten minutes of
// portal outage pass in one real second.
func TestFaultDownScaled(t *testing.T) {
	srv, _ := start(t, awsfake.Options{Clock: awsfake.NewScaledClock(time.Now(), 600)})
	tok := srv.IssueSSOToken()
	portal := ssoClient(srv)
	srv.Faults().Down(awsfake.ServicePortal, 10*time.Minute)
	began := time.Now()
	for {
		_, err := portal.GetRoleCredentials(t.Context(), ssoInput(tok.AccessToken, awsfake.DevAccountID, "Admin"), ssoOnce)
		if err == nil {
			break
		}
		wantAPIError(t, err, "ServiceUnavailableException", 503)
		if time.Since(began) > 5*time.Second {
			t.Fatal("the portal is still down 5 real seconds later")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if took := time.Since(began); took < 900*time.Millisecond {
		t.Errorf("the portal was back after %s, want about 1s", took)
	}
}

// TestFaultRules covers matching: Op, Service, Skip, Count, fake-time
// windows, removal, Clear and validation.
func TestFaultRules(t *testing.T) {
	f := awsfake.NewFaults()
	srv, clock := start(t, awsfake.Options{Faults: f})
	if srv.Faults() != f {
		t.Fatal("Server.Faults is not the controller given in Options")
	}
	client := stsClient(srv, static(userCreds(t, srv)))
	call := func() error {
		_, err := client.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}, stsOnce)
		return err
	}
	outcomes := func(n int) string {
		var b strings.Builder
		for range n {
			if call() == nil {
				b.WriteByte('.')
			} else {
				b.WriteByte('x')
			}
		}
		return b.String()
	}

	mustAdd(t, f, awsfake.Fault{Kind: awsfake.FaultServerError, Op: "GetCallerIdentity", Skip: 1, Count: 2})
	if got := outcomes(5); got != ".xx.." {
		t.Errorf("Skip 1 Count 2 = %s, want .xx..", got)
	}
	remove := mustAdd(t, f, awsfake.Fault{Kind: awsfake.FaultServerError, Op: "AssumeRole"})
	if got := outcomes(2); got != ".." {
		t.Errorf("a fault on another op hit: %s", got)
	}
	remove()
	remove() // twice is harmless
	mustAdd(t, f, awsfake.Fault{Kind: awsfake.FaultServerError, Service: awsfake.ServicePortal})
	if got := outcomes(1); got != "." {
		t.Errorf("a portal fault hit STS: %s", got)
	}
	f.Clear()

	now := clock.Now()
	mustAdd(t, f, awsfake.Fault{Kind: awsfake.FaultThrottle, From: now.Add(time.Minute), Until: now.Add(2 * time.Minute)})
	got := outcomes(1)
	clock.Advance(time.Minute)
	got += outcomes(2)
	clock.Advance(time.Minute)
	got += outcomes(1)
	if got != ".xx." {
		t.Errorf("window [+1m, +2m) = %s, want .xx.", got)
	}
	remove = mustAdd(t, f, awsfake.Fault{Kind: awsfake.FaultThrottle})
	if got := outcomes(2); got != "xx" {
		t.Errorf("an open fault = %s, want xx", got)
	}
	remove()
	if got := outcomes(1); got != "." {
		t.Errorf("after remove = %s, want .", got)
	}
	if got := f.Injected("GetCallerIdentity"); got != 6 {
		t.Errorf("Injected = %d, want 6", got)
	}

	for _, bad := range []awsfake.Fault{
		{},
		{Kind: awsfake.FaultDelay},
		{Kind: awsfake.FaultThrottle, Delay: time.Second},
		{Kind: awsfake.FaultReset, Count: -1},
		{Kind: awsfake.FaultReset, Skip: -1},
		{Kind: awsfake.FaultReset, From: now, Until: now},
	} {
		if _, err := f.Add(bad); err == nil {
			t.Errorf("Add(%+v) accepted", bad)
		}
	}
}

// TestFaultOpsMatchCalls pins that a fault names every operation exactly
// as Server.Calls counts it: each request is hit once by a catch-all fault
// and counted once, under the same name; without faults, the dispatch
// counts it again under that name.
func TestFaultOpsMatchCalls(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	base := srv.URL()
	form := func(version, action string) *http.Request {
		body := url.Values{"Action": {action}, "Version": {version}}.Encode()
		r, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	req := func(method, path, body string) *http.Request {
		r, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		return r
	}
	requests := map[string]func() *http.Request{
		"GetRoleCredentials":        func() *http.Request { return req("GET", "/federation/credentials?account_id=1&role_name=x", "") },
		"ListAccounts":              func() *http.Request { return req("GET", "/assignment/accounts", "") },
		"ListAccountRoles":          func() *http.Request { return req("GET", "/assignment/roles?account_id=1", "") },
		"Logout":                    func() *http.Request { return req("POST", "/logout", "") },
		"RegisterClient":            func() *http.Request { return req("POST", "/client/register", "{}") },
		"StartDeviceAuthorization":  func() *http.Request { return req("POST", "/device_authorization", "{}") },
		"CreateToken":               func() *http.Request { return req("POST", "/token", "{}") },
		"GetSigninToken":            func() *http.Request { return req("GET", "/federation?Action=getSigninToken", "") },
		"FederationLogin":           func() *http.Request { return req("GET", "/federation?Action=login", "") },
		"GetCallerIdentity":         func() *http.Request { return form("2011-06-15", "GetCallerIdentity") },
		"AssumeRole":                func() *http.Request { return form("2011-06-15", "AssumeRole") },
		"GetSessionToken":           func() *http.Request { return form("2011-06-15", "GetSessionToken") },
		"AssumeRoleWithWebIdentity": func() *http.Request { return form("2011-06-15", "AssumeRoleWithWebIdentity") },
		"DescribeStacks":            func() *http.Request { return form("2010-05-15", "DescribeStacks") },
		"CreateStack":               func() *http.Request { return form("2010-05-15", "CreateStack") },
	}
	do := func(r *http.Request) int {
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	mustAdd(t, srv.Faults(), awsfake.Fault{Kind: awsfake.FaultServerError})
	for op, r := range requests {
		if status := do(r()); status != 500 {
			t.Errorf("%s under a catch-all fault: HTTP %d, want 500", op, status)
		}
		if c, i := srv.Calls(op), srv.Faults().Injected(op); c != 1 || i != 1 {
			t.Errorf("%s: Calls %d, Injected %d; want 1 and 1", op, c, i)
		}
	}
	srv.Faults().Clear()
	for op, r := range requests {
		do(r())
		if c := srv.Calls(op); c != 2 {
			t.Errorf("%s: Calls %d after a served request, want 2", op, c)
		}
	}
}

// TestFaultsConcurrent changes faults while clients call, for the race
// detector: tests flip faults on a fake that awsauth is using.
func TestFaultsConcurrent(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	tok := srv.IssueSSOToken()
	f := srv.Faults()
	user := static(userCreds(t, srv))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			for range 10 {
				if i%2 == 0 {
					_, _ = stsClient(srv, user).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				} else {
					_, _ = ssoClient(srv).GetRoleCredentials(ctx, ssoInput(tok.AccessToken, awsfake.DevAccountID, "Admin"))
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			remove, _ := f.Add(awsfake.Fault{Kind: awsfake.FaultKind(1 + i%3), Count: 1})
			if i%2 == 0 {
				remove()
			}
			f.Down(awsfake.ServicePortal, time.Millisecond)
			clock.Advance(time.Millisecond)
			_ = f.Injected("")
			if i%10 == 0 {
				f.Clear()
			}
		}
	})
	wg.Wait()
	if c, i := srv.Calls("GetCallerIdentity")+srv.Calls("GetRoleCredentials"), f.Injected(""); c < 60 || i > c {
		t.Errorf("Calls %d, Injected %d: want at least 60 calls, and no more faults than calls", c, i)
	}
}
