package credsource

import (
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// testClients builds the providers' clients for this package's tests as
// the session package does (which this package cannot import).
type testClients struct{ env sysenv.Env }

func (c testClients) cfg(region string, creds aws.CredentialsProvider) aws.Config {
	return aws.Config{Region: region, Credentials: creds, HTTPClient: &http.Client{Timeout: 5 * time.Second}}
}

func (c testClients) ep(service string) *string {
	if v, _ := c.env.First("AWS_ENDPOINT_URL_"+service, "AWS_ENDPOINT_URL"); v != "" {
		return aws.String(v)
	}
	return nil
}

func (c testClients) STS(region string, creds aws.CredentialsProvider) *sts.Client {
	return sts.NewFromConfig(c.cfg(region, creds), func(o *sts.Options) { o.BaseEndpoint = c.ep("STS") })
}

func (c testClients) SSO(region string) *sso.Client {
	return sso.NewFromConfig(c.cfg(region, nil), func(o *sso.Options) { o.BaseEndpoint = c.ep("SSO") })
}

func (c testClients) SSOOIDC(region string) *ssooidc.Client {
	return ssooidc.NewFromConfig(c.cfg(region, nil), func(o *ssooidc.Options) { o.BaseEndpoint = c.ep("SSO_OIDC") })
}

func (c testClients) Signin(region string) *signin.Client {
	return signin.NewFromConfig(c.cfg(region, nil), func(o *signin.Options) { o.BaseEndpoint = c.ep("SIGNIN") })
}

func TestContainerURIRule(t *testing.T) {
	ok := []string{"http://127.0.0.1:8080/creds", "http://localhost/x", "http://169.254.170.2/v2/creds", "http://169.254.170.23/v1/creds", "http://[::1]:9/x", "https://creds.example.com/x"}
	bad := []string{"http://10.0.0.5/creds", "http://example.com/creds", "not a url"}
	for _, u := range ok {
		if err := checkContainerURI(u); err != nil {
			t.Errorf("%s rejected: %v", u, err)
		}
	}
	for _, u := range bad {
		if err := checkContainerURI(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

func TestProcessProgram(t *testing.T) {
	for cmd, want := range map[string]string{
		"/usr/local/bin/aws-vault export --format=json prod": "/usr/local/bin/aws-vault",
		"  aws-sso-util credential-process --profile x":      "aws-sso-util",
		"tool":                         "tool",
		`"/opt/my tools/creds" --json`: "/opt/my tools/creds",
		`'/opt/my tools/creds'`:        "/opt/my tools/creds",
		"./bin/creds":                  "./bin/creds",
	} {
		if got, ok := processProgram(cmd); !ok || got != want {
			t.Errorf("processProgram(%q) = %q, %t; want %q", cmd, got, ok, want)
		}
	}
	// Only the shell can tell what these run.
	for _, cmd := range []string{
		"", "$HOME/bin/creds", "~/bin/creds", "FOO=1 creds", "exec /bin/creds", ". ./env.sh; creds",
		`"$HOME/creds"`, `"/opt/creds"x`, "creds>out", "`which creds`", "echo {}", "(creds)", `"unclosed`,
		"/bin/cre*s", "if true; then creds; fi",
	} {
		if got, ok := processProgram(cmd); ok {
			t.Errorf("processProgram(%q) = %q: the shell decides that one", cmd, got)
		}
	}
}
