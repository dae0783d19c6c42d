//go:build linux

package hardening

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// awsauthBuild is the awsauth binary, built once per test binary.
var awsauthBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], helperFlag) {
		os.Exit(helperMain(strings.TrimPrefix(os.Args[1], helperFlag), os.Args[2:]))
	}
	code := m.Run()
	if awsauthBuild.dir != "" {
		os.RemoveAll(awsauthBuild.dir)
	}
	os.Exit(code)
}

// awsauthBin builds ./cmd/awsauth (with -race when the tests run with it)
// and returns its path.
func awsauthBin(t testing.TB) string {
	t.Helper()
	b := &awsauthBuild
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "awsauth-hardening-bin-")
		if b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "awsauth")
		args := []string{"build", "-o", b.path}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "./cmd/awsauth")...)
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = err
			b.path = string(out)
		}
	})
	if b.err != nil {
		t.Fatalf("go build ./cmd/awsauth: %v\n%s", b.err, b.path)
	}
	return b.path
}

// helperBin is this test binary, which runs a helper program when its first
// argument is helperFlag+MODE.
func helperBin(t testing.TB) string {
	t.Helper()
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}
