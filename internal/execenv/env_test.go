package execenv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

func envMap(list []string) map[string]string {
	m := map[string]string{}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	files := awsconfig.Files{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	base := []string{"PATH=/bin", "HOME=/h", "AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=s", "AWS_SESSION_TOKEN=t",
		"AWS_PROFILE=prod", "AWS_DEFAULT_PROFILE=prod", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/x",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/f", "AWS_ROLE_ARN=arn", "AWS_WEB_IDENTITY_TOKEN_FILE=/w", "AWS_SECRET_KEY=s2",
		"AWS_ENDPOINT_URL=http://keep", "CDK_DEFAULT_ACCOUNT=1"}
	p, err := Build(Inputs{Base: base, Endpoint: "http://127.0.0.1:1/credentials", Token: "tok", Region: "eu-west-1", Profile: "prod", Files: files, TempDir: fixedDir(dir)})
	if err != nil {
		t.Fatal(err)
	}
	got := envMap(p.Env)
	want := map[string]string{
		"PATH": "/bin", "HOME": "/h", "AWS_ENDPOINT_URL": "http://keep", "CDK_DEFAULT_ACCOUNT": "1",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok",
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_SDK_LOAD_CONFIG": "1", "AWSAUTH_PROFILE": "prod",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("child env (-want +got):\n%s", diff)
	}
}

func TestBuildShadowsDefaultProfile(t *testing.T) {
	dir := t.TempDir()
	files := awsconfig.Files{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	os.WriteFile(files.Config, []byte("[default]\nregion = us-east-1\nsso_session = corp\nsso_account_id = 1\ns3 =\n  max_concurrent_requests = 20\n\n[profile other]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n"), 0o600)
	os.WriteFile(files.Credentials, []byte("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = secret\n[keep]\naws_access_key_id = A\naws_secret_access_key = B\n"), 0o600)
	tmp := t.TempDir()
	p, err := Build(Inputs{Base: []string{"HOME=/h"}, Endpoint: "e", Token: "t", Files: files, TempDir: fixedDir(tmp)})
	if err != nil {
		t.Fatal(err)
	}
	got := envMap(p.Env)
	cfg, _ := os.ReadFile(got["AWS_CONFIG_FILE"])
	creds, _ := os.ReadFile(got["AWS_SHARED_CREDENTIALS_FILE"])
	if string(cfg) != "[default]\nregion = us-east-1\ns3 =\n  max_concurrent_requests = 20\n\n[profile other]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n" {
		t.Errorf("config copy:\n%s", cfg)
	}
	if string(creds) != "[default]\n[keep]\naws_access_key_id = A\naws_secret_access_key = B\n" {
		t.Errorf("credentials copy:\n%s", creds)
	}
	if len(p.Notes) != 2 {
		t.Errorf("notes: %v", p.Notes)
	}
	// The user's files are untouched.
	if orig, _ := os.ReadFile(files.Credentials); !strings.Contains(string(orig), "AKIAIOSFODNN7EXAMPLE") {
		t.Errorf("original credentials file changed")
	}
	// Without credentials in [default], the child reads the user's own files.
	os.WriteFile(files.Config, []byte("[default]\nregion = us-east-1\n"), 0o600)
	os.Remove(files.Credentials)
	p, _ = Build(Inputs{Base: []string{"HOME=/h"}, Endpoint: "e", Token: "t", Files: files, TempDir: fixedDir(tmp)})
	if _, ok := envMap(p.Env)["AWS_CONFIG_FILE"]; ok {
		t.Errorf("config redirected although [default] has no credentials")
	}
}

func TestRunExitCodes(t *testing.T) {
	ctx := context.Background()
	run := func(args ...string) int {
		code, _ := Run(ctx, Command{Args: args, Env: os.Environ()}, nil)
		return code
	}
	if got := run("sh", "-c", "exit 0"); got != 0 {
		t.Errorf("exit 0 -> %d", got)
	}
	if got := run("sh", "-c", "exit 42"); got != 42 {
		t.Errorf("exit 42 -> %d", got)
	}
	if got := run("sh", "-c", "kill -TERM $$"); got != 128+int(syscall.SIGTERM) {
		t.Errorf("killed by TERM -> %d", got)
	}
	code, err := Run(ctx, Command{Args: []string{"no-such-command-awsauth"}}, nil)
	var se *StartError
	if code != 127 || err == nil || !strings.Contains(err.Error(), "command not found: no-such-command-awsauth") {
		t.Errorf("missing command -> %d %v", code, err)
	}
	_ = se
	noexec := filepath.Join(t.TempDir(), "script")
	os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644)
	if code, _ := Run(ctx, Command{Args: []string{noexec}}, nil); code != 126 {
		t.Errorf("not executable -> %d", code)
	}
}

// TestRunRelaysSignals: a TERM sent to awsauth reaches the child, which
// decides how to end (here: exit 7 from its trap).
func TestRunRelaysSignals(t *testing.T) {
	ready := filepath.Join(t.TempDir(), "ready")
	done := make(chan int, 1)
	go func() {
		code, _ := Run(context.Background(), Command{Args: []string{"sh", "-c", "trap 'exit 7' TERM; touch " + ready + "; while :; do sleep 0.05; done"}, Env: os.Environ()}, nil)
		done <- code
	}()
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-done:
		if code != 7 {
			t.Errorf("child exit %d, want 7 from its TERM trap", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("child did not end after TERM")
	}
}

func fixedDir(dir string) func() (string, error) {
	return func() (string, error) { return dir, nil }
}
