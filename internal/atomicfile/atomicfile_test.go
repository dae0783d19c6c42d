package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "f.json")
	if err := Write(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "two" {
		t.Errorf("content %q", data)
	}
	// Windows has no POSIX modes: files under the user's profile are
	// private by its access list, which they inherit.
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(path)
		di, _ := os.Stat(dir)
		if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
			t.Errorf("modes: file %v dir %v", fi.Mode().Perm(), di.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestWriteWhileOpen: a reader that has the file open (the AWS CLI or an
// SDK reading the SSO cache) does not make a write fail. On Windows a file
// opened without FILE_SHARE_DELETE, as Go and Python open files, cannot be
// replaced until it is closed.
func TestWriteWhileOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.json")
	if err := Write(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	reader, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Write(path, []byte("two")) }()
	// The reader lets go a moment later, well within the time Write waits.
	time.Sleep(50 * time.Millisecond)
	reader.Close()
	if err := <-done; err != nil {
		t.Fatalf("write while a reader had the file open: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "two" {
		t.Errorf("content %q, want two", data)
	}
}
