package doctor

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const ssoConfig = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1

[profile legacy]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 111111111111
sso_role_name = Admin

[profile deploy]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = dev

[profile mfa]
role_arn = arn:aws:iam::333333333333:role/Admin
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-west-1
`

func TestCredentials(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "deploy")
		want(t, Credentials, f.env(), OK, "profile deploy (from AWS_PROFILE): assume-role", "from sso")
	})
	t.Run("fail: unknown profile", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "deplyo")
		want(t, Credentials, f.env(), Fail, `profile "deplyo"`, "export AWS_PROFILE=deploy")
	})
	t.Run("fail: nothing configured", func(t *testing.T) {
		f := newFixture(t)
		want(t, Credentials, f.env(), Fail, "no AWS credentials found", "aws configure sso")
	})
}

func TestSTS(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials)
		f.set("AWS_ENDPOINT_URL_STS", stsFake{account: "123456789012", date: now}.start(t))
		want(t, STS, f.env(online), OK, "arn:aws:iam::123456789012:user/alice in account 123456789012")
	})
	t.Run("fail: expired, typed", func(t *testing.T) {
		f := newFixture(t).set("AWS_ACCESS_KEY_ID", "ASIAEXPIREDKEY000000", "AWS_SECRET_ACCESS_KEY", "s", "AWS_SESSION_TOKEN", "tok")
		f.set("AWS_ENDPOINT_URL_STS", stsFake{code: "ExpiredToken"}.start(t))
		want(t, STS, f.env(online), Fail, "ExpiredToken", "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN")
	})
	t.Run("fail: SSO login required", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "dev")
		want(t, STS, f.env(online), Fail, "needs a new IAM Identity Center login", "awsauth login --profile dev")
	})
	t.Run("skip: offline", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials)
		want(t, STS, f.env(), Skip, "--offline")
	})
	t.Run("skip: no chain", func(t *testing.T) {
		f := newFixture(t).set("AWS_PROFILE", "nope")
		want(t, STS, f.env(online), Skip, "does not resolve")
	})
}

func TestAccount(t *testing.T) {
	t.Run("ok: from STS", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials)
		f.set("AWS_ENDPOINT_URL_STS", stsFake{account: "123456789012", date: now}.start(t))
		want(t, Account, f.env(online, expectAccount("123456789012")), OK, "account 123456789012 (by STS)")
	})
	t.Run("fail: another account, with the profile that fits", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "dev")
		want(t, Account, f.env(expectAccount("222222222222")), Fail,
			"account 111111111111 (by the configuration), but --expect-account expects 222222222222", "use profile deploy (account 222222222222)")
	})
	t.Run("skip: nothing expected", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials)
		want(t, Account, f.env(), Skip, "--expect-account")
	})
	t.Run("skip: offline, static keys name no account", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials)
		want(t, Account, f.env(expectAccount("123456789012")), Skip, "names no account")
	})
}

func TestRegion(t *testing.T) {
	t.Run("ok", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials).set("AWS_DEFAULT_REGION", "eu-west-1")
		want(t, Region, f.env(func(e *Env) { e.Expect.Region, e.Expect.RegionFrom = "eu-west-1", "CDK_DEFAULT_REGION" }), OK, "region eu-west-1 (from AWS_REGION), as CDK_DEFAULT_REGION expects")
	})
	t.Run("fail: another region", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials).set("AWS_DEFAULT_REGION", "eu-west-1")
		want(t, Region, f.env(func(e *Env) { e.Expect.Region, e.Expect.RegionFrom = "us-east-2", "CDK_DEFAULT_REGION in .env" }), Fail,
			"but CDK_DEFAULT_REGION in .env expects us-east-2", "export AWS_REGION=us-east-2 AWS_DEFAULT_REGION=us-east-2")
	})
	t.Run("fail: none", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials).set("AWS_REGION", "")
		want(t, Region, f.env(), Fail, "no region is configured", "region = ...")
	})
	t.Run("warn: boto3 reads another", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials).set("AWS_DEFAULT_REGION", "us-east-1")
		want(t, Region, f.env(), Warn, "boto3", "export AWS_DEFAULT_REGION=eu-west-1")
	})
	t.Run("skip", func(t *testing.T) {
		f := newFixture(t).set("AWS_PROFILE", "nope")
		want(t, Region, f.env(), Skip)
	})
}

func TestClockSkew(t *testing.T) {
	start := func(t *testing.T, server time.Time) *fixture {
		f := newFixture(t).credentials(staticCredentials)
		f.set("AWS_ENDPOINT_URL_STS", stsFake{account: "123456789012", date: server}.start(t))
		return f
	}
	t.Run("ok", func(t *testing.T) {
		want(t, ClockSkew, start(t, now.Add(-2*time.Second)).env(online), OK, "within 3s")
	})
	t.Run("warn: 2 minutes ahead", func(t *testing.T) {
		want(t, ClockSkew, start(t, now.Add(-2*time.Minute)).env(online), Warn, "2m0s ahead of AWS's", "sudo timedatectl set-ntp true")
	})
	t.Run("fail: 10 minutes behind", func(t *testing.T) {
		r := want(t, ClockSkew, start(t, now.Add(10*time.Minute)).env(online, func(e *Env) { e.GOOS = "darwin" }), Fail, "10m0s behind AWS's", "sntp")
		if !strings.Contains(r.Detail, "2026-11-24T10:10:00Z") {
			t.Errorf("detail lacks the server's Date: %s", r.Detail)
		}
	})
	t.Run("fail: the Date of an error answer counts", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials)
		f.set("AWS_ENDPOINT_URL_STS", stsFake{code: "SignatureDoesNotMatch", date: now.Add(-8 * time.Minute)}.start(t))
		want(t, ClockSkew, f.env(online), Fail, "8m0s ahead")
	})
	t.Run("skip: no answer", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials).set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
		want(t, ClockSkew, f.env(online), Skip, "no answer from STS")
	})
	t.Run("skip: offline", func(t *testing.T) {
		want(t, ClockSkew, start(t, now).env(), Skip, "--offline")
	})
}

func TestLifetime(t *testing.T) {
	t.Run("ok: refreshable SSO", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "dev").ssoToken("corp", time.Hour, true)
		want(t, Lifetime, f.env(during(3*time.Hour)), OK, "nothing in the chain ends before the planned 3h run", "refreshes itself")
	})
	t.Run("fail: legacy SSO token ends first", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "legacy").ssoToken("https://example.awsapps.com/start", 45*time.Minute, false)
		want(t, Lifetime, f.env(during(3*time.Hour)), Fail,
			"first to end: the SSO token of profile legacy (legacy SSO), at 2026-11-24T10:45:00Z (in 45m), before the planned 3h run",
			"aws configure sso --profile legacy")
	})
	t.Run("ok: the same token without a duration", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "legacy").ssoToken("https://example.awsapps.com/start", 45*time.Minute, false)
		want(t, Lifetime, f.env(), OK, "first to end: the SSO token of profile legacy")
	})
	t.Run("fail: not logged in", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "dev")
		want(t, Lifetime, f.env(), Fail, "nobody has logged in", "awsauth login --profile dev")
	})
	t.Run("fail: environment keys expire", func(t *testing.T) {
		f := newFixture(t).set("AWS_ACCESS_KEY_ID", "ASIAENVKEY0000000000", "AWS_SECRET_ACCESS_KEY", "s", "AWS_SESSION_TOKEN", "t",
			"AWS_CREDENTIAL_EXPIRATION", now.Add(30*time.Minute).Format(time.RFC3339))
		want(t, Lifetime, f.env(during(2*time.Hour)), Fail, "the environment's keys (AWS_CREDENTIAL_EXPIRATION), at 2026-11-24T10:30:00Z (in 30m)", "awsauth exec")
	})
	t.Run("fail: environment keys expired", func(t *testing.T) {
		f := newFixture(t).set("AWS_ACCESS_KEY_ID", "ASIAENVKEY0000000000", "AWS_SECRET_ACCESS_KEY", "s", "AWS_SESSION_TOKEN", "t",
			"AWS_CREDENTIAL_EXPIRATION", now.Add(-5*time.Minute).Format(time.RFC3339))
		want(t, Lifetime, f.env(), Fail, "ended at 2026-11-24T09:55:00Z (5m ago)")
	})
	t.Run("warn: role chaining caps at 1h", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "deploy").ssoToken("corp", 8*time.Hour, true)
		want(t, Lifetime, f.env(during(3*time.Hour)), Warn, "role sessions of profile deploy end after 1h", "awsauth exec --profile deploy -- cdk deploy")
	})
	t.Run("warn: temporary keys that do not say when they end", func(t *testing.T) {
		f := newFixture(t).set("AWS_ACCESS_KEY_ID", "ASIAENVKEY0000000000", "AWS_SECRET_ACCESS_KEY", "s", "AWS_SESSION_TOKEN", "t")
		want(t, Lifetime, f.env(during(2*time.Hour)), Warn, "do not say when they expire")
	})
	t.Run("ok: under awsauth exec", func(t *testing.T) {
		f := newFixture(t).set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:41234/", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "x", "AWSAUTH_PROFILE", "dev")
		want(t, Lifetime, f.env(during(5*time.Hour)), OK, "awsauth exec (profile dev)")
	})
	t.Run("skip", func(t *testing.T) {
		f := newFixture(t).set("AWS_PROFILE", "nope")
		want(t, Lifetime, f.env(), Skip)
	})
}

// TestLifetimeLoginSession: an aws login session ends at most 12 hours
// after the sign-in, however its 15-minute credentials are renewed; the
// planned run is compared with that end.
func TestLifetimeLoginSession(t *testing.T) {
	const session = "arn:aws:iam::111111111111:user/deployer"
	base := func(t *testing.T) *fixture {
		return newFixture(t).config("[profile console]\nlogin_session = "+session+"\nregion = eu-west-1\n").set("AWS_PROFILE", "console")
	}
	t.Run("ok: signed in an hour ago, a 3h run", func(t *testing.T) {
		f := base(t).loginToken(session, time.Hour, 10*time.Minute)
		want(t, Lifetime, f.env(during(3*time.Hour)), OK, "nothing in the chain ends before the planned 3h run",
			"first to end: the aws login session of profile console, at 2026-11-24T21:00:00Z (in 11h)")
	})
	t.Run("fail: signed in 10h ago, a 3h run", func(t *testing.T) {
		f := base(t).loginToken(session, 10*time.Hour, 10*time.Minute)
		want(t, Lifetime, f.env(during(3*time.Hour)), Fail,
			"first to end: the aws login session of profile console, at 2026-11-24T12:00:00Z (in 2h), before the planned 3h run (until 2026-11-24T13:00:00Z) ends (a session lasts at most 12h after the sign-in)",
			"awsauth login --profile console   (right before the run: a new sign-in lasts 12h)")
	})
	t.Run("fail: a 14h run outlasts any sign-in", func(t *testing.T) {
		f := base(t).loginToken(session, 0, 10*time.Minute)
		want(t, Lifetime, f.env(during(14*time.Hour)), Fail, "first to end: the aws login session of profile console",
			"no sign-in lasts 14h: an aws login session lasts at most 12h after the sign-in")
	})
	t.Run("fail: ended", func(t *testing.T) {
		f := base(t).loginToken(session, 13*time.Hour, -time.Hour)
		want(t, Lifetime, f.env(), Fail, "the aws login session of profile console ended at 2026-11-24T09:00:00Z (1h ago)", "awsauth login --profile console")
	})
	t.Run("fail: nobody signed in", func(t *testing.T) {
		want(t, Lifetime, base(t).env(during(time.Hour)), Fail, "the aws login session of profile console is missing: nobody has signed in", "awsauth login --profile console")
	})
	t.Run("warn: the sign-in time is unknown", func(t *testing.T) {
		f := base(t).loginToken(session, -1, 10*time.Minute)
		want(t, Lifetime, f.env(during(3*time.Hour)), Warn, "the aws login session of profile console does not say when it began (it ends at most 12h after the sign-in): it may not last the planned 3h run",
			"right before the run: a new sign-in lasts 12h")
	})
}

func TestMFA(t *testing.T) {
	base := func(t *testing.T) *fixture {
		return newFixture(t).config(ssoConfig).credentials("[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n").set("AWS_PROFILE", "mfa")
	}
	t.Run("ok: a terminal can answer", func(t *testing.T) {
		want(t, MFA, base(t).env(interactive), OK, "needs a code from arn:aws:iam::123456789012:mfa/alice", "trades the code for a 12-hour MFA session")
	})
	t.Run("fail: nobody to answer", func(t *testing.T) {
		want(t, MFA, base(t).env(), Fail, "no terminal is attached", "awsauth exec --profile mfa -- cdk deploy")
	})
	t.Run("fail: in CI", func(t *testing.T) {
		want(t, MFA, base(t).set("CI", "true").env(interactive), Fail, "no terminal")
	})
	t.Run("warn: sessions shorter than the run", func(t *testing.T) {
		want(t, MFA, base(t).env(interactive, during(3*time.Hour)), Warn, "sessions last 1h", `add "duration_seconds = 10800" to [profile mfa]`)
	})
	t.Run("skip", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "dev")
		want(t, MFA, f.env(), Skip, "no role in the chain has mfa_serial")
	})
}

func TestEnvConflicts(t *testing.T) {
	cases := []struct {
		name  string
		vars  []string
		st    Status
		parts []string
	}{
		{"skip: nothing set", nil, Skip, nil},
		{"ok: only a profile", []string{"AWS_PROFILE", "dev"}, OK, []string{"AWS_PROFILE agree"}},
		{"warn: keys and a profile", []string{"AWS_PROFILE", "dev", "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY", "x"}, Warn,
			[]string{"JS SDK v3 (the CDK CLI) uses profile dev", "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"}},
		{"warn: session token without expiry", []string{"AWS_ACCESS_KEY_ID", "ASIAENVKEY0000000000", "AWS_SECRET_ACCESS_KEY", "x", "AWS_SESSION_TOKEN", "t"}, Warn,
			[]string{"without AWS_CREDENTIAL_EXPIRATION"}},
		{"warn: a leftover session token", []string{"AWS_SESSION_TOKEN", "t", "AWS_PROFILE", "dev"}, Warn, []string{"unset AWS_SESSION_TOKEN"}},
		{"warn: ASIA without its token", []string{"AWS_ACCESS_KEY_ID", "ASIAENVKEY0000000000", "AWS_SECRET_ACCESS_KEY", "x"}, Warn, []string{"AWS rejects it"}},
		{"warn: profile variables disagree", []string{"AWS_PROFILE", "dev", "AWS_DEFAULT_PROFILE", "prod"}, Warn,
			[]string{"boto3 and the AWS CLI v1 take AWS_DEFAULT_PROFILE", "unset AWS_DEFAULT_PROFILE"}},
		{"warn: only AWS_DEFAULT_PROFILE", []string{"AWS_DEFAULT_PROFILE", "dev"}, Warn, []string{"export AWS_PROFILE=dev; unset AWS_DEFAULT_PROFILE"}},
		{"warn: two at once", []string{"AWS_PROFILE", "dev", "AWS_DEFAULT_PROFILE", "prod", "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY", "x"}, Warn,
			[]string{"; also, AWS_PROFILE=dev and AWS_DEFAULT_PROFILE=prod disagree", "; unset AWS_DEFAULT_PROFILE"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t).set(c.vars...)
			want(t, EnvConflicts, f.env(), c.st, c.parts...)
		})
	}
}

func TestSDKLoadConfig(t *testing.T) {
	t.Run("warn: profile only in the config file", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "dev")
		want(t, SDKLoadConfig, f.env(), Warn, "AWS_SDK_LOAD_CONFIG=1", "export AWS_SDK_LOAD_CONFIG=1")
	})
	t.Run("ok: set", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "dev", "AWS_SDK_LOAD_CONFIG", "1")
		want(t, SDKLoadConfig, f.env(), OK, "AWS_SDK_LOAD_CONFIG is set")
	})
	t.Run("ok: profile in the credentials file", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials)
		want(t, SDKLoadConfig, f.env(), OK, "is in")
	})
	t.Run("skip: environment keys", func(t *testing.T) {
		f := newFixture(t).set("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY", "x")
		want(t, SDKLoadConfig, f.env(), Skip, "no profile")
	})
}

func TestCIOIDC(t *testing.T) {
	t.Run("warn: GitHub Actions on stored keys", func(t *testing.T) {
		f := newFixture(t).set("GITHUB_ACTIONS", "true", "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY", "x")
		want(t, CIOIDC, f.env(), Warn, "GitHub Actions runs on long-term IAM user keys (AWS_ACCESS_KEY_ID)", "aws-actions/configure-aws-credentials", "id-token: write")
	})
	t.Run("warn: CI with a static profile", func(t *testing.T) {
		f := newFixture(t).set("CI", "true").credentials(staticCredentials)
		want(t, CIOIDC, f.env(), Warn, "profile default", "AWS_WEB_IDENTITY_TOKEN_FILE")
	})
	t.Run("ok: web identity", func(t *testing.T) {
		f := newFixture(t).set("CI", "true", "AWS_WEB_IDENTITY_TOKEN_FILE", "/tmp/token", "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci")
		want(t, CIOIDC, f.env(), OK, "web-identity")
	})
	t.Run("skip: not CI", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials)
		want(t, CIOIDC, f.env(), Skip, "not running in CI")
	})
}

func TestCDKContext(t *testing.T) {
	const ctxFile = `{
  "availability-zones:account=111111111111:region=eu-west-1": ["eu-west-1a"],
  "vpc-provider:account=999999999999:filter.isDefault=true:region=eu-west-1:returnAsymmetricSubnets=true": {"vpcId": "vpc-1"},
  "acknowledged-issue-numbers": [1234]
}`
	t.Run("warn: another account", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).set("AWS_PROFILE", "dev").file("cdk.context.json", ctxFile)
		want(t, CDKContext, f.env(), Warn, "account 999999999999, not 111111111111 (the profile's account)",
			"cdk context --reset 'vpc-provider:account=999999999999:filter.isDefault=true:region=eu-west-1:returnAsymmetricSubnets=true'")
	})
	t.Run("warn: many keys clear the file", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("{")
		for i := range 5 {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"hosted-zone:account=999999999999:domainName=d` + string(rune('a'+i)) + `.com:region=eu-west-1": {}`)
		}
		b.WriteString("}")
		f := newFixture(t).file("cdk.context.json", b.String())
		want(t, CDKContext, f.env(expectAccount("111111111111")), Warn, "from --expect-account", "cdk context --clear")
	})
	t.Run("ok: only this account", func(t *testing.T) {
		f := newFixture(t).file("cdk.context.json", `{"availability-zones:account=111111111111:region=eu-west-1": ["eu-west-1a"]}`)
		want(t, CDKContext, f.env(expectAccount("111111111111")), OK, "1 cached values, none for an account other than 111111111111")
	})
	t.Run("warn: not JSON", func(t *testing.T) {
		f := newFixture(t).file("cdk.context.json", "{nope")
		want(t, CDKContext, f.env(expectAccount("111111111111")), Warn, "not a JSON object", "cdk context --clear")
	})
	t.Run("skip: no file", func(t *testing.T) {
		want(t, CDKContext, newFixture(t).env(expectAccount("111111111111")), Skip, "no cdk.context.json")
	})
	t.Run("skip: account unknown", func(t *testing.T) {
		f := newFixture(t).credentials(staticCredentials).file("cdk.context.json", ctxFile)
		want(t, CDKContext, f.env(), Skip, "unknown")
	})
}

