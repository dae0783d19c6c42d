package session

import (
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// stsFallbackRegion is used when nothing names a region, as the AWS CLI
// does: STS answers in every region.
const stsFallbackRegion = "us-east-1"

// Clients builds every AWS client awsauth uses, the same way: the injected
// HTTP client, the SDK's standard retryer, and the endpoint overrides of
// the environment (AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL,
// unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), read here and nowhere
// else. It is the only place in awsauth that calls the SDK's NewFromConfig.
type Clients struct {
	Env        sysenv.Env
	HTTPClient *http.Client
}

// Endpoint returns the endpoint URL configured for a service through the
// environment ("" for AWS's own). service is the SDK's environment name:
// STS, SSO, SSO_OIDC, SIGNIN, CLOUDFORMATION.
func (c Clients) Endpoint(service string) string {
	if c.Env == nil || strings.EqualFold(c.Env.Get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	v, _ := c.Env.First("AWS_ENDPOINT_URL_"+service, "AWS_ENDPOINT_URL")
	return v
}

// Config is the base aws.Config of every client: region (us-east-1 when
// empty), the HTTP client, the standard retryer, and creds (nil for none).
func (c Clients) Config(region string, creds aws.CredentialsProvider) aws.Config {
	if region == "" {
		region = stsFallbackRegion
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	return aws.Config{
		Region:      region,
		Credentials: creds,
		HTTPClient:  hc,
		Retryer:     func() aws.Retryer { return retry.NewStandard() },
	}
}

func (c Clients) base(service string) *string {
	if ep := c.Endpoint(service); ep != "" {
		return aws.String(ep)
	}
	return nil
}

// STS returns an STS client signing with creds.
func (c Clients) STS(region string, creds aws.CredentialsProvider) *sts.Client {
	return sts.NewFromConfig(c.Config(region, creds), func(o *sts.Options) { o.BaseEndpoint = c.base("STS") })
}

// CloudFormation returns a CloudFormation client signing with creds.
func (c Clients) CloudFormation(region string, creds aws.CredentialsProvider) *cloudformation.Client {
	return cloudformation.NewFromConfig(c.Config(region, creds), func(o *cloudformation.Options) { o.BaseEndpoint = c.base("CLOUDFORMATION") })
}

// SSO returns an IAM Identity Center portal client; its calls carry a
// bearer token, not a signature.
func (c Clients) SSO(region string) *sso.Client {
	return sso.NewFromConfig(c.Config(region, aws.AnonymousCredentials{}), func(o *sso.Options) { o.BaseEndpoint = c.base("SSO") })
}

// SSOOIDC returns an IAM Identity Center OIDC client (device login, token
// refresh); its calls are unsigned.
func (c Clients) SSOOIDC(region string) *ssooidc.Client {
	return ssooidc.NewFromConfig(c.Config(region, aws.AnonymousCredentials{}), func(o *ssooidc.Options) { o.BaseEndpoint = c.base("SSO_OIDC") })
}

// Signin returns a client of the sign-in service that `aws login` sessions
// renew through.
func (c Clients) Signin(region string) *signin.Client {
	return signin.NewFromConfig(c.Config(region, nil), func(o *signin.Options) { o.BaseEndpoint = c.base("SIGNIN") })
}
