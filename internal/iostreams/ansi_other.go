//go:build !windows

package iostreams

import "os"

// ansiTerminal reports whether a terminal takes ANSI escape sequences:
// every Unix terminal does (TERM=dumb is handled apart).
func ansiTerminal(*os.File) bool { return true }
