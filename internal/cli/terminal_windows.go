package cli

import "os"

// openTerminal opens the console for a prompt: CONIN$ to read what is
// typed and CONOUT$ to show the question, Windows' counterparts of
// /dev/tty. They are there when stdin and stdout are redirected, and absent
// in a process without a console (a service, some CI runners), where the
// open fails.
func openTerminal() (in, out *os.File, err error) {
	in, err = os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	out, err = os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, out, nil
}
