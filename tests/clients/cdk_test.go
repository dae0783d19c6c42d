package clients

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/testenv"
)

// TestCDKDeployUnderExec deploys a real CDK app (aws-cdk 2 and aws-cdk-lib
// from npm, locked in testdata/cdk) with `awsauth exec --watch` against
// moto: the CDK CLI takes its credentials from awsauth's endpoint, and the
// watcher follows the stack to CREATE_COMPLETE.
func TestCDKDeployUnderExec(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the CDK and deploys")
	}
	npx, err := exec.LookPath("npx")
	need(t, "npx", npx, err)
	cdkDir, _ := filepath.Abs(filepath.Join("testdata", "cdk"))
	if _, err := os.Stat(filepath.Join(cdkDir, "node_modules", "aws-cdk-lib")); err != nil {
		npm, err := exec.LookPath("npm")
		need(t, "npm", npm, err)
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = cdkDir
		if b, err := cmd.CombinedOutput(); err != nil {
			need(t, "the CDK (npm ci in tests/clients/testdata/cdk)", "", errorf("%v: %s", err, b))
		}
	}
	moto, err := testenv.StartMoto(context.Background())
	need(t, "moto_server", "moto", err)
	defer moto.Close()
	awsauth := build(t, t.TempDir(), "./cmd/awsauth")

	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[deployer]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"), 0o600)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile deployer]\nregion = us-east-1\n"), 0o600)
	// The CDK reaches moto only through localhost, not 127.0.0.1.
	endpoint := strings.Replace(moto.URL, "127.0.0.1", "localhost", 1)
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + t.TempDir(), "AWSAUTH_NO_AGENT=1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL=" + endpoint,
		"CDK_DEFAULT_ACCOUNT=123456789012", "CDK_DEFAULT_REGION=us-east-1",
		"NPM_CONFIG_UPDATE_NOTIFIER=false", "CDK_DISABLE_VERSION_CHECK=true", "CI=true",
	}
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsauth, args...)
		cmd.Dir = cdkDir
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	if out, err := run("exec", "-q", "--profile", "deployer", "--", npx, "cdk", "bootstrap", "aws://123456789012/us-east-1"); err != nil {
		t.Fatalf("cdk bootstrap under awsauth exec: %v\n%s", err, tail(out, 4000))
	}
	out, err := run("exec", "-q", "--profile", "deployer", "--watch", "AwsauthCdkTest", "--", npx, "cdk", "deploy", "--require-approval", "never")
	if err != nil {
		t.Fatalf("cdk deploy under awsauth exec --watch: %v\n%s", err, tail(out, 4000))
	}
	for _, want := range []string{"✅  AwsauthCdkTest", "ok AwsauthCdkTest: CREATE_COMPLETE"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q:\n%s", want, tail(out, 4000))
		}
	}
	out, err = run("watch", "AwsauthCdkTest", "--profile", "deployer", "--json")
	if err != nil || !strings.Contains(out, `{"stack":"AwsauthCdkTest","status":"CREATE_COMPLETE","root_cause":null,"next_step":null}`) {
		t.Errorf("watch after the deploy: %v\n%s", err, tail(out, 2000))
	}
}
