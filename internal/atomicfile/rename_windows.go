package atomicfile

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// errorSharingViolation is ERROR_SHARING_VIOLATION, which package syscall
// does not name.
const errorSharingViolation syscall.Errno = 32

// rename replaces newpath by oldpath. On Windows that fails while another
// process has newpath open without FILE_SHARE_DELETE, which is how Go,
// Python (the AWS CLI) and most programs open a file to read it. A reader
// holds the file for a moment only, so the rename is tried again, for up to
// about a second in all, before the error is returned.
func rename(oldpath, newpath string) error {
	delay := time.Millisecond
	for {
		err := os.Rename(oldpath, newpath)
		if err == nil || !inUse(err) || delay > 512*time.Millisecond {
			return err
		}
		time.Sleep(delay)
		delay *= 2
	}
}

// inUse is the error of a file that another process holds open.
func inUse(err error) bool {
	return errors.Is(err, syscall.ERROR_ACCESS_DENIED) || errors.Is(err, errorSharingViolation)
}
