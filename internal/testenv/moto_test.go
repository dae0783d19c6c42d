package testenv

// These tests pin down the moto 5.2 behaviour that awsauth's integration
// tests rely on, and that the package documentation lists. If one fails after
// a moto upgrade, update the table in doc.go with what changed.

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

// stsFor returns an STS client for m signing with the given keys, built
// without reading the process environment or any config file.
func stsFor(m *MotoServer, id, secret, token string) *sts.Client {
	cfg := aws.Config{Region: TestRegion}
	if id != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, token)
	}
	return sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(m.URL) })
}

func stsAs(m *MotoServer, c *types.Credentials) *sts.Client {
	return stsFor(m, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func callerIdentity(t *testing.T, c *sts.Client) *sts.GetCallerIdentityOutput {
	t.Helper()
	out, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return out
}

func assumeRole(t *testing.T, c *sts.Client, roleARN, session string, seconds int32) *sts.AssumeRoleOutput {
	t.Helper()
	in := &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session)}
	if seconds != 0 {
		in.DurationSeconds = aws.Int32(seconds)
	}
	out, err := c.AssumeRole(t.Context(), in)
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", roleARN, err)
	}
	return out
}

func checkIdentity(t *testing.T, got *sts.GetCallerIdentityOutput, account, arn string) {
	t.Helper()
	if aws.ToString(got.Account) != account || aws.ToString(got.Arn) != arn {
		t.Errorf("GetCallerIdentity = account %q, arn %q; want %q, %q",
			aws.ToString(got.Account), aws.ToString(got.Arn), account, arn)
	}
}

// Session credentials as AWS shapes them: "ASIA" + 16, a 40-character
// secret, and a session token (moto's all start FQoGZXIvYXdzEBYaD).
func checkSessionCreds(t *testing.T, c *types.Credentials, wantTTL time.Duration) {
	t.Helper()
	id, secret, token := aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)
	if !regexp.MustCompile(`^ASIA[A-Z0-9]{16}$`).MatchString(id) {
		t.Errorf("AccessKeyId = %q, want ASIA + 16 upper-case letters or digits", id)
	}
	if len(secret) != 40 {
		t.Errorf("SecretAccessKey %q has %d characters, want 40", secret, len(secret))
	}
	if !strings.HasPrefix(token, "FQoGZXIvYXdzEBYaD") || len(token) < 100 {
		t.Errorf("SessionToken = %q, want a long token starting FQoGZXIvYXdzEBYaD", token)
	}
	if c.Expiration == nil {
		t.Fatal("Expiration missing")
	}
	if d := time.Until(*c.Expiration) - wantTTL; d < -10*time.Second || d > 5*time.Second {
		t.Errorf("Expiration = %v, %v from now; want about %v", c.Expiration, time.Until(*c.Expiration), wantTTL)
	}
}

func TestMotoStaticKeysAreNotChecked(t *testing.T) {
	m := Moto(t)
	for _, keys := range [][3]string{
		{TestAccessKeyID, TestSecretAccessKey, ""},
		{"AKIAZZZZZZZZZZZZZZZZ", "any secret at all", ""},
		{"not-even-a-key", "x", ""},
		{"ASIAFAKEFAKEFAKEFAKE", "x", "a-session-token-moto-never-issued"},
	} {
		got := callerIdentity(t, stsFor(m, keys[0], keys[1], keys[2]))
		checkIdentity(t, got, MotoAccount, MotoCallerARN)
		// Not the caller's key: moto answers with a constant.
		if u := aws.ToString(got.UserId); u != TestAccessKeyID {
			t.Errorf("keys %s: UserId = %q, want %q", keys[0], u, TestAccessKeyID)
		}
	}
}

