package iostreams

import (
	"os"

	"golang.org/x/sys/windows"
)

// ansiTerminal turns on the console's handling of ANSI escape sequences
// (colours, and the cursor moves of watch's live view) and reports whether
// the console takes them. Windows Terminal has it on; the older console
// host, behind cmd.exe and Windows PowerShell windows, starts with it off
// and would print the sequences as text. It stays on after awsauth exits,
// as it does for other programs that turn it on.
func ansiTerminal(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
