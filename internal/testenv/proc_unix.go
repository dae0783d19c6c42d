//go:build unix && !linux

package testenv

import (
	"os"
	"syscall"
)

// sysProcAttr puts moto in its own process group, so Close can kill whatever
// it starts.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killGroup(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }
