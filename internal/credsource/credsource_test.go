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
