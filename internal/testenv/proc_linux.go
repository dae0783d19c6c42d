package testenv

import (
	"os"
	"syscall"
)

// sysProcAttr puts moto in its own process group, so Close can kill whatever
// it starts, and has the kernel kill it should the test binary die first
// (e.g. on a go test -timeout panic) before Main can stop it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killGroup(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }
