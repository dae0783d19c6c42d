package awsfake_test

import (
	"errors"
	"syscall"
)

// isConnReset: WSAECONNRESET, which package syscall does not name.
func isConnReset(err error) bool { return errors.Is(err, syscall.Errno(10054)) }