func TestMotoAssumeRoleNeedsNoRole(t *testing.T) {
	m := Moto(t)
	base := stsFor(m, TestAccessKeyID, TestSecretAccessKey, "")

	out := assumeRole(t, base, "arn:aws:iam::111122223333:role/Deploy", "ci-run", 900)
	checkSessionCreds(t, out.Credentials, 15*time.Minute)
	if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::111122223333:assumed-role/Deploy/ci-run"; got != want {
		t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, want)
	}
	if id := aws.ToString(out.AssumedRoleUser.AssumedRoleId); !regexp.MustCompile(`^AROA[A-Z0-9]{17}:ci-run$`).MatchString(id) {
		t.Errorf("AssumedRoleId = %q, want AROA + 17 + :ci-run", id)
	}

	// The session belongs to the account in the role ARN.
	as := stsAs(m, out.Credentials)
	first := callerIdentity(t, as)
	checkIdentity(t, first, "111122223333", "arn:aws:sts::111122223333:assumed-role/Deploy/ci-run")
	// For a role moto's IAM does not know, the role id is made up afresh
	// on every call.
	second := callerIdentity(t, as)
	if aws.ToString(first.UserId) == aws.ToString(second.UserId) {
		t.Errorf("UserId %q repeated; moto used to invent a new role id per call", aws.ToString(first.UserId))
	}
	for _, u := range []string{aws.ToString(first.UserId), aws.ToString(second.UserId)} {
		if !strings.HasPrefix(u, "AROA") || !strings.HasSuffix(u, ":ci-run") {
			t.Errorf("UserId = %q, want AROA...:ci-run", u)
		}
	}

	// Without DurationSeconds: one hour.
	def := assumeRole(t, base, "arn:aws:iam::111122223333:role/Deploy", "default-ttl", 0)
	checkSessionCreds(t, def.Credentials, time.Hour)
}

var roleIDRe = regexp.MustCompile(`<RoleId>([^<]+)</RoleId>`)

func TestMotoAssumeRoleOfKnownRoleHasStableID(t *testing.T) {
	m := Moto(t)
	resp, err := m.Query(t.Context(), "iam", url.Values{
		"Action":                   {"CreateRole"},
		"RoleName":                 {"Deploy"},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	match := roleIDRe.FindStringSubmatch(resp)
	if match == nil {
		t.Fatalf("no RoleId in CreateRole response:\n%s", resp)
	}
	roleID := match[1]

	out := assumeRole(t, stsFor(m, TestAccessKeyID, TestSecretAccessKey, ""), "arn:aws:iam::"+MotoAccount+":role/Deploy", "s1", 900)
	if got, want := aws.ToString(out.AssumedRoleUser.AssumedRoleId), roleID+":s1"; got != want {
		t.Errorf("AssumedRoleId = %q, want %q", got, want)
	}
	as := stsAs(m, out.Credentials)
	for range 2 {
		got := callerIdentity(t, as)
		checkIdentity(t, got, MotoAccount, "arn:aws:sts::"+MotoAccount+":assumed-role/Deploy/s1")
		if u := aws.ToString(got.UserId); u != roleID+":s1" {
			t.Errorf("UserId = %q, want %q", u, roleID+":s1")
		}
	}
}

func TestMotoExpiredCredentialsStillWork(t *testing.T) {
	m := Moto(t)
	// Neither the SDK nor moto enforces AWS's 900-second minimum, which
	// lets a test have credentials expire within seconds.
	out := assumeRole(t, stsFor(m, TestAccessKeyID, TestSecretAccessKey, ""), "arn:aws:iam::111122223333:role/Short", "short", 1)
	checkSessionCreds(t, out.Credentials, time.Second)
	wait := time.Until(*out.Credentials.Expiration) + 100*time.Millisecond
	if wait > 2*time.Second {
		t.Fatalf("credentials expire in %v, want about 1s", wait)
	}
	time.Sleep(max(wait, 0))
	// moto never checks expiry: no ExpiredToken, even with EnforceAuth.
	as := stsAs(m, out.Credentials)
	checkIdentity(t, callerIdentity(t, as), "111122223333", "arn:aws:sts::111122223333:assumed-role/Short/short")
	if err := m.EnforceAuth(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkIdentity(t, callerIdentity(t, as), "111122223333", "arn:aws:sts::111122223333:assumed-role/Short/short")
}

func TestMotoWebIdentityAcceptsAnyToken(t *testing.T) {
	m := Moto(t)
	anon := stsFor(m, "", "", "")
	out, err := anon.AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String("arn:aws:iam::210987654321:role/GitHubActions"),
		RoleSessionName:  aws.String("gha"),
		WebIdentityToken: aws.String("not-a-jwt"),
	})
	if err != nil {
		t.Fatal(err)
	}
	checkSessionCreds(t, out.Credentials, time.Hour)
	if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::210987654321:assumed-role/GitHubActions/gha"; got != want {
		t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, want)
	}
	if got, want := aws.ToString(out.AssumedRoleUser.AssumedRoleId), "ARO123EXAMPLE123:gha"; got != want {
		t.Errorf("AssumedRoleId = %q, want %q", got, want)
	}
	checkIdentity(t, callerIdentity(t, stsAs(m, out.Credentials)), "210987654321", "arn:aws:sts::210987654321:assumed-role/GitHubActions/gha")
}

