//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// interruptRun is awsauth started as a person starts it, to be sent a
// Ctrl-C (SIGINT to awsauth alone: on a terminal the child would get its
// own).
type interruptRun struct {
	cmd    *exec.Cmd
	stderr lockedBuffer
	done   chan error
}

// lockedBuffer is written by the process's output copier while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startInterruptible(t *testing.T, bin, home string, extraEnv []string, args ...string) *interruptRun {
	t.Helper()
	r := &interruptRun{cmd: exec.Command(bin, args...), done: make(chan error, 1)}
	r.cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_EC2_METADATA_DISABLED=true", "AWS_REGION=us-east-1", "NO_COLOR=1", "AWSAUTH_NO_AGENT=1"}, extraEnv...)
	r.cmd.Stderr = &r.stderr
	// A grandchild left running (a credential_process's sleep) may hold
	// stderr open after awsauth has gone.
	r.cmd.WaitDelay = time.Second
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		<-r.done
	})
	return r
}

// interrupt sends SIGINT once awsauth has written want on stderr, and
// returns awsauth's exit code, failing unless it ends within 5 s.
func (r *interruptRun) interrupt(t *testing.T, want string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(r.stderr.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("awsauth did not say %q within 20 s:\n%s", want, r.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // into the wait that follows
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.done:
		r.done <- nil // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatalf("awsauth still running 5 s after Ctrl-C:\n%s", r.stderr.String())
	}
	return r.cmd.ProcessState.ExitCode()
}

func wantInterrupted(t *testing.T, r *interruptRun, code int) {
	t.Helper()
	if code != 130 {
		t.Errorf("exit code %d after Ctrl-C, want 130\n%s", code, r.stderr.String())
	}
	if !strings.Contains(r.stderr.String(), "awsauth: error: interrupted") {
		t.Errorf("no one-line message after Ctrl-C:\n%s", r.stderr.String())
	}
}

func writeConfig(t *testing.T, home, config string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Ctrl-C while a credential_process hangs at exec's start stops awsauth
// at once.
func TestExecInterruptedWhileTheSourceHangs(t *testing.T) {
	bin := buildAwsauth(t)
	home := t.TempDir()
	writeConfig(t, home, "[profile slow]\ncredential_process = sh -c 'echo waiting >&2; exec sleep 60'\n")
	r := startInterruptible(t, bin, home, nil, "exec", "--profile", "slow", "--", "true")
	wantInterrupted(t, r, r.interrupt(t, "waiting"))
}

// Ctrl-C while --auto-login waits for the device login to be approved.
func TestExecInterruptedWhileTheLoginWaits(t *testing.T) {
	bin := buildAwsauth(t)
	fake, err := awsfake.Start(t.Context(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	home := t.TempDir()
	writeConfig(t, home, "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\n[sso-session corp]\nsso_start_url = "+awsfake.DefaultStartURL+"\nsso_region = us-east-1\n")
	r := startInterruptible(t, bin, home, []string{"AWS_ENDPOINT_URL_SSO=" + fake.URL(), "AWS_ENDPOINT_URL_SSO_OIDC=" + fake.URL(), "AWSAUTH_NO_BROWSER=1"},
		"exec", "--profile", "dev", "--auto-login", "--", "true")
	wantInterrupted(t, r, r.interrupt(t, "To sign in, open"))
}

// Ctrl-C while exec --watch follows the stack after the command ended.
func TestExecWatchInterruptedAfterTheCommand(t *testing.T) {
	bin := buildAwsauth(t)
	fake, err := awsfake.Start(t.Context(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	home := t.TempDir()
	keys, _ := fake.UserCredentials(awsfake.DefaultUserName)
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[dev]\naws_access_key_id = "+keys.AccessKeyID+"\naws_secret_access_key = "+keys.SecretAccessKey+"\n"), 0o600)
	r := startInterruptible(t, bin, home, []string{"AWS_ENDPOINT_URL_STS=" + fake.URL(), "AWS_ENDPOINT_URL_CLOUDFORMATION=" + fake.URL()},
		"exec", "--profile", "dev", "--watch", "slow", "--", "sleep", "1")
	// The command's deployment: a stack that takes an hour.
	cfn := cloudformation.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(keys.AccessKeyID, keys.SecretAccessKey, "")},
		func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(fake.URL()) })
	time.Sleep(200 * time.Millisecond)
	if _, err := cfn.CreateStack(context.Background(), &cloudformation.CreateStackInput{StackName: aws.String("slow"),
		TemplateBody: aws.String(awsfake.TemplateBody(awsfake.StackResource{LogicalID: "Db", Type: "AWS::RDS::DBInstance", Duration: time.Hour}))}); err != nil {
		t.Fatal(err)
	}
	wantInterrupted(t, r, r.interrupt(t, "following stack slow"))
}

// While the command runs, Ctrl-C is the command's: awsauth relays it and
// exits with the command's code.
func TestExecRelaysCtrlCToTheCommand(t *testing.T) {
	bin := buildAwsauth(t)
	home := t.TempDir()
	keys := "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(keys), 0o600)
	r := startInterruptible(t, bin, home, nil, "exec", "--profile", "dev", "--", "sh", "-c", `trap 'echo got-int >&2; exit 7' INT; echo ready >&2; while :; do sleep 0.1; done`)
	if code := r.interrupt(t, "ready"); code != 7 {
		t.Errorf("exit code %d, want the command's 7\n%s", code, r.stderr.String())
	}
	if !strings.Contains(r.stderr.String(), "got-int") {
		t.Errorf("the command did not get the Ctrl-C:\n%s", r.stderr.String())
	}
}
