// Package iostreams carries awsauth's standard streams together with what is
// known about the terminal behind them (TTY, colour, width).
//
// Only payloads go to Out (credential-process JSON, export lines, --json);
// prompts, progress and diagnostics go to ErrOut.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is the set of streams a command talks through.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY    bool
	outTTY   bool
	errTTY   bool
	colorOut bool
	colorErr bool
}

// System returns streams bound to the process's stdin, stdout and stderr.
// Colour is enabled on terminals unless NO_COLOR is set or TERM is "dumb".
// A Windows console that cannot take ANSI escape sequences counts as no
// terminal for output: it gets the plain lines a pipe gets.
func System() *IOStreams {
	outTTY := isTerminal(os.Stdout) && ansiTerminal(os.Stdout)
	errTTY := isTerminal(os.Stderr) && ansiTerminal(os.Stderr)
	_, noColor := os.LookupEnv("NO_COLOR")
	dumb := os.Getenv("TERM") == "dumb"
	return &IOStreams{
		inTTY:    isTerminal(os.Stdin),
		In:       os.Stdin,
		Out:      os.Stdout,
		ErrOut:   os.Stderr,
		outTTY:   outTTY,
		errTTY:   errTTY,
		colorOut: outTTY && !noColor && !dumb,
		colorErr: errTTY && !noColor && !dumb,
	}
}

// Test returns streams backed by buffers, with no TTY and no colour.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY marks both output streams as terminals (or not), for tests.
func (s *IOStreams) SetTTY(tty bool) { s.outTTY, s.errTTY = tty, tty }

// SetColor turns colour on or off for both output streams.
func (s *IOStreams) SetColor(on bool) { s.colorOut, s.colorErr = on, on }

// IsStdinTTY reports whether In is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.inTTY }

// IsStdoutTTY reports whether Out is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether ErrOut is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// ColorEnabled reports whether Out may carry ANSI colour.
func (s *IOStreams) ColorEnabled() bool { return s.colorOut }

// ColorScheme returns the palette for Out.
func (s *IOStreams) ColorScheme() *ColorScheme { return &ColorScheme{on: s.colorOut} }

// ErrColorScheme returns the palette for ErrOut.
func (s *IOStreams) ErrColorScheme() *ColorScheme { return &ColorScheme{on: s.colorErr} }

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// ColorScheme wraps text in ANSI colours when enabled, and returns it
// unchanged otherwise.
type ColorScheme struct{ on bool }

func (c *ColorScheme) wrap(code, s string) string {
	if !c.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Bold makes s bold.
func (c *ColorScheme) Bold(s string) string { return c.wrap("1", s) }

// Red colours s red (failures).
func (c *ColorScheme) Red(s string) string { return c.wrap("31", s) }

// Green colours s green (success).
func (c *ColorScheme) Green(s string) string { return c.wrap("32", s) }

// Yellow colours s yellow (warnings).
func (c *ColorScheme) Yellow(s string) string { return c.wrap("33", s) }

// Gray dims s (secondary detail).
func (c *ColorScheme) Gray(s string) string { return c.wrap("90", s) }