func TestMotoRoleChaining(t *testing.T) {
	m := Moto(t)
	hop1 := assumeRole(t, stsFor(m, TestAccessKeyID, TestSecretAccessKey, ""), "arn:aws:iam::111122223333:role/First", "hop1", 900)
	// AWS caps a chained session at one hour; moto does not.
	hop2 := assumeRole(t, stsAs(m, hop1.Credentials), "arn:aws:iam::444455556666:role/Second", "hop2", 7200)
	checkSessionCreds(t, hop2.Credentials, 2*time.Hour)
	checkIdentity(t, callerIdentity(t, stsAs(m, hop2.Credentials)), "444455556666", "arn:aws:sts::444455556666:assumed-role/Second/hop2")
	// The first hop's session is still valid and still itself.
	checkIdentity(t, callerIdentity(t, stsAs(m, hop1.Credentials)), "111122223333", "arn:aws:sts::111122223333:assumed-role/First/hop1")
}

func TestMotoSessionTokenIsNotChecked(t *testing.T) {
	m := Moto(t)
	out := assumeRole(t, stsFor(m, TestAccessKeyID, TestSecretAccessKey, ""), "arn:aws:iam::111122223333:role/Deploy", "tok", 900)
	c := *out.Credentials
	c.SessionToken = aws.String("garbage")
	checkIdentity(t, callerIdentity(t, stsAs(m, &c)), "111122223333", "arn:aws:sts::111122223333:assumed-role/Deploy/tok")
}

func credsOf(c *types.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
}

