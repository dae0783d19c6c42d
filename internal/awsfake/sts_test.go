package awsfake_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/awsauth/awsauth/internal/awsfake"
)

func assumeRole(t *testing.T, c *sts.Client, in *sts.AssumeRoleInput) (awsfake.Credentials, *sts.AssumeRoleOutput, error) {
	t.Helper()
	out, err := c.AssumeRole(t.Context(), in)
	if err != nil {
		return awsfake.Credentials{}, nil, err
	}
	return awsfake.Credentials{
		AccessKeyID:     aws.ToString(out.Credentials.AccessKeyId),
		SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
		SessionToken:    aws.ToString(out.Credentials.SessionToken),
		Expires:         aws.ToTime(out.Credentials.Expiration),
	}, out, nil
}

func roleARN(account, name string) *string {
	return aws.String("arn:aws:iam::" + account + ":role/" + name)
}

func TestGetCallerIdentityStaticUser(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	id, err := stsClient(srv, static(userCreds(t, srv))).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:iam::111111111111:user/deployer"; got != want {
		t.Errorf("Arn = %q, want %q", got, want)
	}
	if uid := aws.ToString(id.UserId); !strings.HasPrefix(uid, "AIDA") || len(uid) != 21 {
		t.Errorf("UserId = %q", uid)
	}
	if aws.ToString(id.Account) != awsfake.DevAccountID {
		t.Errorf("Account = %q", aws.ToString(id.Account))
	}
	if srv.Calls("GetCallerIdentity") != 1 {
		t.Errorf("Calls = %d", srv.Calls("GetCallerIdentity"))
	}
}

func TestSTSRejectsBadKeys(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	tests := []struct {
		name  string
		creds func(issued awsfake.Credentials) awsfake.Credentials
		code  string
	}{
		{"unknown key", func(awsfake.Credentials) awsfake.Credentials {
			return awsfake.Credentials{AccessKeyID: "AKIAI44QH8DHBEXAMPLE", SecretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"}
		}, "InvalidClientTokenId"},
		{"temporary key without its session token", func(c awsfake.Credentials) awsfake.Credentials {
			c.SessionToken = ""
			return c
		}, "InvalidClientTokenId"},
		{"temporary key with another session token", func(c awsfake.Credentials) awsfake.Credentials {
			c.SessionToken = "IQoJb3JpZ2luX2VjEXAMPLE"
			return c
		}, "InvalidClientTokenId"},
		{"revoked key", func(c awsfake.Credentials) awsfake.Credentials {
			srv.RevokeKeys(c.AccessKeyID)
			return c
		}, "InvalidClientTokenId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issued, _, err := assumeRole(t, stsClient(srv, static(userCreds(t, srv))), &sts.AssumeRoleInput{
				RoleArn: roleARN(awsfake.DevAccountID, "ReadOnly"), RoleSessionName: aws.String("tt"),
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = stsClient(srv, static(tt.creds(issued))).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
			apiErr := wantAPIError(t, err, tt.code, 403)
			if apiErr.ErrorMessage() != "The security token included in the request is invalid." {
				t.Errorf("message = %q", apiErr.ErrorMessage())
			}
		})
	}
}

