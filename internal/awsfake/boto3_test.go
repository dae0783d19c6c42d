package awsfake_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// requireBoto3 skips when python3 with boto3 is missing, except in CI
// where a missing client means the fake goes untested against botocore.
func requireBoto3(t *testing.T) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(python, "-c", "import boto3").Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with boto3 is required in CI: %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
	return python
}

// botoEnv is the inherited environment minus every AWS_* variable and
// proxy setting, with HOME sealed and the endpoints pointed at the fake.
func botoEnv(t *testing.T, url string) []string {
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "AWS_"), name == "HOME",
			strings.EqualFold(name, "HTTP_PROXY"), strings.EqualFold(name, "HTTPS_PROXY"),
			strings.EqualFold(name, "ALL_PROXY"), strings.EqualFold(name, "NO_PROXY"):
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"NO_PROXY=127.0.0.1,localhost",
		"AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL_STS="+url,
		"AWS_ENDPOINT_URL_SSO="+url,
		"AWS_ENDPOINT_URL_SSO_OIDC="+url,
	)
}

func runBoto3(t *testing.T, python, url string, args map[string]any) map[string]any {
	t.Helper()
	a, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), python, filepath.Join("testdata", "boto3_client.py"), string(a))
	cmd.Env = botoEnv(t, url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3 script: %v\n%s", err, stderr.String())
	}
	var out map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("boto3 script output %q: %v", stdout.String(), err)
	}
	return out
}

func TestBoto3(t *testing.T) {
	python := requireBoto3(t)
	srv, clock := start(t, awsfake.Options{})
	user := userCreds(t, srv)
	tok := srv.IssueSSOToken()

	out := runBoto3(t, python, srv.URL(), map[string]any{
		"phase":        "login",
		"user_key_id":  user.AccessKeyID,
		"user_secret":  user.SecretAccessKey,
		"start_url":    awsfake.DefaultStartURL,
		"access_token": tok.AccessToken,
		"account_id":   awsfake.DevAccountID,
	})
	want := map[string]string{
		"user_arn":    "arn:aws:iam::111111111111:user/deployer",
		"first_poll":  "AuthorizationPendingException:authorization_pending",
		"second_poll": "SlowDownException:slow_down",
		"bad_token":   "UnauthorizedException",
	}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s = %v, want %q", k, out[k], v)
		}
	}
	if arn, _ := out["role_arn"].(string); !strings.HasPrefix(arn, "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_") {
		t.Errorf("role_arn = %v", out["role_arn"])
	}
	ms, _ := out["role_expiration_ms"].(float64)
	near(t, "role credential expiration", time.UnixMilli(int64(ms)), time.Now().Add(time.Hour), time.Minute)
	if srv.Calls("GetRoleCredentials") != 2 || srv.Calls("CreateToken") != 2 {
		t.Errorf("calls = %v", srv.CallCounts())
	}

	clock.Advance(time.Hour)
	out = runBoto3(t, python, srv.URL(), map[string]any{"phase": "expired", "role_creds": out["role_creds"]})
	if out["expired"] != "ExpiredToken" || out["unknown"] != "InvalidClientTokenId" {
		t.Errorf("after expiry: %v", out)
	}
}
