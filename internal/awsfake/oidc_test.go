package awsfake_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsfake"
)

type deviceLogin struct {
	client *ssooidc.RegisterClientOutput
	auth   *ssooidc.StartDeviceAuthorizationOutput
}

// beginLogin registers a client the way the AWS CLI does for an
// sso-session (with the sso:account:access scope) and starts a device
// authorization.
func beginLogin(t *testing.T, oidc *ssooidc.Client) deviceLogin {
	t.Helper()
	reg, err := oidc.RegisterClient(t.Context(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("awsauth-test"),
		ClientType: aws.String("public"),
		Scopes:     []string{"sso:account:access"},
	})
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	auth, err := oidc.StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId:     reg.ClientId,
		ClientSecret: reg.ClientSecret,
		StartUrl:     aws.String(awsfake.DefaultStartURL),
	})
	if err != nil {
		t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	return deviceLogin{reg, auth}
}

func (l deviceLogin) poll(t *testing.T, oidc *ssooidc.Client) (*ssooidc.CreateTokenOutput, error) {
	return oidc.CreateToken(t.Context(), &ssooidc.CreateTokenInput{
		ClientId:     l.client.ClientId,
		ClientSecret: l.client.ClientSecret,
		GrantType:    aws.String("urn:ietf:params:oauth:grant-type:device_code"),
		DeviceCode:   l.auth.DeviceCode,
	})
}

func refresh(t *testing.T, oidc *ssooidc.Client, l deviceLogin, token string) (*ssooidc.CreateTokenOutput, error) {
	return oidc.CreateToken(t.Context(), &ssooidc.CreateTokenInput{
		ClientId:     l.client.ClientId,
		ClientSecret: l.client.ClientSecret,
		GrantType:    aws.String("refresh_token"),
		RefreshToken: aws.String(token),
	})
}

func wantOIDCError[E error](t *testing.T, err error, oauthCode string) {
	t.Helper()
	var target E
	if !errors.As(err, &target) {
		t.Fatalf("got %v (%T), want %T", err, err, target)
	}
	// Every OIDC exception carries the OAuth error code in its error member.
	var code *string
	switch e := any(target).(type) {
	case *oidctypes.AuthorizationPendingException:
		code = e.Error_
	case *oidctypes.SlowDownException:
		code = e.Error_
	case *oidctypes.ExpiredTokenException:
		code = e.Error_
	case *oidctypes.AccessDeniedException:
		code = e.Error_
	case *oidctypes.InvalidGrantException:
		code = e.Error_
	case *oidctypes.InvalidClientException:
		code = e.Error_
	}
	if got := aws.ToString(code); got != oauthCode {
		t.Fatalf("error member = %q, want %q", got, oauthCode)
	}
}

