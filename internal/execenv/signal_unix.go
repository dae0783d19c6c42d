//go:build unix

package execenv

import (
	"os"
	"syscall"
)

// Relayed are the signals passed on to the child.
var Relayed = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// caught are the signals Run takes over while the child runs: exactly the
// relayed ones.
var caught = Relayed

// relay passes s on to the child, except a Ctrl-C typed at the terminal,
// which the child has received from the kernel already.
func relay(p *os.Process, s os.Signal, interactive bool) {
	if s == syscall.SIGINT && interactive {
		return
	}
	_ = p.Signal(s)
}

// signaledCode is 128+N for a child that signal N ended, as shells report it.
func signaledCode(st *os.ProcessState) (int, bool) {
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	return 0, false
}
