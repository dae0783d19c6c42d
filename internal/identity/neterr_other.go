//go:build !windows

package identity

// netErrorText: the system's own texts are the right words on Unix.
func netErrorText(error) (string, bool) { return "", false }