func TestStaticKeys(t *testing.T) {
	t.Run("warn: keys in the credentials file, by line", func(t *testing.T) {
		f := newFixture(t).credentials("[sso]\nregion = eu-west-1\n\n[old]\naws_access_key_id = " + plantedKeyID + "\naws_secret_access_key = " + plantedSecret + "\n")
		r := want(t, StaticKeys, f.env(), Warn, "[old] "+f.home.Vars["AWS_SHARED_CREDENTIALS_FILE"]+":5", "aws configure sso --profile old")
		if strings.Contains(r.Detail+r.Fix, plantedKeyID) {
			t.Errorf("the full key id is shown: %s", r.Detail)
		}
		if !strings.Contains(r.Detail, "credentials:5 (AKIA************WJ7K)") {
			t.Errorf("no file:line with the masked id: %s", r.Detail)
		}
	})
	t.Run("warn: keys as the SDKs read them, header comment, quotes and colon included", func(t *testing.T) {
		f := newFixture(t).credentials("[default] # mine\naws_access_key_id = \"" + plantedKeyID + "\"\naws_secret_access_key = " + plantedSecret + "\n\n[ci]\naws_access_key_id: " + plantedKeyID + "\naws_secret_access_key: x\n")
		path := f.home.Vars["AWS_SHARED_CREDENTIALS_FILE"]
		r := want(t, StaticKeys, f.env(), Warn, "[default] "+path+":2", "[ci] "+path+":6")
		if strings.Contains(r.Detail, "mine") {
			t.Errorf("the header comment is taken for the profile's name: %s", r.Detail)
		}
	})
	t.Run("ok: temporary keys and SSO only", func(t *testing.T) {
		f := newFixture(t).config(ssoConfig).credentials("[tmp]\naws_access_key_id = ASIAENVKEY0000000000\naws_secret_access_key = x\naws_session_token = y\n")
		want(t, StaticKeys, f.env(), OK)
	})
	t.Run("skip: no files", func(t *testing.T) {
		want(t, StaticKeys, newFixture(t).env(), Skip)
	})
}

