//go:build !unix

package testenv

import (
	"os"
	"syscall"
)

// Without process groups, Close kills moto itself; moto_server starts no
// children of its own.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(p *os.Process) error { return p.Kill() }
