//go:build !windows

package atomicfile

import "os"

// rename replaces newpath by oldpath, atomically: readers that have the old
// file open keep reading it.
func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }
