package execenv

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

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