// TestDeviceFlow drives a whole login with the Go SDK's ssooidc client and
// then uses the token with the portal and the credentials with STS.
func TestDeviceFlow(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	oidc, portal := oidcClient(srv), ssoClient(srv)
	l := beginLogin(t, oidc)

	if got, want := aws.ToString(l.auth.VerificationUriComplete), srv.URL()+"/device?user_code="+aws.ToString(l.auth.UserCode); got != want {
		t.Errorf("verificationUriComplete = %q, want %q", got, want)
	}
	if l.auth.Interval != 1 || l.auth.ExpiresIn != 600 {
		t.Errorf("interval, expiresIn = %d, %d; want 1, 600", l.auth.Interval, l.auth.ExpiresIn)
	}
	near(t, "clientSecretExpiresAt", time.Unix(l.client.ClientSecretExpiresAt, 0), time.Now().Add(90*24*time.Hour), 5*time.Second)

	_, err := l.poll(t, oidc)
	wantOIDCError[*oidctypes.AuthorizationPendingException](t, err, "authorization_pending")
	_, err = l.poll(t, oidc)
	wantOIDCError[*oidctypes.SlowDownException](t, err, "slow_down")

	clock.Advance(time.Second)
	if err := srv.Approve(strings.ToLower(strings.ReplaceAll(aws.ToString(l.auth.UserCode), "-", ""))); err != nil {
		t.Fatalf("Approve: %v", err)
	}
	tok, err := l.poll(t, oidc)
	if err != nil {
		t.Fatalf("CreateToken after approval: %v", err)
	}
	if tok.ExpiresIn != 3600 || aws.ToString(tok.TokenType) != "Bearer" || aws.ToString(tok.RefreshToken) == "" {
		t.Fatalf("token: expiresIn %d, type %q, refresh token present %v", tok.ExpiresIn, aws.ToString(tok.TokenType), tok.RefreshToken != nil)
	}
	clock.Advance(time.Second)
	_, err = l.poll(t, oidc)
	wantOIDCError[*oidctypes.InvalidGrantException](t, err, "invalid_grant")
	if got := srv.Calls("CreateToken"); got != 4 {
		t.Errorf("Calls(CreateToken) = %d, want 4", got)
	}

	// The access token works with the portal...
	accounts, err := portal.ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	if len(accounts.AccountList) != 2 || aws.ToString(accounts.AccountList[1].AccountName) != "prod" {
		t.Fatalf("ListAccounts = %+v", accounts.AccountList)
	}
	rc, err := portal.GetRoleCredentials(t.Context(), &sso.GetRoleCredentialsInput{
		AccessToken: tok.AccessToken, AccountId: aws.String(awsfake.DevAccountID), RoleName: aws.String("Admin"),
	})
	if err != nil {
		t.Fatalf("GetRoleCredentials: %v", err)
	}
	creds := rc.RoleCredentials
	if !strings.HasPrefix(aws.ToString(creds.AccessKeyId), "ASIA") || len(aws.ToString(creds.AccessKeyId)) != 20 {
		t.Errorf("access key id %q is not in AWS's temporary format", aws.ToString(creds.AccessKeyId))
	}
	near(t, "role credential expiration", time.UnixMilli(creds.Expiration), time.Now().Add(time.Hour), 5*time.Second)

	// ...and the role credentials work with STS, until they expire.
	roleSTS := stsClient(srv, static(awsfake.Credentials{
		AccessKeyID: aws.ToString(creds.AccessKeyId), SecretAccessKey: aws.ToString(creds.SecretAccessKey), SessionToken: aws.ToString(creds.SessionToken),
	}))
	id, err := roleSTS.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with portal credentials: %v", err)
	}
	arn := aws.ToString(id.Arn)
	if !strings.HasPrefix(arn, "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_") || !strings.HasSuffix(arn, "/"+awsfake.DefaultSSOUserName) {
		t.Errorf("Arn = %q", arn)
	}
	if uid := aws.ToString(id.UserId); !strings.HasPrefix(uid, "AROA") || !strings.HasSuffix(uid, ":"+awsfake.DefaultSSOUserName) {
		t.Errorf("UserId = %q", uid)
	}

	// A refresh within the session rotates both tokens.
	clock.Advance(50 * time.Minute)
	tok2, err := refresh(t, oidc, l, aws.ToString(tok.RefreshToken))
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if aws.ToString(tok2.AccessToken) == aws.ToString(tok.AccessToken) || aws.ToString(tok2.RefreshToken) == aws.ToString(tok.RefreshToken) {
		t.Fatal("refresh returned the same tokens")
	}
	_, err = refresh(t, oidc, l, aws.ToString(tok.RefreshToken))
	wantOIDCError[*oidctypes.InvalidGrantException](t, err, "invalid_grant")

	clock.Advance(10 * time.Minute)
	_, err = roleSTS.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	apiErr := wantAPIError(t, err, "ExpiredToken", 403)
	if apiErr.ErrorMessage() != "The security token included in the request is expired" {
		t.Errorf("message = %q", apiErr.ErrorMessage())
	}

	// The first access token has expired with the hour; the refreshed one
	// lives on.
	_, err = portal.ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	var unauth *ssotypes.UnauthorizedException
	if !errors.As(err, &unauth) || unauth.ErrorMessage() != "Session token not found or invalid" {
		t.Fatalf("expired access token: got %v, want UnauthorizedException", err)
	}
	wantAPIError(t, err, "UnauthorizedException", 401)
	if _, err := portal.ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: tok2.AccessToken}); err != nil {
		t.Fatalf("refreshed access token: %v", err)
	}

	// Logout ends the session: tokens stop working, refresh too.
	if _, err := portal.Logout(t.Context(), &sso.LogoutInput{AccessToken: tok2.AccessToken}); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	_, err = portal.GetRoleCredentials(t.Context(), &sso.GetRoleCredentialsInput{
		AccessToken: tok2.AccessToken, AccountId: aws.String(awsfake.DevAccountID), RoleName: aws.String("Admin"),
	})
	wantAPIError(t, err, "UnauthorizedException", 401)
	_, err = refresh(t, oidc, l, aws.ToString(tok2.RefreshToken))
	wantOIDCError[*oidctypes.InvalidGrantException](t, err, "invalid_grant")
}

