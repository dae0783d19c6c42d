package credserver_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/smithy-go"

	"github.com/awsauth/awsauth/internal/credserver"
	"github.com/awsauth/awsauth/internal/testenv"
)

// realCreds are credentials that expire an hour from now, to the second, as
// the Go SDK will read them back.
func realCreds(akid string, lifetime time.Duration) aws.Credentials {
	c := testCreds
	c.AccessKeyID = akid
	c.Expires = time.Now().Add(lifetime).UTC().Truncate(time.Second)
	return c
}

// wantSDKCreds fails unless got is exactly want as the endpoint provider
// reports it. The config loader wraps that provider in a cache that
// reports Expires moved earlier by its expiry window.
func wantSDKCreds(t *testing.T, got, want aws.Credentials, window time.Duration) {
	t.Helper()
	want.Source = endpointcreds.ProviderName
	want.Expires = want.Expires.Add(-window)
	if !got.Expires.Equal(want.Expires) {
		t.Errorf("Expires = %v, want %v", got.Expires, want.Expires)
	}
	got.Expires, want.Expires = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("credentials\n got %+v\nwant %+v", got, want)
	}
}

// wantEndpointError fails unless err is the endpoint's error with code, as
// the Go SDK decoded it from the body.
func wantEndpointError(t *testing.T, err error, code, message string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an API error", err, err)
	}
	if apiErr.ErrorCode() != code || !strings.Contains(apiErr.ErrorMessage(), message) {
		t.Errorf("code %q message %q, want %q and %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), code, message)
	}
}

func TestGoSDKEndpointProvider(t *testing.T) {
	want := realCreds("ASIAGOSDKPROVIDER001", time.Hour)
	var fail atomic.Bool
	s := start(t, credserver.SourceFunc(func() (aws.Credentials, error) {
		if fail.Load() {
			return aws.Credentials{}, errors.New("the refresh failed: ExpiredToken")
		}
		return want, nil
	}), credserver.Options{})

	provider := func(token string) *endpointcreds.Provider {
		return endpointcreds.New(s.URL(), func(o *endpointcreds.Options) {
			o.AuthorizationToken = token
			// The SDK retries a 503 with back-off; one attempt is the
			// behaviour under test.
			o.Retryer = aws.NopRetryer{}
		})
	}

	got, err := provider(s.Token()).Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantSDKCreds(t, got, want, 0)

	_, err = provider(otherToken(s.Token())).Retrieve(t.Context())
	wantEndpointError(t, err, "InvalidAuthorizationToken", "does not match")
	_, err = provider("").Retrieve(t.Context())
	wantEndpointError(t, err, "MissingAuthorizationToken", "AWS_CONTAINER_AUTHORIZATION_TOKEN")

	fail.Store(true)
	_, err = provider(s.Token()).Retrieve(t.Context())
	wantEndpointError(t, err, "CredentialsUnavailable", "awsauth: no valid credentials: the refresh failed: ExpiredToken")
	var status interface{ HTTPStatusCode() int }
	if !errors.As(err, &status) || status.HTTPStatusCode() != 503 {
		t.Errorf("error %v carries no HTTP status 503", err)
	}
}

// sdkWindow is the expiry window of the cache the Go SDK's config loader puts
// around the container provider (resolveHTTPCredProvider).
const sdkWindow = 5 * time.Minute

// sealForSDK points the process environment at s the way `awsauth exec`
// points its child, with HOME in a temporary directory and no other AWS_*
// variable set.
func sealForSDK(t *testing.T, s *credserver.Server) {
	e := testenv.SealedEnv(t)
	for k := range e.Vars {
		if strings.HasPrefix(k, "AWS_") {
			delete(e.Vars, k)
		}
	}
	e.Vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = s.URL()
	e.Vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = s.Token()
	e.Apply(t)
}

func TestGoSDKDefaultChain(t *testing.T) {
	want := realCreds("ASIAGOSDKCHAIN000001", time.Hour)
	var fail atomic.Bool
	s := start(t, credserver.SourceFunc(func() (aws.Credentials, error) {
		if fail.Load() {
			return aws.Credentials{}, errors.New("the SSO session has ended")
		}
		return want, nil
	}), credserver.Options{})
	sealForSDK(t, s)

	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantSDKCreds(t, got, want, sdkWindow)

	fail.Store(true)
	cfg, err = config.LoadDefaultConfig(t.Context(), config.WithRegion("us-east-1"),
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Credentials.Retrieve(t.Context())
	wantEndpointError(t, err, "CredentialsUnavailable", "the SSO session has ended")
}

// The keeper swaps credentials under the server; a client whose copy is
// about to expire must get the new ones on its next fetch.
func TestGoSDKSeesRotation(t *testing.T) {
	// Two minutes is inside the SDK's five-minute expiry window, so its
	// cache fetches again on every Retrieve.
	first := realCreds("ASIAROTATIONFIRST001", 2*time.Minute)
	second := realCreds("ASIAROTATIONSECOND01", 2*time.Minute)
	second.SecretAccessKey, second.SessionToken = "second-secret", "second-token"
	var current atomic.Pointer[aws.Credentials]
	current.Store(&first)
	s := start(t, credserver.SourceFunc(func() (aws.Credentials, error) { return *current.Load(), nil }), credserver.Options{})
	sealForSDK(t, s)

	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantSDKCreds(t, got, first, sdkWindow)

	current.Store(&second)
	got, err = cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantSDKCreds(t, got, second, sdkWindow)
	if n := s.Stats().Served; n != 2 {
		t.Errorf("served %d times, want 2", n)
	}

	// Credentials an hour from expiry are kept by the SDK's cache: the
	// Expiration the endpoint sends is what paces the clients.
	third := realCreds("ASIAROTATIONTHIRD001", time.Hour)
	current.Store(&third)
	for range 2 {
		if got, err = cfg.Credentials.Retrieve(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	wantSDKCreds(t, got, third, sdkWindow)
	if n := s.Stats().Served; n != 3 {
		t.Errorf("served %d times, want 3", n)
	}
}
