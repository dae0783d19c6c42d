package execenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
)

// Command is a child to run.
type Command struct {
	Args   []string
	Env    []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// InteractiveTerminal is set when stdin is a terminal: a Ctrl-C there
	// already reaches the child (same process group), so SIGINT is not sent
	// twice. (On Windows nothing is ever sent: see signal_windows.go.)
	InteractiveTerminal bool
}

// StartError is a child that could not be started.
type StartError struct {
	Name string
	Code int // 127 not found, 126 not executable
	Err  error
}

func (e *StartError) Error() string {
	if e.Code == 127 {
		return fmt.Sprintf("command not found: %s", e.Name)
	}
	return fmt.Sprintf("cannot run %s: %v", e.Name, e.Err)
}

func (e *StartError) Unwrap() error { return e.Err }

// Run starts the child, relays signals to it, waits for it, and returns its
// exit code: its own, or (on Unix) 128+N when signal N ended it. The child's life
// decides awsauth's: Run waits for it even when ctx is cancelled (a Ctrl-C
// is the child's to handle), and ctx only bounds the start. onStart, when
// set, is called once the child runs. The error is set only when the child
// could not start ([*StartError]) or its end could not be observed.
func Run(ctx context.Context, c Command, onStart func(pid int)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 1, err
	}
	if len(c.Args) == 0 {
		return 2, errors.New("no command given")
	}
	path, err := exec.LookPath(c.Args[0])
	if err != nil {
		code := 127
		if errors.Is(err, fs.ErrPermission) {
			code = 126
		}
		return code, &StartError{Name: c.Args[0], Code: code, Err: err}
	}
	cmd := exec.Command(path, c.Args[1:]...)
	cmd.Args[0] = c.Args[0]
	cmd.Env = c.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr

	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, caught...)
	defer signal.Stop(sigs)

	if err := cmd.Start(); err != nil {
		code := 126
		if errors.Is(err, fs.ErrNotExist) {
			code = 127
		}
		return code, &StartError{Name: c.Args[0], Code: code, Err: err}
	}
	if onStart != nil {
		onStart(cmd.Process.Pid)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case s := <-sigs:
			relay(cmd.Process, s, c.InteractiveTerminal)
		case err := <-done:
			return exitCode(c.Args[0], cmd, err)
		}
	}
}

// exitCode is the child's code, read from its process state. Wait leaves
// that state nil only when waiting itself failed (the child was reaped by
// someone else, as the kernel does when SIGCHLD is ignored): there is no
// code of the child's to pass on then, and the failure is awsauth's.
// An error from copying the child's output leaves the state set; the
// child's own code wins then, as it does for the shell.
func exitCode(name string, cmd *exec.Cmd, err error) (int, error) {
	st := cmd.ProcessState
	if st == nil {
		if err == nil {
			err = errors.New("no exit status")
		}
		return 1, fmt.Errorf("lost track of %s: %w", name, err)
	}
	if code, ok := signaledCode(st); ok {
		return code, nil
	}
	return st.ExitCode(), nil
}