func TestSSOSessionEnds(t *testing.T) {
	srv, clock := start(t, awsfake.Options{AutoApprove: true})
	oidc := oidcClient(srv)
	l := beginLogin(t, oidc)
	tok, err := l.poll(t, oidc)
	if err != nil {
		t.Fatalf("auto-approved login: %v", err)
	}
	// Refresh every hour until the 8h session is over; the last access
	// token is cut short to the session's end.
	rt := aws.ToString(tok.RefreshToken)
	for i := 1; i <= 7; i++ {
		clock.Advance(time.Hour)
		out, err := refresh(t, oidc, l, rt)
		if err != nil {
			t.Fatalf("refresh after %dh: %v", i, err)
		}
		if i == 7 && out.ExpiresIn != 3600 {
			t.Errorf("after 7h expiresIn = %d, want 3600", out.ExpiresIn)
		}
		rt = aws.ToString(out.RefreshToken)
	}
	clock.Advance(30 * time.Minute)
	out, err := refresh(t, oidc, l, rt)
	if err != nil {
		t.Fatalf("refresh at 7h30: %v", err)
	}
	if out.ExpiresIn != 1800 {
		t.Errorf("access token at 7h30 expiresIn = %d, want 1800 (the session's end)", out.ExpiresIn)
	}
	clock.Advance(30 * time.Minute)
	_, err = refresh(t, oidc, l, aws.ToString(out.RefreshToken))
	wantOIDCError[*oidctypes.InvalidGrantException](t, err, "invalid_grant")
}

// TestEndSSOSessions: ending the sessions by hand refuses their tokens
// exactly as their natural end does, and a new login works again.
func TestEndSSOSessions(t *testing.T) {
	srv, _ := start(t, awsfake.Options{AutoApprove: true})
	oidc, portal := oidcClient(srv), ssoClient(srv)
	l := beginLogin(t, oidc)
	tok, err := l.poll(t, oidc)
	if err != nil {
		t.Fatalf("auto-approved login: %v", err)
	}
	seeded := srv.IssueSSOToken()

	srv.EndSSOSessions()
	for _, at := range []string{aws.ToString(tok.AccessToken), seeded.AccessToken} {
		_, err = portal.GetRoleCredentials(t.Context(), &sso.GetRoleCredentialsInput{
			AccessToken: aws.String(at), AccountId: aws.String(awsfake.DevAccountID), RoleName: aws.String("Admin"),
		})
		wantAPIError(t, err, "UnauthorizedException", 401)
	}
	_, err = refresh(t, oidc, l, aws.ToString(tok.RefreshToken))
	wantOIDCError[*oidctypes.InvalidGrantException](t, err, "invalid_grant")

	l2 := beginLogin(t, oidc)
	tok2, err := l2.poll(t, oidc)
	if err != nil {
		t.Fatalf("login after the end: %v", err)
	}
	if _, err := portal.GetRoleCredentials(t.Context(), &sso.GetRoleCredentialsInput{
		AccessToken: tok2.AccessToken, AccountId: aws.String(awsfake.DevAccountID), RoleName: aws.String("Admin"),
	}); err != nil {
		t.Fatalf("GetRoleCredentials in the new session: %v", err)
	}
	if _, err := refresh(t, oidc, l2, aws.ToString(tok2.RefreshToken)); err != nil {
		t.Fatalf("refresh in the new session: %v", err)
	}
}

func TestDeviceCodeDeniedAndExpired(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	oidc := oidcClient(srv)

	denied := beginLogin(t, oidc)
	if err := srv.Deny(aws.ToString(denied.auth.UserCode)); err != nil {
		t.Fatal(err)
	}
	_, err := denied.poll(t, oidc)
	wantOIDCError[*oidctypes.AccessDeniedException](t, err, "access_denied")
	if err := srv.Approve(aws.ToString(denied.auth.UserCode)); !errors.Is(err, awsfake.ErrUnknownUserCode) {
		t.Errorf("approving a denied code: %v", err)
	}

	expired := beginLogin(t, oidc)
	clock.Advance(10 * time.Minute)
	if err := srv.Approve(aws.ToString(expired.auth.UserCode)); err == nil {
		t.Error("approving an expired code succeeded")
	}
	_, err = expired.poll(t, oidc)
	wantOIDCError[*oidctypes.ExpiredTokenException](t, err, "expired_token")

	_, err = oidc.StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: expired.client.ClientId, ClientSecret: aws.String("wrong"), StartUrl: aws.String(awsfake.DefaultStartURL),
	})
	wantOIDCError[*oidctypes.InvalidClientException](t, err, "invalid_client")
	wantAPIError(t, err, "InvalidClientException", 401)

	if err := srv.Approve("BCDF-GHJK"); !errors.Is(err, awsfake.ErrUnknownUserCode) {
		t.Errorf("approving an unknown code: %v", err)
	}
}

// TestNoRefreshTokenWithoutScopes mirrors AWS: a client registered without
// scopes (the legacy sso_start_url profile) gets no refresh token.
func TestNoRefreshTokenWithoutScopes(t *testing.T) {
	srv, _ := start(t, awsfake.Options{AutoApprove: true})
	oidc := oidcClient(srv)
	reg, err := oidc.RegisterClient(t.Context(), &ssooidc.RegisterClientInput{ClientName: aws.String("legacy"), ClientType: aws.String("public")})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := oidc.StartDeviceAuthorization(t.Context(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(awsfake.DefaultStartURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := deviceLogin{reg, auth}.poll(t, oidc)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != nil {
		t.Errorf("refresh token issued to a client without scopes")
	}
}
