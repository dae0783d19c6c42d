package cli

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/awsauth/awsauth/internal/iostreams"
)

// TestExecWatchNeverWritesOnStdout: whatever the flags, what the watch
// says beside the command goes to stderr or the --watch-json file, never to
// the stdout that belongs to the command.
func TestExecWatchNeverWritesOnStdout(t *testing.T) {
	file := &bytes.Buffer{}
	tests := []struct {
		name      string
		json      bool
		file      bool
		human, nd string // "stderr", "file" or "" for none
	}{
		{name: "lines", human: "stderr"},
		{name: "--json", json: true, nd: "stderr"},
		{name: "--watch-json", file: true, human: "stderr", nd: "file"},
		{name: "--json --watch-json", json: true, file: true, human: "stderr", nd: "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			a := &app{deps: Deps{IO: ios}, g: globals{json: tt.json}}
			var s execWatchStreams
			if tt.file {
				s = a.execWatchStreams(file)
			} else {
				s = a.execWatchStreams(nil)
			}
			name := func(w io.Writer) string {
				switch any(w) {
				case nil:
					return ""
				case any(ios.ErrOut):
					return "stderr"
				case any(file):
					return "file"
				case any(ios.Out):
					return "stdout"
				}
				return "something else"
			}
			if got := name(s.human); got != tt.human {
				t.Errorf("lines go to %q, want %q", got, tt.human)
			}
			if got := name(s.json); got != tt.nd {
				t.Errorf("NDJSON goes to %q, want %q", got, tt.nd)
			}
		})
	}
}

// TestLazyFileMadeAtFirstWrite: --watch-json FILE exists only once there is
// something in it, readable by others (it holds no secret), and an old
// file's content is replaced, not added to.
func TestLazyFileMadeAtFirstWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watch.ndjson")
	l := &lazyFile{path: path, perm: 0o644}
	if err := l.Close(); err != nil {
		t.Fatalf("close before any write: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("nothing written, yet the file is there (stat: %v)", err)
	}

	if err := os.WriteFile(path, []byte("old run\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l = &lazyFile{path: path, perm: 0o644}
	if data, err := os.ReadFile(path); err != nil || string(data) != "old run\n" {
		t.Fatalf("before the first write: %q, %v; want the old file untouched", data, err)
	}
	for _, line := range []string{"{\"a\":1}\n", "{\"b\":2}\n"} {
		if _, err := l.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), "{\"a\":1}\n{\"b\":2}\n"; got != want {
		t.Errorf("file holds %q, want %q", got, want)
	}

	fresh := filepath.Join(t.TempDir(), "new.ndjson")
	l = &lazyFile{path: fresh, perm: 0o644}
	if _, err := l.Write([]byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	l.Close()
	fi, err := os.Stat(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && (perm&^0o644 != 0 || perm&0o600 != 0o600) { // no POSIX modes on Windows
		t.Errorf("a new file has mode %v, want at most 0644 and at least 0600", perm)
	}
}

// TestLazyFileReportsWhyItCannotWrite: a file that cannot be made fails
// the write and the close with the reason, naming the path.
func TestLazyFileReportsWhyItCannotWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "watch.ndjson")
	l := &lazyFile{path: path, perm: 0o644}
	if _, err := l.Write([]byte("{}\n")); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
	err := l.Close()
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(path)) {
		t.Errorf("close = %v, want the error naming %s", err, path)
	}
}

// TestFollowNote: "following stack S to its end" is said once, only when
// the command has ended while an operation is followed, whichever comes
// first; not when nothing is followed, nor once the watch is over.
func TestFollowNote(t *testing.T) {
	const line = "awsauth: cdk exited with 0; following stack S to its end"
	tests := []struct {
		name  string
		steps string // f: operation found, c: command ended, w: watch ended
		want  string
	}{
		{"found, then the command ends", "fc", line + "\n"},
		{"the command ends, then found", "cf", line + "\n"},
		{"found again and again", "fcff", line + "\n"},
		{"nothing to follow", "cw", ""},
		{"the watch ended before the command", "fwc", ""},
		{"the command still runs", "f", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			n := &followNote{w: &b}
			for _, s := range tt.steps {
				switch s {
				case 'f':
					n.opFound()
				case 'c':
					n.commandEnded(line)
				case 'w':
					n.watchEnded()
				}
			}
			if b.String() != tt.want {
				t.Errorf("said %q, want %q", b.String(), tt.want)
			}
		})
	}
}
