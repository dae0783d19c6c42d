package credsource

import (
	"testing"

	"github.com/awsauth/awsauth/internal/sysenv"
)

func TestEndpoint(t *testing.T) {
	env := sysenv.FromMap(map[string]string{"AWS_ENDPOINT_URL": "http://all", "AWS_ENDPOINT_URL_STS": "http://sts"})
	if got := Endpoint(env, "STS"); got != "http://sts" {
		t.Errorf("STS: %s", got)
	}
	if got := Endpoint(env, "SSO"); got != "http://all" {
		t.Errorf("SSO falls back to AWS_ENDPOINT_URL: %s", got)
	}
	env = sysenv.FromMap(map[string]string{"AWS_ENDPOINT_URL_STS": "http://sts", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"})
	if got := Endpoint(env, "STS"); got != "" {
		t.Errorf("ignored endpoints still used: %s", got)
	}
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
