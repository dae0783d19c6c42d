package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/credsource"
	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/identity"
	"github.com/awsauth/awsauth/internal/ssotoken"
)

// Exit codes. This table is the one `awsauth help exit-codes` prints.
const (
	ExitOK            = 0
	ExitError         = 1
	ExitUsage         = 2
	ExitLoginRequired = 3
	ExitCredentials   = 4
	ExitCheckFailed   = 5
	ExitStackFailed   = 6
	ExitInterrupted   = 130
)

const exitCodesHelp = `awsauth exits with:

  0  ok
  1  error (bad configuration, unreachable endpoint, anything else)
  2  usage: unknown command or flag, wrong arguments
  3  login required: the IAM Identity Center (SSO) or aws login session must be signed in again
  4  credentials missing, invalid or expired (AWS rejected them, or none were found)
  5  a check failed (doctor, preflight)
  6  the stack failed (watch)
130  interrupted (Ctrl-C)

awsauth exec exits with its child's code (128+N when the child died of signal N).

In scripts:
  awsauth status >/dev/null 2>&1
  case $? in
    0) echo "ready" ;;
    3) awsauth login ;;
    4) echo "no valid credentials" ;;
  esac
`

func newExitCodesTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "exit-codes",
		Short: "What awsauth's exit codes mean",
		Long:  exitCodesHelp,
	}
}

// usageError is a mistake in the command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// interruptedError is a command stopped by Ctrl-C.
type interruptedError struct{ err error }

func (e *interruptedError) Error() string { return e.err.Error() }
func (e *interruptedError) Unwrap() error { return e.err }

// silentError carries an exit code for a failure that was already shown
// (for example in --json output).
type silentError struct {
	code int
	err  error
	show bool // print it anyway (it was not shown yet)
}

func (e *silentError) Error() string { return e.err.Error() }
func (e *silentError) Unwrap() error { return e.err }

// exitCode decides, in one place, what each kind of failure exits with.
func exitCode(err error) int {
	var se *silentError
	if errors.As(err, &se) {
		return se.code
	}
	var usage *usageError
	var login *credsource.LoginRequiredError
	var none *credsource.NoCredentialsError
	var rej *identity.RejectedError
	var mfa *credsource.MFARequiredError
	var relogin *ssotoken.ReloginError
	var intr *interruptedError
	switch {
	case errors.As(err, &intr):
		return ExitInterrupted
	case errors.As(err, &usage), isCobraUsage(err):
		return ExitUsage
	case errors.As(err, &login), errors.As(err, &relogin):
		return ExitLoginRequired
	case errors.As(err, &none), errors.As(err, &mfa):
		return ExitCredentials
	case errors.As(err, &rej):
		if rej.Reason == identity.Other || rej.Reason == identity.ClockSkew {
			return ExitError
		}
		return ExitCredentials
	}
	return ExitError
}

// isCobraUsage recognises the errors cobra makes for unknown commands and
// bad arguments, which it does not type.
func isCobraUsage(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "unknown flag") ||
		strings.HasPrefix(s, "unknown shorthand flag") || strings.Contains(s, "accepts ") && strings.Contains(s, " arg(s)")
}

// report prints err once, with its hints, and returns the exit code.
func (a *app) report(err error) int {
	code := exitCode(err)
	var se *silentError
	if errors.As(err, &se) && !se.show {
		return code
	}
	w := a.deps.IO.ErrOut
	cs := a.deps.IO.ErrColorScheme()
	fmt.Fprintf(w, "%s %s\n", cs.Red("awsauth: error:"), err)
	for _, h := range hint.All(err) {
		fmt.Fprintf(w, "%s %s\n", cs.Yellow("hint:"), h)
	}
	if code == ExitUsage {
		fmt.Fprintln(w, "hint: see awsauth --help")
	}
	return code
}

func writeJSONCompact(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
