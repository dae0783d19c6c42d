// Package clients proves awsauth against the real AWS clients people run:
// the Go SDK v2, boto3, the JS SDK v3, the AWS CLI v1 and v2, each consuming
// credentials through awsauth exec while those credentials expire every 20
// seconds.
package clients

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// need returns the path of a client program, or skips (fails in CI) without it.
func need(t *testing.T, what, path string, err error) string {
	t.Helper()
	if err != nil || path == "" {
		msg := fmt.Sprintf("%s is not available: %v", what, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI is set: a missing client fails the run)")
		}
		t.Skip(msg)
	}
	return path
}

// findAWSCLI returns an `aws` binary of the given major version.
func findAWSCLI(major string) (string, error) {
	var candidates []string
	if p, err := exec.LookPath("aws"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/aws", "/usr/local/bin/aws")
	for _, c := range candidates {
		out, err := exec.Command(c, "--version").CombinedOutput()
		if err == nil && strings.HasPrefix(string(out), "aws-cli/"+major+".") {
			return c, nil
		}
	}
	return "", fmt.Errorf("no aws-cli/%s.x found (tried %v)", major, candidates)
}

func build(t *testing.T, dir, pkg string) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = filepath.Join("..", "..")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// npmInstall installs the JS client's locked dependencies when missing.
func npmInstall(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	need(t, "node", node, err)
	npm, err := exec.LookPath("npm")
	need(t, "npm", npm, err)
	if _, err := os.Stat(filepath.Join("js", "node_modules", "@aws-sdk", "client-sts")); err != nil {
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = "js"
		if b, err := cmd.CombinedOutput(); err != nil {
			need(t, "the JS SDK v3 (npm ci in tests/clients/js)", "", fmt.Errorf("%v: %s", err, b))
		}
	}
	return node
}

var summaryRE = regexp.MustCompile(`^client=(\S+) calls=(\d+) errors=(\d+) keys=(-?\d+)$`)

// TestExecSoak runs one awsauth exec whose child runs all five clients at
// once for SOAK_SECONDS (default 120), calling GetCallerIdentity every
// second against the fake AWS, which rejects expired credentials. Role
// credentials live 20 seconds. Pass: no client sees a single error, and the
// credentials rotate at least five times.
func TestExecSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak takes minutes")
	}
	seconds := 120.0
	if v := os.Getenv("SOAK_SECONDS"); v != "" {
		seconds, _ = strconv.ParseFloat(v, 64)
	}
	python, err := exec.LookPath("python3")
	need(t, "python3", python, err)
	if err := exec.Command(python, "-c", "import boto3").Run(); err != nil {
		need(t, "boto3", "", err)
	}
	cli1, err := findAWSCLI("1")
	need(t, "the AWS CLI v1", cli1, err)
	cli2, err := findAWSCLI("2")
	need(t, "the AWS CLI v2 (apt-get install -y awscli)", cli2, err)
	node := npmInstall(t)

	bin := t.TempDir()
	awsauth := build(t, bin, "./cmd/awsauth")
	goclient := build(t, bin, "./tests/clients/goclient")

	sc := awsfake.DefaultScenario()
	sc.RoleCredentialLifetime = 20 * time.Second
	sc.AccessTokenLifetime = 10 * time.Minute
	fake, err := awsfake.Start(context.Background(), awsfake.Options{Scenario: &sc})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()

	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws", "sso", "cache"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(`[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = https://awsauth-demo.awsapps.com/start
sso_region = us-east-1
`), 0o600)
	tok := fake.IssueSSOToken()
	cache, _ := json.Marshal(map[string]string{
		"startUrl": "https://awsauth-demo.awsapps.com/start", "region": "us-east-1",
		"accessToken": tok.AccessToken, "expiresAt": tok.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z"),
		"clientId": tok.ClientID, "clientSecret": tok.ClientSecret, "refreshToken": tok.RefreshToken,
		"registrationExpiresAt": tok.RegistrationExpiresAt.UTC().Format("2006-01-02T15:04:05Z"),
	})
	sum := sha1.Sum([]byte("corp"))
	os.WriteFile(filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json"), cache, 0o600)

	tmp := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + tmp, "AWSAUTH_NO_AGENT=1",
		"AWS_ENDPOINT_URL_STS=" + fake.URL(), "AWS_ENDPOINT_URL_SSO=" + fake.URL(), "AWS_ENDPOINT_URL_SSO_OIDC=" + fake.URL(),
		"AWS_EC2_METADATA_DISABLED=true",
		fmt.Sprintf("SOAK_SECONDS=%g", seconds), "SOAK_INTERVAL=1",
		"GO_CLIENT=" + goclient, "NODE=" + node, "PYTHON=" + python, "CLI1=" + cli1, "CLI2=" + cli2,
	}
	wd, _ := os.Getwd()
	script := `"$GO_CLIENT" & "$PYTHON" boto_loop.py & "$NODE" js/loop.mjs & sh cli_loop.sh cli-v1 "$CLI1" & sh cli_loop.sh cli-v2 "$CLI2" & wait`
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second+3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsauth, "exec", "--profile", "dev", "--", "sh", "-c", script)
	cmd.Dir = wd
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("awsauth exec: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), tail(stderr.String(), 4000))
	}
	seen := map[string]bool{}
	sc2 := bufio.NewScanner(&stdout)
	for sc2.Scan() {
		m := summaryRE.FindStringSubmatch(strings.TrimSpace(sc2.Text()))
		if m == nil {
			continue
		}
		name := m[1]
		calls, _ := strconv.Atoi(m[2])
		errs, _ := strconv.Atoi(m[3])
		keys, _ := strconv.Atoi(m[4])
		seen[name] = true
		t.Logf("%-7s calls=%d errors=%d distinct keys=%d", name, calls, errs, keys)
		if errs != 0 {
			t.Errorf("%s saw %d errors", name, errs)
		}
		if calls < int(seconds/4) {
			t.Errorf("%s made only %d calls", name, calls)
		}
		if keys >= 0 && keys < 5 {
			t.Errorf("%s saw %d distinct access keys, want at least 5 rotations", name, keys)
		}
	}
	for _, c := range []string{"go", "boto3", "js", "cli-v1", "cli-v2"} {
		if !seen[c] {
			t.Errorf("no summary from %s\nstdout:\n%s\nstderr:\n%s", c, stdout.String(), tail(stderr.String(), 4000))
		}
	}
	if n := fake.Calls("GetRoleCredentials"); n < 6 {
		t.Errorf("awsauth fetched role credentials %d times, want at least 6 (5 rotations)", n)
	}
	if strings.Contains(stderr.String(), "xpired") {
		t.Errorf("an expiry error reached stderr:\n%s", tail(stderr.String(), 4000))
	}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
