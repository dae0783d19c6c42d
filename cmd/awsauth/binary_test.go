package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/credfile"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// buildAwsauth builds awsauth as the README installs it, for tests that
// need the real binary's start-up.
func buildAwsauth(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "awsauth")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, tail(out))
	}
	return bin
}

// TestWarmCredentialProcessSkipsTheSDKSetUp: a warm credential-process is
// answered before the AWS SDK's packages initialise (cmd/awsauth/early),
// and says exactly what the whole command says.
func TestWarmCredentialProcessSkipsTheSDKSetUp(t *testing.T) {
	bin := buildAwsauth(t)
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile dev]\nrole_arn = arn:aws:iam::111111111111:role/Admin\nsource_profile = base\n[profile base]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := sysenv.FromMap(map[string]string{"HOME": home, "USERPROFILE": home})
	now := time.Now()
	data, err := credfile.Marshal(credfile.Entry{AccessKeyID: "ASIAWARMEXAMPLE00001", SecretAccessKey: "warm-secret", SessionToken: "warm-token",
		AccountID: "111111111111", Expiration: now.Add(time.Hour), Obtained: now})
	if err != nil {
		t.Fatal(err)
	}
	dir := credfile.DirFor(env)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credfile.Path(dir, credfile.Key("dev", env)), data, 0o600); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) (stdout, stderr string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"HOME=" + home, "USERPROFILE=" + home, "PATH=" + os.Getenv("PATH"), "GODEBUG=inittrace=1", "AWS_EC2_METADATA_DISABLED=true"}
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("awsauth %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String(), errOut.String()
	}
	const sdkSetUp = "init github.com/aws/aws-sdk-go-v2/service/sts/internal/endpoints"

	warm, trace := run("credential-process", "--profile", "dev")
	if !strings.Contains(warm, `"AccessKeyId":"ASIAWARMEXAMPLE00001"`) {
		t.Fatalf("warm call printed %q", warm)
	}
	if strings.Contains(trace, sdkSetUp) {
		t.Errorf("a warm credential-process ran the SDK's package set-up (something in cmd/awsauth/early's imports now waits for net/http):\n%s", trace)
	}
	// A flag first takes the whole command: the SDK is set up, and the
	// answer is the same.
	whole, trace := run("--profile", "dev", "credential-process")
	if !strings.Contains(trace, sdkSetUp) {
		t.Fatalf("the whole command did not set up the SDK; is inittrace working?\n%s", trace)
	}
	if whole != warm {
		t.Errorf("the early answer differs from the command's:\n%q\n%q", warm, whole)
	}
}

// TestLinkerCanDropUnusedMethods: nothing linked into awsauth may look
// methods up by name at run time (text/template, html/template and
// reflect.Value.MethodByName do). One such call makes the linker keep every
// exported method of every type, the SDK clients' hundreds of unused
// operations among them, and each start of awsauth pays for it: about a
// millisecond, a third of what credential-process and prompt may cost.
func TestLinkerCanDropUnusedMethods(t *testing.T) {
	cmd := exec.Command("go", "build", "-ldflags=-dumpdep", "-o", filepath.Join(t.TempDir(), "awsauth"), ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, tail(out))
	}
	var culprits []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "<ReflectMethod>") {
			culprits = append(culprits, l)
		}
	}
	if len(culprits) > 0 {
		t.Errorf("these calls keep every exported method in the binary (use internal/linefmt, not a template package):\n%s", strings.Join(culprits, "\n"))
	}
}

func tail(b []byte) string {
	if len(b) > 4000 {
		return "..." + string(b[len(b)-4000:])
	}
	return string(b)
}
