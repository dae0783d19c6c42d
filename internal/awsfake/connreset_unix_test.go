//go:build unix

package awsfake_test

import (
	"errors"
	"syscall"
)

func isConnReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
