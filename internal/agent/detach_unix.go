//go:build unix

package agent

import (
	"os/exec"
	"syscall"
)

// detach puts the agent in a session of its own, so that the terminal's
// Ctrl-C and hang-up do not reach it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
