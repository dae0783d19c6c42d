//go:build unix

package execenv

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunSignalExitCodes: a child that a signal ended is 128+N, and a file
// without the execute bit is 126, as in a shell.
func TestRunSignalExitCodes(t *testing.T) {
	ctx := context.Background()
	if code, _ := Run(ctx, Command{Args: []string{"sh", "-c", "kill -TERM $$"}, Env: os.Environ()}, nil); code != 128+int(syscall.SIGTERM) {
		t.Errorf("killed by TERM -> %d", code)
	}
	noexec := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
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

// waitFailsEnv makes the test binary, run again, call Run with SIGCHLD
// ignored: the kernel then reaps the child itself, and Wait fails with no
// process state to read. It runs in its own process so that no other test
// sees SIGCHLD ignored.
const waitFailsEnv = "AWSAUTH_EXECENV_TEST_WAIT_FAILS"

func TestRunWaitFailsWithoutProcessState(t *testing.T) {
	if os.Getenv(waitFailsEnv) == "1" {
		signal.Ignore(syscall.SIGCHLD)
		code, err := Run(context.Background(), Command{Args: []string{"true"}}, nil)
		if err == nil {
			t.Fatalf("Run = %d, nil; want an error: the child's status was lost", code)
		}
		if code == 0 {
			t.Fatalf("Run = 0, %v; want a failure code", err)
		}
		var se *StartError
		if errors.As(err, &se) {
			t.Fatalf("Run = %d, %v: the child did start, this is no start error", code, err)
		}
		t.Logf("Run = %d, %v", code, err)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunWaitFailsWithoutProcessState$", "-test.v")
	cmd.Env = append(os.Environ(), waitFailsEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil || !strings.Contains(out.String(), "--- PASS: TestRunWaitFailsWithoutProcessState") {
		t.Fatalf("the run with SIGCHLD ignored failed (%v):\n%s", err, out.String())
	}
}
