package awsfake_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// writeTokenCache writes an AWS CLI v2 SSO token cache file.
func writeTokenCache(t *testing.T, fields map[string]any) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sso", "cache", "token.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// TestSSOCredsProvider runs the SDK's own SSO credential provider, reading a
// token cache file, against the fake and uses what it returns with STS.
func TestSSOCredsProvider(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	tok := srv.IssueSSOToken()
	path := writeTokenCache(t, map[string]any{
		"startUrl":    awsfake.DefaultStartURL,
		"region":      "us-east-1",
		"accessToken": tok.AccessToken,
		"expiresAt":   rfc3339(tok.ExpiresAt),
	})
	provider := ssocreds.New(ssoClient(srv), awsfake.ProdAccountID, "ReadOnly", awsfake.DefaultStartURL,
		func(o *ssocreds.Options) { o.CachedTokenFilepath = path })
	creds, err := provider.Retrieve(t.Context())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	if !creds.CanExpire {
		t.Fatal("portal credentials do not expire")
	}
	near(t, "Expires", creds.Expires, time.Now().Add(time.Hour), 5*time.Second)

	cache := aws.NewCredentialsCache(provider)
	client := stsClient(srv, cache)
	id, err := client.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if !strings.Contains(aws.ToString(id.Arn), ":assumed-role/AWSReservedSSO_ReadOnly_") {
		t.Errorf("Arn = %q", aws.ToString(id.Arn))
	}

	// The fake, not the client, decides the credentials are over: the
	// client's cache still believes in them and gets ExpiredToken.
	clock.Advance(time.Hour)
	_, err = client.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "ExpiredToken", 403)
	if got := srv.Calls("GetRoleCredentials"); got != 2 {
		t.Errorf("Calls(GetRoleCredentials) = %d, want 2 (Retrieve and the cache's first fill)", got)
	}
}

// TestSSOTokenProviderRefresh lets the SDK's SSOTokenProvider refresh an
// expired cached access token with the refresh grant.
func TestSSOTokenProviderRefresh(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	tok := srv.IssueSSOToken()
	path := writeTokenCache(t, map[string]any{
		"startUrl":              awsfake.DefaultStartURL,
		"region":                "us-east-1",
		"accessToken":           "aoa-expired-in-the-cache",
		"expiresAt":             rfc3339(time.Now().Add(-time.Minute)),
		"refreshToken":          tok.RefreshToken,
		"clientId":              tok.ClientID,
		"clientSecret":          tok.ClientSecret,
		"registrationExpiresAt": rfc3339(tok.RegistrationExpiresAt),
	})
	tp := ssocreds.NewSSOTokenProvider(oidcClient(srv), path)
	bearer, err := tp.RetrieveBearerToken(t.Context())
	if err != nil {
		t.Fatalf("RetrieveBearerToken: %v", err)
	}
	near(t, "refreshed token expiry", bearer.Expires, time.Now().Add(time.Hour), 5*time.Second)

	provider := ssocreds.New(ssoClient(srv), awsfake.DevAccountID, "Admin", awsfake.DefaultStartURL,
		func(o *ssocreds.Options) { o.SSOTokenProvider = tp })
	if _, err := provider.Retrieve(t.Context()); err != nil {
		t.Fatalf("Retrieve with the refreshed token: %v", err)
	}
	var cached map[string]any
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &cached); err != nil {
		t.Fatal(err)
	}
	if cached["refreshToken"] == tok.RefreshToken {
		t.Error("the cache kept the spent refresh token")
	}
	if srv.Calls("CreateToken") != 1 {
		t.Errorf("Calls(CreateToken) = %d, want 1", srv.Calls("CreateToken"))
	}
}

func TestAssumeRoleProvider(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	base := stsClient(srv, static(userCreds(t, srv)))
	provider := stscreds.NewAssumeRoleProvider(base, "arn:aws:iam::222222222222:role/Admin", func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "awsauth-test"
		o.Duration = 3 * time.Hour
	})
	cache := aws.NewCredentialsCache(provider)
	creds, err := cache.Retrieve(t.Context())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	near(t, "Expires", creds.Expires, time.Now().Add(3*time.Hour), 5*time.Second)
	id, err := stsClient(srv, cache).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:sts::222222222222:assumed-role/Admin/awsauth-test"; got != want {
		t.Errorf("Arn = %q, want %q", got, want)
	}

	// The same provider on top of role credentials hits the chaining cap.
	chained := stscreds.NewAssumeRoleProvider(stsClient(srv, cache), "arn:aws:iam::111111111111:role/Admin", func(o *stscreds.AssumeRoleOptions) {
		o.Duration = 2 * time.Hour
	})
	_, err = chained.Retrieve(t.Context())
	wantAPIError(t, err, "ValidationError", 400)

	// MFA through the provider's TokenProvider hook.
	mfa := stscreds.NewAssumeRoleProvider(base, "arn:aws:iam::222222222222:role/BreakGlass", func(o *stscreds.AssumeRoleOptions) {
		o.SerialNumber = aws.String(awsfake.DefaultMFASerial)
		o.TokenProvider = func() (string, error) { return awsfake.DefaultMFACode, nil }
	})
	if _, err := mfa.Retrieve(t.Context()); err != nil {
		t.Fatalf("MFA AssumeRole through stscreds: %v", err)
	}
}

func TestWebIdentityRoleProvider(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	path := filepath.Join(t.TempDir(), "token")
	token := awsfake.WebIdentityToken(awsfake.WebIdentityClaims{Issuer: "https://oidc.example.com", Subject: "system:serviceaccount:ci:deployer", Audience: "sts.amazonaws.com"})
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	provider := stscreds.NewWebIdentityRoleProvider(stsClient(srv, nil), "arn:aws:iam::111111111111:role/Admin",
		stscreds.IdentityTokenFile(path), func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = "ci" })
	creds, err := provider.Retrieve(t.Context())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	id, err := stsClient(srv, static(awsfake.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken})).
		GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:sts::111111111111:assumed-role/Admin/ci"; got != want {
		t.Errorf("Arn = %q, want %q", got, want)
	}
}
