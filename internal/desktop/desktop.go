// Package desktop shows a desktop notification where the system has a
// way to: notify-send (freedesktop, Linux) or osascript (macOS). Elsewhere,
// or when neither is there, it does nothing: the terminal's notice is the
// one that counts.
package desktop

import (
	"context"
	"errors"
	"os/exec"
	"runtime"
	"strconv"
	"time"
)

// ErrUnavailable means this system has no way to show one.
var ErrUnavailable = errors.New("no desktop notifier on this system")

// Notify shows title and body, giving up after 3 s.
func Notify(ctx context.Context, title, body string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	name, args := command(runtime.GOOS, title, body)
	if name == "" {
		return ErrUnavailable
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return ErrUnavailable
	}
	return exec.CommandContext(ctx, path, args...).Run()
}

// command is the notifier for goos, with its arguments; "" when none.
func command(goos, title, body string) (string, []string) {
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd":
		return "notify-send", []string{"--app-name=awsauth", title, body}
	case "darwin":
		// AppleScript string literals: strconv's quoting escapes quotes
		// and backslashes as AppleScript reads them.
		return "osascript", []string{"-e", "display notification " + strconv.Quote(body) + " with title " + strconv.Quote(title)}
	}
	return "", nil
}
