package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinkerCanDropUnusedMethods: nothing linked into awsauth may look
// methods up by name at run time (text/template, html/template and
// reflect.Value.MethodByName do). One such call makes the linker keep every
// exported method of every type, the SDK clients' hundreds of unused
// operations among them, and each start of awsauth pays for it: about a
// millisecond, a third of what credential-process and prompt may cost.
func TestLinkerCanDropUnusedMethods(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to link awsauth: %v", err)
	}
	cmd := exec.Command(gobin, "build", "-ldflags=-dumpdep", "-o", filepath.Join(t.TempDir(), "awsauth"), ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, tail(out))
	}
	var culprits []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "<ReflectMethod>") {
			culprits = append(culprits, l)
		}
	}
	if len(culprits) > 0 {
		t.Errorf("these calls keep every exported method in the binary (use internal/linefmt, not a template package):\n%s", strings.Join(culprits, "\n"))
	}
}

func tail(b []byte) string {
	if len(b) > 4000 {
		return "..." + string(b[len(b)-4000:])
	}
	return string(b)
}