func TestFileModes(t *testing.T) {
	unixOnly := func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("POSIX file modes: Windows has none, and the check skips there (see skip: windows)")
		}
	}
	t.Run("warn: readable by others", func(t *testing.T) {
		unixOnly(t)
		f := newFixture(t).credentials(staticCredentials).ssoToken("corp", time.Hour, true)
		chmod(t, f.home.Vars["AWS_SHARED_CREDENTIALS_FILE"], 0o644)
		tok := filepath.Join(f.home.Home, ".aws", "sso", "cache")
		entries, _ := os.ReadDir(tok)
		chmod(t, filepath.Join(tok, entries[0].Name()), 0o640)
		want(t, FileModes, f.env(), Warn, "(0644)", "(0640)", "chmod 600 "+f.home.Vars["AWS_SHARED_CREDENTIALS_FILE"]+" && chmod 600 "+filepath.Join(tok, "*.json"))
	})
	t.Run("ok", func(t *testing.T) {
		unixOnly(t)
		f := newFixture(t).credentials(staticCredentials).ssoToken("corp", time.Hour, true)
		want(t, FileModes, f.env(), OK, "only you can read")
	})
	t.Run("skip: nothing there", func(t *testing.T) {
		want(t, FileModes, newFixture(t).env(), Skip)
	})
	t.Run("skip: windows", func(t *testing.T) {
		// Files that are 0644 on Unix are no problem on Windows: the
		// access list of the user's profile keeps them private.
		f := newFixture(t).credentials(staticCredentials)
		chmod(t, f.home.Vars["AWS_SHARED_CREDENTIALS_FILE"], 0o644)
		want(t, FileModes, f.env(func(e *Env) { e.GOOS = "windows" }), Skip, "Windows")
	})
}

