package awsconfig

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/google/go-cmp/cmp"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// sdkKinds turns the credential sources the SDK records on its provider into
// our kinds, as a sorted multiset: the SDK's list says which providers it
// built, not in a form that tells legacy SSO from sso-session apart, so both
// count as "sso" here.
func sdkKinds(src []aws.CredentialSource) []string {
	var out []string
	has := map[aws.CredentialSource]bool{}
	for _, s := range src {
		has[s] = true
		if s == aws.CredentialSourceSTSAssumeRole {
			out = append(out, string(KindAssumeRole))
		}
	}
	switch {
	case has[aws.CredentialSourceProfile]:
		out = append(out, string(KindStatic))
	case has[aws.CredentialSourceEnvVars]:
		out = append(out, string(KindEnv))
	case has[aws.CredentialSourceProfileNamedProvider] && has[aws.CredentialSourceHTTP]:
		// credential_source = Environment is recorded as HTTP by the SDK.
		out = append(out, string(KindEnv))
	case has[aws.CredentialSourceEnvVarsSTSWebIDToken], has[aws.CredentialSourceProfileSTSWebIDToken]:
		out = append(out, string(KindWebIdentity))
	case has[aws.CredentialSourceSSO], has[aws.CredentialSourceSSOLegacy], has[aws.CredentialSourceProfileSSO]:
		out = append(out, string(KindSSO))
	case has[aws.CredentialSourceProcess]:
		out = append(out, string(KindProcess))
	case has[aws.CredentialSourceLogin]:
		out = append(out, string(KindLogin))
	case has[aws.CredentialSourceHTTP]:
		out = append(out, string(KindContainer))
	case has[aws.CredentialSourceIMDS]:
		out = append(out, string(KindIMDS))
	}
	sort.Strings(out)
	return out
}

func ourKinds(t *Trace) []string {
	var out []string
	for _, h := range t.Hops {
		k := h.Kind
		if k == KindSSOLegacy {
			k = KindSSO
		}
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

// TestAgreesWithSDK resolves the same setups with awsauth and with the Go
// SDK's own config.LoadDefaultConfig, and checks both build the same chain.
func TestAgreesWithSDK(t *testing.T) {
	files := writeFiles(t, testConfig, testCredentials)
	cases := []struct {
		name    string
		profile string
		env     map[string]string
	}{
		{name: "static", profile: "base"},
		{name: "assume-role", profile: "admin"},
		{name: "sso-session", profile: "corp-dev"},
		{name: "legacy-sso", profile: "legacy"},
		{name: "process", profile: "proc"},
		{name: "web identity profile", profile: "ci"},
		{name: "credential_source imds", profile: "on-ec2"},
		{name: "credential_source env", profile: "from-env", env: map[string]string{"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"}},
		{name: "self source", profile: "self"},
		{name: "role over sso", profile: "via-sso"},
		{name: "login", profile: "sign-in"},
		{name: "no credentials in profile", profile: "empty"},
		{name: "container fallback", profile: "empty", env: map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/x"}},
		{name: "env keys beat AWS_PROFILE", env: map[string]string{"AWS_PROFILE": "admin", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"}},
		{name: "explicit profile beats env keys", profile: "admin", env: map[string]string{"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"}},
		{name: "AWS_PROFILE", env: map[string]string{"AWS_PROFILE": "proc"}},
		{name: "web identity env", env: map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/R"}},
		{name: "static shadows container", profile: "base", env: map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clearAWSEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			opts := []func(*config.LoadOptions) error{
				config.WithSharedConfigFiles([]string{files.Config}),
				config.WithSharedCredentialsFiles([]string{files.Credentials}),
				config.WithRegion("us-east-1"),
			}
			if c.profile != "" {
				opts = append(opts, config.WithSharedConfigProfile(c.profile))
			}
			cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
			if err != nil {
				t.Fatalf("SDK: %v", err)
			}
			ps, ok := cfg.Credentials.(interface{ ProviderSources() []aws.CredentialSource })
			if !ok {
				t.Fatalf("SDK provider %T does not list its sources", cfg.Credentials)
			}
			tr, err := Resolve(context.Background(), Request{Profile: c.profile, Env: sysenv.OS(), Files: files})
			if err != nil {
				t.Fatalf("awsauth: %v", err)
			}
			if diff := cmp.Diff(sdkKinds(ps.ProviderSources()), ourKinds(tr)); diff != "" {
				t.Errorf("chain differs from the SDK's (-sdk +awsauth):\n%s", diff)
			}
		})
	}
}

func clearAWSEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}
