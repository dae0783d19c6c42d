package execenv

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
)

// childExitEnv makes the test binary, started as a child by a test, exit at
// once with the code it names: a child that runs the same on every
// platform, with no shell needed.
const childExitEnv = "AWSAUTH_EXECENV_TEST_CHILD_EXIT"

func TestMain(m *testing.M) {
	if v, ok := os.LookupEnv(childExitEnv); ok {
		code, err := strconv.Atoi(v)
		if err != nil {
			code = 99
		}
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestRunExitCodes: the child's own code comes back unchanged; a command
// that is not there is 127, as in a shell.
func TestRunExitCodes(t *testing.T) {
	ctx := context.Background()
	for _, want := range []int{0, 1, 42, 255} {
		env := append(os.Environ(), childExitEnv+"="+strconv.Itoa(want))
		code, err := Run(ctx, Command{Args: []string{os.Args[0]}, Env: env}, nil)
		if code != want || err != nil {
			t.Errorf("child exits %d: Run = %d, %v", want, code, err)
		}
	}
	code, err := Run(ctx, Command{Args: []string{"no-such-command-awsauth"}}, nil)
	if code != 127 || err == nil || !strings.Contains(err.Error(), "command not found: no-such-command-awsauth") {
		t.Errorf("missing command -> %d %v", code, err)
	}
}