func TestRepoSecrets(t *testing.T) {
	listing := func(files ...string) GitFunc {
		return func(ctx context.Context, dir string, args ...string) ([]byte, error) {
			return []byte(strings.Join(files, "\x00") + "\x00"), nil
		}
	}
	t.Run("fail: a tracked key with its secret", func(t *testing.T) {
		f := newFixture(t).
			file("deploy/app.env", "REGION=eu-west-1\nAWS_ACCESS_KEY_ID="+plantedKeyID+"\nAWS_SECRET_ACCESS_KEY="+plantedSecret+"\n").
			file("README.md", "use AKIAIOSFODNN7EXAMPLE with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n").
			file("ids.txt", "only an id: "+plantedKeyID+"\n")
		r := want(t, RepoSecrets, f.env(func(e *Env) { e.Git = listing("deploy/app.env", "README.md", "ids.txt") }), Fail,
			"deploy/app.env:2 (AKIA************WJ7K)", "aws iam update-access-key --status Inactive")
		if strings.Contains(r.Detail, "README.md") || strings.Contains(r.Detail, "ids.txt") {
			t.Errorf("example keys or ids without a secret reported: %s", r.Detail)
		}
	})
	t.Run("ok", func(t *testing.T) {
		f := newFixture(t).file("main.go", "package main // sha 3f786850e387550fdab836ed7e6dc881de23001b\n")
		want(t, RepoSecrets, f.env(func(e *Env) { e.Git = listing("main.go") }), OK, "1 tracked files")
	})
	t.Run("with git", func(t *testing.T) {
		if _, err := exec.LookPath("git"); err != nil {
			t.Skip("no git")
		}
		f := newFixture(t).file("cfg/keys.txt", "["+plantedKeyID+"]\nsecret: "+plantedSecret+"\n").file("untracked.txt", plantedKeyID+" "+plantedSecret)
		for _, args := range [][]string{{"init", "-q"}, {"add", "cfg/keys.txt"}} {
			if out, err := ExecGit(context.Background(), f.dir, args...); err != nil {
				t.Fatalf("%s: %s", err, out)
			}
		}
		r := want(t, RepoSecrets, f.env(func(e *Env) { e.Git = ExecGit }), Fail, "cfg/keys.txt:1")
		if strings.Contains(r.Detail, "untracked") {
			t.Errorf("untracked file scanned: %s", r.Detail)
		}
	})
	t.Run("skip: not a repository", func(t *testing.T) {
		if _, err := exec.LookPath("git"); err != nil {
			t.Skip("no git")
		}
		f := newFixture(t)
		e := f.env(func(e *Env) { e.Git = ExecGit })
		e.Lookup = f.home.Lookup
		t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(f.dir))
		want(t, RepoSecrets, e, Skip, "not in a git work tree")
	})
	t.Run("skip: no git", func(t *testing.T) {
		want(t, RepoSecrets, newFixture(t).env(), Skip, "git is not available")
	})
}