func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestMotoEnforceAuthRejectsUnknownKeys(t *testing.T) {
	m := Moto(t)
	ctx := t.Context()
	// Keys moto issued: an IAM user's, created while auth is still off...
	if _, err := m.Query(ctx, "iam", url.Values{"Action": {"CreateUser"}, "UserName": {"ci"}}); err != nil {
		t.Fatal(err)
	}
	resp, err := m.Query(ctx, "iam", url.Values{"Action": {"CreateAccessKey"}, "UserName": {"ci"}})
	if err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`).FindStringSubmatch(resp)
	secret := regexp.MustCompile(`<SecretAccessKey>([^<]+)</SecretAccessKey>`).FindStringSubmatch(resp)
	if id == nil || secret == nil {
		t.Fatalf("no key in CreateAccessKey response:\n%s", resp)
	}
	// ...and a session's.
	sess := assumeRole(t, stsFor(m, TestAccessKeyID, TestSecretAccessKey, ""), "arn:aws:iam::111122223333:role/Deploy", "auth", 900)

	if err := m.EnforceAuth(ctx); err != nil {
		t.Fatal(err)
	}

	user := callerIdentity(t, stsFor(m, id[1], secret[1], ""))
	// An IAM user's identity is an iam ARN, not an sts one.
	checkIdentity(t, user, MotoAccount, "arn:aws:iam::"+MotoAccount+":user/ci")
	checkIdentity(t, callerIdentity(t, stsAs(m, sess.Credentials)), "111122223333", "arn:aws:sts::111122223333:assumed-role/Deploy/auth")

	badToken := *sess.Credentials
	badToken.SessionToken = aws.String("garbage")
	badSecret := *sess.Credentials
	badSecret.SecretAccessKey = aws.String(strings.Repeat("0", 40))
	for _, c := range []struct {
		name  string
		creds aws.Credentials
		code  string
	}{
		{"unknown static keys", aws.Credentials{AccessKeyID: TestAccessKeyID, SecretAccessKey: TestSecretAccessKey}, "InvalidClientTokenId"},
		{"wrong session token", credsOf(&badToken), "InvalidClientTokenId"},
		{"wrong session secret", credsOf(&badSecret), "SignatureDoesNotMatch"},
		{"wrong user secret", aws.Credentials{AccessKeyID: id[1], SecretAccessKey: strings.Repeat("0", 40)}, "SignatureDoesNotMatch"},
	} {
		// moto answers 403 with the code...
		body, err := m.query(ctx, c.creds, "sts", url.Values{"Action": {"GetCallerIdentity"}})
		if err == nil || !strings.Contains(body, "<Code>"+c.code+"</Code>") {
			t.Errorf("%s: raw GetCallerIdentity = %v\n%s\nwant code %s", c.name, err, body, c.code)
		}
		// ...in <ErrorResponse><Errors><Error>, where the Go SDK's Query
		// protocol decoder expects <ErrorResponse><Error>: it sees only an
		// UnknownError with HTTP status 403.
		_, err = stsFor(m, c.creds.AccessKeyID, c.creds.SecretAccessKey, c.creds.SessionToken).
			GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		var re *awshttp.ResponseError
		if got := apiErrorCode(err); got != "UnknownError" || !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
			t.Errorf("%s: SDK GetCallerIdentity error = %v (code %q), want UnknownError with status 403", c.name, err, got)
		}
	}

	// Reset turns auth off again.
	if err := m.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	checkIdentity(t, callerIdentity(t, stsFor(m, TestAccessKeyID, TestSecretAccessKey, "")), MotoAccount, MotoCallerARN)
}

// The sealed environment, pointed at moto, is all the SDK's own config
// loading needs: endpoints from AWS_ENDPOINT_URL_*, profiles from the
// written files, and its assume-role provider chaining through moto.
func TestSDKConfigThroughSealedEnv(t *testing.T) {
	m := Moto(t)
	t.Setenv("AWS_PROFILE", "developer-laptop")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIALEAKEDFROMPARENT")
	e := SealedEnv(t).ForMoto(m)
	e.WriteCredentials(t, "[base]\naws_access_key_id = "+TestAccessKeyID+"\naws_secret_access_key = "+TestSecretAccessKey+"\n")
	e.WriteConfig(t, strings.Join([]string{
		"[profile first]",
		"role_arn = arn:aws:iam::111122223333:role/First",
		"source_profile = base",
		"role_session_name = one",
		"",
		"[profile chained]",
		"role_arn = arn:aws:iam::444455556666:role/Second",
		"source_profile = first",
		"role_session_name = two",
		"",
	}, "\n"))
	e.Apply(t)

	for _, c := range []struct{ profile, account, arn string }{
		{"base", MotoAccount, MotoCallerARN},
		{"first", "111122223333", "arn:aws:sts::111122223333:assumed-role/First/one"},
		{"chained", "444455556666", "arn:aws:sts::444455556666:assumed-role/Second/two"},
	} {
		cfg, err := config.LoadDefaultConfig(context.Background(), config.WithSharedConfigProfile(c.profile))
		if err != nil {
			t.Fatalf("profile %s: %v", c.profile, err)
		}
		checkIdentity(t, callerIdentity(t, sts.NewFromConfig(cfg)), c.account, c.arn)
	}
}
