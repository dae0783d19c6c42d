package awsfake_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// fakeStart is where every manual clock in these tests starts.
var fakeStart = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// start runs a fake on a manual clock for the length of the test.
func start(t *testing.T, opts awsfake.Options) (*awsfake.Server, *awsfake.ManualClock) {
	t.Helper()
	clock := awsfake.NewManualClock(fakeStart)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	srv, err := awsfake.Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, clock
}

func awsConfig(creds aws.CredentialsProvider) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: creds}
}

func static(c awsfake.Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

func stsClient(srv *awsfake.Server, creds aws.CredentialsProvider) *sts.Client {
	return sts.NewFromConfig(awsConfig(creds), func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
}

func ssoClient(srv *awsfake.Server) *sso.Client {
	return sso.NewFromConfig(awsConfig(nil), func(o *sso.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
}

func oidcClient(srv *awsfake.Server) *ssooidc.Client {
	return ssooidc.NewFromConfig(awsConfig(nil), func(o *ssooidc.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
}

// userCreds returns the default scenario's IAM user keys.
func userCreds(t *testing.T, srv *awsfake.Server) awsfake.Credentials {
	t.Helper()
	c, err := srv.UserCredentials(awsfake.DefaultUserName)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantAPIError fails unless err is an AWS API error with code, and the
// HTTP status when status is not 0.
func wantAPIError(t *testing.T, err error, code string, status int) smithy.APIError {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s", code)
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v (%T), want an API error %s", err, err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("error code = %q (%v), want %q", apiErr.ErrorCode(), err, code)
	}
	if status != 0 {
		var re *awshttp.ResponseError
		if !errors.As(err, &re) {
			t.Fatalf("no HTTP response in %v", err)
		}
		if re.HTTPStatusCode() != status {
			t.Fatalf("HTTP status = %d, want %d", re.HTTPStatusCode(), status)
		}
	}
	return apiErr
}

// near fails unless got is within tolerance of want.
func near(t *testing.T, what string, got, want time.Time, tolerance time.Duration) {
	t.Helper()
	if d := got.Sub(want); d < -tolerance || d > tolerance {
		t.Fatalf("%s = %s, want %s (±%s)", what, got.UTC().Format(time.RFC3339), want.UTC().Format(time.RFC3339), tolerance)
	}
}
