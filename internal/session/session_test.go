package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/credsource"
	"github.com/awsauth/awsauth/internal/sysenv"
)

func TestEndpoint(t *testing.T) {
	c := Clients{Env: sysenv.FromMap(map[string]string{"AWS_ENDPOINT_URL": "http://all", "AWS_ENDPOINT_URL_STS": "http://sts"})}
	if got := c.Endpoint("STS"); got != "http://sts" {
		t.Errorf("STS: %s", got)
	}
	if got := c.Endpoint("SSO"); got != "http://all" {
		t.Errorf("SSO falls back to AWS_ENDPOINT_URL: %s", got)
	}
	c.Env = sysenv.FromMap(map[string]string{"AWS_ENDPOINT_URL_STS": "http://sts", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"})
	if got := c.Endpoint("STS"); got != "" {
		t.Errorf("ignored endpoints still used: %s", got)
	}
	if got := (Clients{}).Endpoint("STS"); got != "" {
		t.Errorf("no environment: %s", got)
	}
}

// env writes config and credentials into a new HOME.
func env(t *testing.T, config, credentials string) sysenv.Env {
	t.Helper()
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600)
	os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(credentials), 0o600)
	return sysenv.FromMap(map[string]string{"HOME": home, "USERPROFILE": home, "AWS_EC2_METADATA_DISABLED": "true"})
}

func TestCachedSavesAndAnswersWarm(t *testing.T) {
	e := env(t, "[profile p]\ncredential_process = /bin/false\nregion = eu-west-1\n", "")
	req := awsconfig.Request{Profile: "p", Env: e}
	now := time.Now()
	deps := Deps{Env: e, Now: func() time.Time { return now }}
	// Cold: the source (a process that fails) is asked, and its error
	// comes back.
	if _, hit, _, err := Cached(context.Background(), req, deps); err == nil || hit {
		t.Fatalf("cold call on a failing source: hit %v, err %v; want the source's error", hit, err)
	}
	// Warm: what the cache holds is answered without resolving anything.
	want := aws.Credentials{AccessKeyID: "ASIAWARMWARMWARMWARM", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: now.Add(time.Hour)}
	if err := deps.cache().Put(credsource.CacheKey(req), want, now); err != nil {
		t.Fatal(err)
	}
	got, hit, s, err := Cached(context.Background(), req, deps)
	if err != nil || !hit || s != nil || got.AccessKeyID != want.AccessKeyID {
		t.Errorf("warm call = %v, hit %v, session %v, err %v; want the cached keys, a hit and no session", got.AccessKeyID, hit, s, err)
	}
}

func TestOpenRefusesACallToItself(t *testing.T) {
	e := env(t, "[profile p]\ncredential_process = awsauth credential-process --profile p\n", "")
	_, err := Open(context.Background(), awsconfig.Request{Profile: "p", Env: e}, Deps{Env: e})
	var self *credsource.SelfReferenceError
	if !errors.As(err, &self) {
		t.Errorf("Open = %v, want a SelfReferenceError", err)
	}
}

func TestNeedsPerson(t *testing.T) {
	for err, want := range map[error]bool{
		&credsource.LoginRequiredError{}: true,
		&credsource.MFARequiredError{}:   true,
		context.DeadlineExceeded:         false,
	} {
		if got := NeedsPerson(err); got != want {
			t.Errorf("NeedsPerson(%T) = %v, want %v", err, got, want)
		}
	}
}
