package credserver_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/credserver"
	"github.com/awsauth/awsauth/internal/testenv"
)

// requireClient returns the path of a client program that works, checked by
// running it with args. It skips when the client is missing, except in CI
// where a missing client would leave the endpoint untested against it.
func requireClient(t *testing.T, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		var out []byte
		out, err = exec.Command(path, args...).CombinedOutput()
		if err != nil {
			err = errors.Join(err, errors.New(strings.TrimSpace(string(out))))
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not available: %v", name, err)
	}
	return path
}

// clientEnv is the environment `awsauth exec` gives a child, sealed: a
// temporary HOME, the endpoint, the region in both spellings, and no other
// AWS_* variable.
func clientEnv(t *testing.T, url, token string) []string {
	e := testenv.SealedEnv(t)
	for k := range e.Vars {
		if strings.HasPrefix(k, "AWS_") {
			delete(e.Vars, k)
		}
	}
	e.Vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = url
	e.Vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = token
	e.Vars["AWS_REGION"] = "us-east-1"
	e.Vars["AWS_DEFAULT_REGION"] = "us-east-1"
	return e.Environ()
}

type botoResult struct {
	Method    string `json:"method"`
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
	Token     string `json:"token"`
	AccountID string `json:"account_id"`
	Expiry    string `json:"expiry"`
	ErrorType string `json:"error_type"`
	Error     string `json:"error"`
}

func runBotocore(t *testing.T, python, url, token string) botoResult {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), python, filepath.Join("testdata", "botocore_client.py"))
	cmd.Env = clientEnv(t, url, token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("botocore client: %v\n%s", err, stderr.String())
	}
	var r botoResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("botocore client output %q: %v\n%s", stdout.String(), err, stderr.String())
	}
	return r
}

func TestBoto3(t *testing.T) {
	python := requireClient(t, "python3", "-c", "import boto3")

	t.Run("session credentials", func(t *testing.T) {
		t.Parallel()
		want := realCreds("ASIABOTO3SESSION0001", time.Hour)
		s := start(t, fixed(want, nil), credserver.Options{})
		got := runBotocore(t, python, s.URL(), s.Token())
		if got.Error != "" {
			t.Fatalf("%s: %s", got.ErrorType, got.Error)
		}
		if got.Method != "container-role" || got.AccessKey != want.AccessKeyID || got.SecretKey != want.SecretAccessKey ||
			got.Token != want.SessionToken || got.AccountID != want.AccountID {
			t.Errorf("boto3 got %+v, want %+v", got, want)
		}
		expiry, err := time.Parse(time.RFC3339, got.Expiry)
		if err != nil || !expiry.Equal(want.Expires) {
			t.Errorf("boto3 expiry %q (%v), want %v", got.Expiry, err, want.Expires)
		}
		t.Logf("boto3: %s via %s, expires %s", got.AccessKey, got.Method, got.Expiry)
	})

	t.Run("long-term keys", func(t *testing.T) {
		t.Parallel()
		keys := aws.Credentials{AccessKeyID: "AKIABOTO3STATIC00001", SecretAccessKey: "static-secret"}
		s := start(t, fixed(keys, nil), credserver.Options{})
		before := time.Now()
		got := runBotocore(t, python, s.URL(), s.Token())
		if got.Error != "" {
			t.Fatalf("%s: %s", got.ErrorType, got.Error)
		}
		if got.AccessKey != keys.AccessKeyID || got.SecretKey != keys.SecretAccessKey || got.Token != "" {
			t.Errorf("boto3 got %+v, want %+v", got, keys)
		}
		expiry, err := time.Parse(time.RFC3339, got.Expiry)
		lo, hi := before.Add(credserver.StaticLifetime-time.Minute), time.Now().Add(credserver.StaticLifetime)
		if err != nil || expiry.Before(lo) || expiry.After(hi) {
			t.Errorf("boto3 expiry %q (%v), want between %v and %v", got.Expiry, err, lo, hi)
		}
	})

	t.Run("unavailable", func(t *testing.T) {
		t.Parallel()
		s := start(t, fixed(aws.Credentials{}, errors.New("the SSO session has ended")), credserver.Options{})
		got := runBotocore(t, python, s.URL(), s.Token())
		if got.ErrorType != "CredentialRetrievalError" || !strings.Contains(got.Error, "503") ||
			!strings.Contains(got.Error, "awsauth: no valid credentials: the SSO session has ended") {
			t.Errorf("boto3 got %+v, want a CredentialRetrievalError with the 503 and its message", got)
		}
		t.Logf("boto3 error: %s", got.Error)
	})

	t.Run("wrong token", func(t *testing.T) {
		t.Parallel()
		s := start(t, fixed(testCreds, nil), credserver.Options{})
		got := runBotocore(t, python, s.URL(), otherToken(s.Token()))
		if got.ErrorType != "CredentialRetrievalError" || !strings.Contains(got.Error, "InvalidAuthorizationToken") {
			t.Errorf("boto3 got %+v, want a CredentialRetrievalError naming InvalidAuthorizationToken", got)
		}
		if strings.Contains(got.Error, s.Token()) || strings.Contains(got.Error, otherToken(s.Token())) {
			t.Errorf("error shows a token: %s", got.Error)
		}
	})
}

// The AWS CLI v1 has no `configure export-credentials` (v2 only), so
// `configure list` shows what it resolved: the access key's last four
// characters and where they came from.
func TestAWSCLIv1(t *testing.T) {
	aws := requireClient(t, "aws", "--version")
	want := realCreds("ASIAAWSCLIV1EXAMPLE7", time.Hour)
	s := start(t, fixed(want, nil), credserver.Options{})

	cmd := exec.CommandContext(t.Context(), aws, "configure", "list")
	cmd.Env = clientEnv(t, s.URL(), s.Token())
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws configure list: %v\n%s", err, out)
	}
	var line string
	for l := range strings.Lines(string(out)) {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "access_key" {
			line = l
		}
	}
	f := strings.Fields(line)
	if len(f) < 3 || !strings.HasSuffix(f[1], want.AccessKeyID[len(want.AccessKeyID)-4:]) || f[2] != "container-role" {
		t.Errorf("access_key line %q, want the key ending %s from container-role\n%s",
			line, want.AccessKeyID[len(want.AccessKeyID)-4:], out)
	}
	if s.Stats().Served == 0 {
		t.Error("the CLI never fetched from the endpoint")
	}
}