func TestAssumeRole(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	user := stsClient(srv, static(userCreds(t, srv)))

	admin, out, err := assumeRole(t, user, &sts.AssumeRoleInput{
		RoleArn: roleARN(awsfake.ProdAccountID, "Admin"), RoleSessionName: aws.String("deploy-42"), DurationSeconds: aws.Int32(7200),
	})
	if err != nil {
		t.Fatalf("AssumeRole for 2h from a user: %v", err)
	}
	if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::222222222222:assumed-role/Admin/deploy-42"; got != want {
		t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, want)
	}
	near(t, "Expiration", admin.Expires, time.Now().Add(2*time.Hour), 5*time.Second)

	id, err := stsClient(srv, static(admin)).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != aws.ToString(out.AssumedRoleUser.Arn) || aws.ToString(id.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("GetCallerIdentity = %s %s, want the AssumedRoleUser", aws.ToString(id.Arn), aws.ToString(id.UserId))
	}

	chained := stsClient(srv, static(admin))
	_, _, err = assumeRole(t, chained, &sts.AssumeRoleInput{
		RoleArn: roleARN(awsfake.DevAccountID, "Admin"), RoleSessionName: aws.String("chain"), DurationSeconds: aws.Int32(3601),
	})
	apiErr := wantAPIError(t, err, "ValidationError", 400)
	if apiErr.ErrorMessage() != "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining." {
		t.Errorf("message = %q", apiErr.ErrorMessage())
	}
	if _, _, err := assumeRole(t, chained, &sts.AssumeRoleInput{
		RoleArn: roleARN(awsfake.DevAccountID, "Admin"), RoleSessionName: aws.String("chain"), DurationSeconds: aws.Int32(3600),
	}); err != nil {
		t.Fatalf("chaining for 1h: %v", err)
	}

	_, _, err = assumeRole(t, user, &sts.AssumeRoleInput{
		RoleArn: roleARN(awsfake.DevAccountID, "ReadOnly"), RoleSessionName: aws.String("ro"), DurationSeconds: aws.Int32(7200),
	})
	apiErr = wantAPIError(t, err, "ValidationError", 400)
	if !strings.Contains(apiErr.ErrorMessage(), "MaxSessionDuration") {
		t.Errorf("message = %q", apiErr.ErrorMessage())
	}

	_, _, err = assumeRole(t, user, &sts.AssumeRoleInput{
		RoleArn: roleARN(awsfake.DevAccountID, "Nope"), RoleSessionName: aws.String("x1"),
	})
	apiErr = wantAPIError(t, err, "AccessDenied", 403)
	if want := "User: arn:aws:iam::111111111111:user/deployer is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/Nope"; apiErr.ErrorMessage() != want {
		t.Errorf("message = %q", apiErr.ErrorMessage())
	}

	_, _, err = assumeRole(t, user, &sts.AssumeRoleInput{
		RoleArn: roleARN(awsfake.DevAccountID, "Admin"), RoleSessionName: aws.String("short"), DurationSeconds: aws.Int32(899),
	})
	wantAPIError(t, err, "ValidationError", 400)

	clock.Advance(2 * time.Hour)
	_, err = stsClient(srv, static(admin)).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "ExpiredToken", 403)
	// Expired keys are still known, so they are expired, not invalid; the
	// long-term user key never expires.
	if _, err := user.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("user key after 2h: %v", err)
	}
	if got := srv.Calls("AssumeRole"); got != 6 {
		t.Errorf("Calls(AssumeRole) = %d, want 6", got)
	}
}

