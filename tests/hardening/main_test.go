// Package hardening runs the awsauth binary as real processes against the
// in-process fake AWS, to prove what unit tests and scripts cannot show:
//
//   - no secret (static keys, session tokens, SSO access and refresh tokens,
//     client secrets, container and exec endpoint tokens) reaches stdout
//     (except the credentials credential-process and export print by
//     design), stderr, a file outside the caches, an argv, or the exec
//     child's environment, through every command, with --debug and --json,
//     on success and failure paths (leak_test.go);
//   - 50 parallel credential-process calls on a cold cache make one upstream
//     call and all print the same valid credentials, and processes that
//     renew one expired SSO token at once all succeed (parallel_test.go);
//   - SIGKILL at random points of cache writes never leaves a cache file
//     that does not parse (crash_test.go);
//   - exec sessions and logins racing on one SSO cache make one device flow
//     per ended session while the commands under exec keep working, and
//     nothing waits for a login that waits for a person (relogin_test.go).
//
// Under `go test -race` the awsauth binary is built with -race too, and a
// data race reported by any awsauth process fails the test that ran it.
// -short trims the loops. HARDENING_TRACE=1 logs every leak-test run's
// output.
//
// The test binary doubles as the helper programs the tests need (an exec
// child that reports what it sees, a credential_process, an AWS client
// loop): see helper_test.go.
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
