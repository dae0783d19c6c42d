//go:build unix

package cli

import "os"

// openTerminal opens the controlling terminal, /dev/tty, for a prompt: it
// is there when stdin and stdout are redirected, and absent in a process
// without one (CI, a service), where the open fails.
func openTerminal() (in, out *os.File, err error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	return tty, tty, nil
}