func TestAssumeRoleMFA(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	user := stsClient(srv, static(userCreds(t, srv)))
	breakGlass := roleARN(awsfake.ProdAccountID, "BreakGlass")

	_, _, err := assumeRole(t, user, &sts.AssumeRoleInput{RoleArn: breakGlass, RoleSessionName: aws.String("bg")})
	wantAPIError(t, err, "AccessDenied", 403)

	_, _, err = assumeRole(t, user, &sts.AssumeRoleInput{
		RoleArn: breakGlass, RoleSessionName: aws.String("bg"), SerialNumber: aws.String(awsfake.DefaultMFASerial), TokenCode: aws.String("000000"),
	})
	apiErr := wantAPIError(t, err, "AccessDenied", 403)
	if !strings.HasPrefix(apiErr.ErrorMessage(), "MultiFactorAuthentication failed with invalid MFA one time pass code.") {
		t.Errorf("message = %q", apiErr.ErrorMessage())
	}

	_, _, err = assumeRole(t, user, &sts.AssumeRoleInput{
		RoleArn: breakGlass, RoleSessionName: aws.String("bg"), SerialNumber: aws.String("arn:aws:iam::111111111111:mfa/someone"), TokenCode: aws.String(awsfake.DefaultMFACode),
	})
	apiErr = wantAPIError(t, err, "AccessDenied", 403)
	if !strings.Contains(apiErr.ErrorMessage(), "unable to validate MFA code") {
		t.Errorf("message = %q", apiErr.ErrorMessage())
	}

	if _, _, err := assumeRole(t, user, &sts.AssumeRoleInput{
		RoleArn: breakGlass, RoleSessionName: aws.String("bg"), SerialNumber: aws.String(awsfake.DefaultMFASerial), TokenCode: aws.String(awsfake.DefaultMFACode),
	}); err != nil {
		t.Fatalf("AssumeRole with MFA: %v", err)
	}

	// A session obtained with MFA satisfies the role without a new code.
	st, err := user.GetSessionToken(t.Context(), &sts.GetSessionTokenInput{
		SerialNumber: aws.String(awsfake.DefaultMFASerial), TokenCode: aws.String(awsfake.DefaultMFACode), DurationSeconds: aws.Int32(3600),
	})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	session := stsClient(srv, static(awsfake.Credentials{
		AccessKeyID: aws.ToString(st.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(st.Credentials.SecretAccessKey), SessionToken: aws.ToString(st.Credentials.SessionToken),
	}))
	id, err := session.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::111111111111:user/deployer" {
		t.Fatalf("GetCallerIdentity with session token: %v %v", aws.ToString(id.Arn), err)
	}
	if _, _, err := assumeRole(t, session, &sts.AssumeRoleInput{RoleArn: breakGlass, RoleSessionName: aws.String("bg"), DurationSeconds: aws.Int32(3600)}); err != nil {
		t.Fatalf("AssumeRole from an MFA session: %v", err)
	}
	_, err = session.GetSessionToken(t.Context(), &sts.GetSessionTokenInput{})
	wantAPIError(t, err, "AccessDenied", 403)

	// Portal credentials cannot present MFA.
	tok := srv.IssueSSOToken()
	rc, err := ssoClient(srv).GetRoleCredentials(t.Context(), ssoInput(tok.AccessToken, awsfake.ProdAccountID, "Admin"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = assumeRole(t, stsClient(srv, static(portalCreds(rc))), &sts.AssumeRoleInput{RoleArn: breakGlass, RoleSessionName: aws.String("bg")})
	wantAPIError(t, err, "AccessDenied", 403)
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	anon := stsClient(srv, aws.AnonymousCredentials{})
	token := awsfake.WebIdentityToken(awsfake.WebIdentityClaims{
		Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:awsauth/awsauth:ref:refs/heads/main",
		Audience: "sts.amazonaws.com", Expires: fakeStart.Add(10 * time.Minute),
	})
	out, err := anon.AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: roleARN(awsfake.DevAccountID, "ReadOnly"), RoleSessionName: aws.String("gha"), WebIdentityToken: aws.String(token),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	if aws.ToString(out.SubjectFromWebIdentityToken) != "repo:awsauth/awsauth:ref:refs/heads/main" ||
		aws.ToString(out.Provider) != "token.actions.githubusercontent.com" ||
		aws.ToString(out.Audience) != "sts.amazonaws.com" ||
		aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::111111111111:assumed-role/ReadOnly/gha" {
		t.Errorf("output = subject %q provider %q audience %q arn %q", aws.ToString(out.SubjectFromWebIdentityToken),
			aws.ToString(out.Provider), aws.ToString(out.Audience), aws.ToString(out.AssumedRoleUser.Arn))
	}
	near(t, "Expiration", aws.ToTime(out.Credentials.Expiration), time.Now().Add(time.Hour), 5*time.Second)
	c := out.Credentials
	if _, err := stsClient(srv, static(awsfake.Credentials{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken),
	})).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity with web identity credentials: %v", err)
	}

	_, err = anon.AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: roleARN(awsfake.DevAccountID, "ReadOnly"), RoleSessionName: aws.String("gha"), WebIdentityToken: aws.String("not-a-jwt"),
	})
	wantAPIError(t, err, "InvalidIdentityToken", 400)

	_, err = anon.AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: roleARN(awsfake.ProdAccountID, "BreakGlass"), RoleSessionName: aws.String("gha"), WebIdentityToken: aws.String(token),
	})
	wantAPIError(t, err, "AccessDenied", 403)

	clock.Advance(10 * time.Minute)
	_, err = anon.AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: roleARN(awsfake.DevAccountID, "ReadOnly"), RoleSessionName: aws.String("gha"), WebIdentityToken: aws.String(token),
	})
	var expired *ststypes.ExpiredTokenException
	if !errors.As(err, &expired) {
		t.Fatalf("expired web identity token: got %v, want ExpiredTokenException", err)
	}
}

func TestSTSWithoutSignature(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	_, err := stsClient(srv, aws.AnonymousCredentials{}).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "MissingAuthenticationToken", 403)
}
