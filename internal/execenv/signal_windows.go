package execenv

import (
	"os"
	"syscall"
)

// Relayed is empty on Windows: there is no SIGHUP or SIGQUIT, and a process
// cannot send another one an interrupt (os.Process.Signal supports only
// Kill). It need not either: Ctrl-C and Ctrl-Break at the console, and
// closing the console window, logging off or shutting down, reach every
// process attached to the console, the child included, which decides how
// to end.
var Relayed []os.Signal

// caught are the console events Run takes over while the child runs, so
// that awsauth outlives the child and passes its exit code on instead of
// dying first. Go reports Ctrl-C and Ctrl-Break as os.Interrupt, and closing
// the console, logging off and shutting down as SIGTERM.
var caught = []os.Signal{os.Interrupt, syscall.SIGTERM}

// relay does nothing: the child got the same console event.
func relay(*os.Process, os.Signal, bool) {}

// signaledCode is never set on Windows: a child's end is its exit code
// alone (0xC000013A for one that Ctrl-C ended), passed on unchanged.
func signaledCode(*os.ProcessState) (int, bool) { return 0, false }
