//go:build unix

package testenv

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func umask(mask int) int { return syscall.Umask(mask) }

// processGroupAlive reports whether any process of group pgid is left.
// Close waits for moto, so no zombie of it counts.
func processGroupAlive(pgid int) bool {
	return !errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
}

// goneWithin reports whether process pid is gone within d. An orphan killed
// along with its group lingers as a zombie until init reaps it.
func goneWithin(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartMotoPrivate(t *testing.T) {
	Moto(t) // skips (or fails in CI) without moto_server
	start := time.Now()
	m, err := StartMoto(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("StartMoto took %v", time.Since(start))
	pid := m.Pid()
	if !processGroupAlive(pid) {
		t.Fatalf("moto process group %d not running", pid)
	}
	if code, _ := get(t, m.URL+"/moto-api/"); code != http.StatusOK {
		t.Errorf("GET /moto-api/ = %d", code)
	}
	if shared := Moto(t); shared.URL == m.URL {
		t.Errorf("private moto has the shared one's URL %s", m.URL)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if processGroupAlive(pid) {
		t.Errorf("moto process group %d still alive after Close", pid)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := motoHTTP.Get(m.URL + "/moto-api/"); err == nil {
		t.Error("closed moto still answers")
	}
}

// fakeMoto writes an executable shell script standing in for moto_server.
func fakeMoto(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), MotoBinary)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStartMotoFailureShowsOutput(t *testing.T) {
	bin := fakeMoto(t, "echo 'ImportError: no module named werkzeug' >&2\nexit 3\n")
	_, err := startMoto(t.Context(), bin)
	if err == nil {
		t.Fatal("startMoto succeeded with a moto that exits")
	}
	for _, want := range []string{"did not start", "exit status 3", "ImportError: no module named werkzeug"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// A moto that never answers is killed with everything it started, once the
// start-up deadline passes.
func TestStartMotoTimeoutLeavesNoProcess(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	bin := fakeMoto(t, "sleep 60 &\necho $$ $! > "+pids+"\necho listening, honest\nwait\n")
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := startMoto(ctx, bin)
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") || !strings.Contains(err.Error(), "listening, honest") {
		t.Errorf("startMoto = %v, want a deadline error with the output", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("startMoto took %v to give up, want about 500ms", d)
	}
	b, rerr := os.ReadFile(pids)
	if rerr != nil {
		t.Fatal(rerr)
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		t.Fatalf("pids file = %q, want the script's and its child's", b)
	}
	for _, f := range fields {
		pid, _ := strconv.Atoi(f)
		if !goneWithin(pid, 5*time.Second) {
			t.Errorf("process %d left running", pid)
		}
	}
}

// Losing the chosen port to another process is retried on a new port.
func TestStartMotoRetriesTakenPort(t *testing.T) {
	motoPath, err := exec.LookPath(MotoBinary)
	if err != nil {
		Moto(t) // skips, or fails in CI
	}
	count := filepath.Join(t.TempDir(), "count")
	bin := fakeMoto(t, `if [ ! -e `+count+` ]; then
  : > `+count+`
  echo "Address already in use" >&2
  echo "Port $4 is in use by another program." >&2
  exit 1
fi
exec `+motoPath+` "$@"
`)
	m, err := startMoto(t.Context(), bin)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if code, _ := get(t, m.URL+"/moto-api/"); code != http.StatusOK {
		t.Errorf("GET /moto-api/ = %d", code)
	}
}
