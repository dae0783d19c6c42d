package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/doctor"
	"github.com/awsauth/awsauth/internal/iostreams"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// runChecksCLI runs awsauth with doctor and preflight registered, as Main
// does once the root command lists them.
func runChecksCLI(t *testing.T, env map[string]string, args ...string) run {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	a := &app{deps: Deps{IO: ios, Env: sysenv.FromMap(env), Now: time.Now, HTTPClient: &http.Client{Timeout: 5 * time.Second}}}
	root := a.newRoot(nil)
	if !hasSubcommand(root, "doctor") {
		root.AddCommand(a.newDoctorCmd())
	}
	if !hasSubcommand(root, "preflight") {
		root.AddCommand(a.newPreflightCmd())
	}
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	code := 0
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = a.report(err)
	}
	return run{code, out.String(), errOut.String()}
}

func hasSubcommand(root *cobra.Command, name string) bool {
	for _, c := range root.Commands() {
		if c.Name() == name {
			return true
		}
	}
	return false
}

// appDir is a directory with cdk.context.json and .env. Without cdk.json
// the bootstrap check skips; it is tested against moto in package doctor.
func appDir(t *testing.T, dotenv string) string {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cdk.context.json"), []byte(`{"availability-zones:account=123456789012:region=us-east-1": ["us-east-1a"]}`), 0o600)
	if dotenv != "" {
		os.WriteFile(filepath.Join(dir, ".env"), []byte(dotenv), 0o600)
	}
	return dir
}

func staticEnv(t *testing.T) map[string]string {
	env := home(t, "", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "+secretKey+"\n")
	env["AWS_REGION"], env["AWS_DEFAULT_REGION"] = "us-east-1", "us-east-1"
	// Nothing in these tests may reach AWS itself.
	env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
	return env
}

func TestPreflightFlags(t *testing.T) {
	env := staticEnv(t)
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"preflight", "--expect-account", "12345"}, `account "12345" (from --expect-account) is not an AWS account`},
		{[]string{"preflight", "--expect-region", "Europe"}, `region "Europe"`},
		{[]string{"preflight", "--duration", "-1h"}, "must not be negative"},
		{[]string{"preflight", "--duration", "soon"}, "invalid argument"},
		{[]string{"doctor", "--dir", "/no/such/dir"}, "not a directory"},
		{[]string{"doctor", "extra"}, "takes no arguments"},
	} {
		r := runChecksCLI(t, env, c.args...)
		if r.code != ExitUsage || !strings.Contains(r.errOut, c.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d with %q", c.args, r.code, r.errOut, ExitUsage, c.err)
		}
	}
}

func TestPreflightJSONAndExitCodes(t *testing.T) {
	env := staticEnv(t)
	env["AWS_ENDPOINT_URL_STS"] = fakeSTS(t)
	dir := appDir(t, "")

	// All good: exit 0, one JSON object per preflight check.
	r := runChecksCLI(t, env, "preflight", "--json", "--dir", dir, "--expect-account", "123456789012", "--expect-region", "us-east-1")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	var results []map[string]any
	if err := json.Unmarshal([]byte(r.out), &results); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, r.out)
	}
	if len(results) != len(doctor.Preflight()) {
		t.Errorf("%d results, want %d", len(results), len(doctor.Preflight()))
	}
	for _, res := range results {
		for _, k := range []string{"id", "title", "status", "detail", "fix"} {
			if _, ok := res[k]; !ok {
				t.Errorf("result lacks %q: %v", k, res)
			}
		}
	}
	if r.errOut != "" {
		t.Errorf("stderr not empty: %s", r.errOut)
	}

	// The wrong account: exit 5, and with --json nothing on stderr.
	r = runChecksCLI(t, env, "preflight", "--json", "--dir", dir, "--expect-account", "999999999999")
	if r.code != ExitCheckFailed {
		t.Errorf("wrong account: exit %d, want %d", r.code, ExitCheckFailed)
	}
	if !strings.Contains(r.out, `"status": "fail"`) || r.errOut != "" {
		t.Errorf("wrong account:\n%s\nstderr: %s", r.out, r.errOut)
	}

	// The expectation from .env in --dir, and a table with the fix under
	// the failure, and the error once on stderr.
	r = runChecksCLI(t, env, "preflight", "--dir", appDir(t, "CDK_DEFAULT_ACCOUNT=999999999999\n"))
	if r.code != ExitCheckFailed {
		t.Errorf(".env account: exit %d", r.code)
	}
	if !strings.Contains(r.out, "FAIL  account") || !strings.Contains(r.out, "CDK_DEFAULT_ACCOUNT in .env expects 999999999999\n") ||
		!strings.Contains(r.out, "\n                     fix: pick a profile for account 999999999999") {
		t.Errorf("table:\n%s", r.out)
	}
	if !strings.Contains(r.errOut, "awsauth: error: preflight: 1 check failed: account\n") || strings.Count(r.errOut, "error:") != 1 {
		t.Errorf("stderr: %q", r.errOut)
	}
	if !strings.Contains(r.out, "preflight: ") || !strings.Contains(r.out, " 1 failed") {
		t.Errorf("no summary line:\n%s", r.out)
	}
	for _, s := range []string{secretKey, "AKIAIOSFODNN7EXAMPLE"} {
		if strings.Contains(r.out+r.errOut, s) {
			t.Errorf("output carries %q", s)
		}
	}
}

func TestDoctorStrictAndOffline(t *testing.T) {
	env := staticEnv(t)
	env["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:9" // never called offline
	dir := appDir(t, "")

	// Long-term keys in the credentials file warn: fine without --strict.
	r := runChecksCLI(t, env, "doctor", "--offline", "--dir", dir)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if !strings.Contains(r.out, "warn  static-keys") || !strings.Contains(r.out, "skip  sts ") || !strings.Contains(r.out, "not checked: --offline") {
		t.Errorf("table:\n%s", r.out)
	}
	r = runChecksCLI(t, env, "doctor", "--offline", "--strict", "--dir", dir)
	if r.code != ExitCheckFailed || !strings.Contains(r.errOut, "failed or warned (--strict): static-keys") {
		t.Errorf("--strict: exit %d, stderr %q", r.code, r.errOut)
	}
}

func TestDoctorHelpListsChecks(t *testing.T) {
	r := runChecksCLI(t, nil, "doctor", "--help")
	for _, c := range doctor.All() {
		if !strings.Contains(r.out, c.ID) {
			t.Errorf("doctor --help does not list %s", c.ID)
		}
	}
	r = runChecksCLI(t, nil, "preflight", "--help")
	if strings.Contains(r.out, "repo-secrets") || !strings.Contains(r.out, "cdk-bootstrap    CDK bootstrap stack is in place  (calls AWS)") {
		t.Errorf("preflight --help:\n%s", r.out)
	}
}
