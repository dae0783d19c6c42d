package identity

import (
	"errors"
	"syscall"
)

// netErrorText names the network errors people meet most in the words Unix
// uses, the words hints and docs use too. Windows' own texts for them are
// long sentences, in the language of the system.
func netErrorText(err error) (string, bool) {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return "", false
	}
	switch errno {
	case 10061: // WSAECONNREFUSED
		return "connection refused", true
	case 10054: // WSAECONNRESET
		return "connection reset by peer", true
	case 10060: // WSAETIMEDOUT
		return "connection timed out", true
	case 10065: // WSAEHOSTUNREACH
		return "no route to host", true
	case 10051: // WSAENETUNREACH
		return "network is unreachable", true
	}
	return "", false
}