func TestRunSkipsNetworkChecksOffline(t *testing.T) {
	f := newFixture(t).credentials(staticCredentials).set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
	rs := Run(context.Background(), f.env(), All())
	if len(rs) != len(All()) {
		t.Fatalf("%d results for %d checks", len(rs), len(All()))
	}
	for i, r := range rs {
		c := All()[i]
		if r.ID != c.ID || r.Title != c.Title {
			t.Errorf("result %d is %s/%q, want %s/%q", i, r.ID, r.Title, c.ID, c.Title)
		}
		if c.Network && (r.Status != Skip || r.Detail != "not checked: --offline") {
			t.Errorf("%s ran offline: %+v", c.ID, r)
		}
	}
}

func TestFailed(t *testing.T) {
	rs := []Result{{ID: "a", Status: OK}, {ID: "b", Status: Warn}, {ID: "c", Status: Fail}, {ID: "d", Status: Skip}}
	if got := strings.Join(Failed(rs, false), ","); got != "c" {
		t.Errorf("Failed = %s, want c", got)
	}
	if got := strings.Join(Failed(rs, true), ","); got != "b,c" {
		t.Errorf("Failed strict = %s, want b,c", got)
	}
	if n := Counts(rs); n[OK] != 1 || n[Warn] != 1 || n[Fail] != 1 || n[Skip] != 1 {
		t.Errorf("Counts = %v", n)
	}
}

func TestPreflightIsASubsetOfAll(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range All() {
		if ids[c.ID] {
			t.Errorf("duplicate check id %s", c.ID)
		}
		ids[c.ID] = true
		if _, ok := ByID(c.ID); !ok {
			t.Errorf("ByID(%s) not found", c.ID)
		}
	}
	for _, c := range Preflight() {
		if !ids[c.ID] {
			t.Errorf("preflight check %s is not in All", c.ID)
		}
	}
}
