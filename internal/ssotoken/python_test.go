package ssotoken

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// pythonKey computes a registration key exactly as the AWS CLI v2 does, with
// Python's own json.dumps, from a Python dict literal.
func pythonKey(t *testing.T, dict string) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is needed to check the AWS CLI's key format")
		}
		t.Skip("python3 not found")
	}
	out, err := exec.Command(py, "-c", "import json,hashlib,sys; d="+dict+"; print(hashlib.sha1(json.dumps(d, sort_keys=True).encode('utf-8')).hexdigest())").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
