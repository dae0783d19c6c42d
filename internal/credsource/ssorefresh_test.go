package credsource

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/ssotoken"
	"github.com/awsauth/awsauth/internal/sysenv"
)

const ssoConfig = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = ` + awsfake.DefaultStartURL + `
sso_region = us-east-1
`

// TestSSOTokenRefreshFailingForAWSsReasons: when the cached access token
// has expired and renewing it fails on AWS's side (a 5xx, throttling), the
// session has not ended: the failure is reported as it is, so the keeper
// retries instead of asking for a login, and the next try succeeds. A
// refresh token AWS refuses still means a new login.
func TestSSOTokenRefreshFailingForAWSsReasons(t *testing.T) {
	fake, err := awsfake.Start(t.Context(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	dir := t.TempDir()
	files := awsconfig.Files{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(files.Config, []byte(ssoConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	env := sysenv.FromMap(map[string]string{"HOME": dir, "USERPROFILE": dir, "AWS_ENDPOINT_URL_SSO": fake.URL(), "AWS_ENDPOINT_URL_SSO_OIDC": fake.URL()})
	cachePath := ssotoken.CachePath(dir, ssotoken.CacheKey("corp", awsfake.DefaultStartURL))
	seed := func(refreshToken string) {
		t.Helper()
		tok := fake.IssueSSOToken()
		if refreshToken == "" {
			refreshToken = tok.RefreshToken
		}
		b, _ := json.Marshal(map[string]string{
			"startUrl": awsfake.DefaultStartURL, "region": "us-east-1",
			"accessToken": tok.AccessToken, "expiresAt": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
			"clientId": tok.ClientID, "clientSecret": tok.ClientSecret, "refreshToken": refreshToken,
			"registrationExpiresAt": tok.RegistrationExpiresAt.UTC().Format(time.RFC3339),
		})
		if err := os.MkdirAll(filepath.Dir(cachePath), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cachePath, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	trace, err := awsconfig.Resolve(context.Background(), awsconfig.Request{Profile: "dev", Env: env, Files: files})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(trace, Deps{Env: env, HTTPClient: &http.Client{Timeout: 5 * time.Second}, Clients: testClients{env}})
	if err != nil {
		t.Fatal(err)
	}

	seed("")
	for _, kind := range []awsfake.FaultKind{awsfake.FaultServerError, awsfake.FaultThrottle} {
		// Three faults defeat the SDK's three attempts.
		if _, err := fake.Faults().Add(awsfake.Fault{Kind: kind, Op: "CreateToken", Count: 3}); err != nil {
			t.Fatal(err)
		}
		_, err = p.Retrieve(t.Context())
		var login *LoginRequiredError
		var op *smithy.OperationError
		if errors.As(err, &login) || !errors.As(err, &op) || op.Operation() != "CreateToken" {
			t.Errorf("renewing the token failed with a %s: got %v, want that failure, not a login", kind, err)
		}
	}
	if _, err := p.Retrieve(t.Context()); err != nil {
		t.Errorf("once AWS answers again: %v", err)
	}

	seed("not-a-refresh-token")
	_, err = p.Retrieve(t.Context())
	var login *LoginRequiredError
	if !errors.As(err, &login) {
		t.Errorf("a refused refresh token: got %v, want a LoginRequiredError", err)
	}
}
