package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// Env is a sealed environment: a fresh HOME and the variables a process under
// test may see, none of them inherited from the developer's or CI's AWS setup.
//
// Vars is the whole environment, not a set of overrides: pass [Env.Environ]
// as exec.Cmd.Env, [Env.Lookup] where awsauth takes an environment lookup,
// or call [Env.Apply] for code that reads the process environment (the AWS
// SDK does). Tests may change Vars freely.
type Env struct {
	// Home is the temporary HOME, removed when the test ends.
	Home string
	// Vars holds every variable of the environment.
	Vars map[string]string
}

// keptVars are taken over from the test's own environment when set: PATH to
// find binaries, TMPDIR to honour the machine's temp rules, GOCOVERDIR so
// binaries built with -cover can write their profiles, and what Windows needs
// to run anything at all.
var keptVars = []string{"PATH", "TMPDIR", "GOCOVERDIR", "SYSTEMROOT", "TEMP", "TMP", "PATHEXT", "COMSPEC"}

// SealedEnv returns an environment with a new temporary HOME (t.TempDir) and
// these variables:
//
//	HOME                         the temporary home
//	AWS_CONFIG_FILE              $HOME/.aws/config (not created; see WriteConfig)
//	AWS_SHARED_CREDENTIALS_FILE  $HOME/.aws/credentials
//	AWS_EC2_METADATA_DISABLED    true: nothing ever asks 169.254.169.254
//	NO_COLOR                     1
//	AWSAUTH_NO_AGENT             1: exec renews in its own process (an
//	                             agent it started would outlive the test)
//	PATH, TMPDIR, GOCOVERDIR     as in the test's environment, when set
//
// (plus USERPROFILE=$HOME and what Windows needs there). No other variable is
// inherited, so no AWS_*, AWSAUTH_* or XDG_* variable of the parent process
// leaks in, and cache and config directories all fall under the temporary
// HOME.
func SealedEnv(t testing.TB) *Env {
	t.Helper()
	home := t.TempDir()
	e := &Env{Home: home, Vars: map[string]string{
		"HOME":                        home,
		"AWS_CONFIG_FILE":             filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"NO_COLOR":                    "1",
		"AWSAUTH_NO_AGENT":            "1",
	}}
	if runtime.GOOS == "windows" {
		e.Vars["USERPROFILE"] = home
	}
	for _, k := range keptVars {
		if v, ok := os.LookupEnv(k); ok {
			e.Vars[k] = v
		}
	}
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	return e
}

// ForMoto points the AWS SDK (and the AWS CLI, boto3 and the JS SDK) at m:
// AWS_ENDPOINT_URL and its _STS, _CLOUDFORMATION and _IAM variants become
// m.URL, and AWS_REGION and AWS_DEFAULT_REGION are both set to whichever of
// them is already set, or to us-east-1. It returns e.
func (e *Env) ForMoto(m *MotoServer) *Env {
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL_IAM"} {
		e.Vars[k] = m.URL
	}
	region := TestRegion
	if r := e.Vars["AWS_DEFAULT_REGION"]; r != "" {
		region = r
	}
	if r := e.Vars["AWS_REGION"]; r != "" {
		region = r
	}
	e.Vars["AWS_REGION"] = region
	e.Vars["AWS_DEFAULT_REGION"] = region
	return e
}

// WriteConfig writes text, verbatim, to the file AWS_CONFIG_FILE names, mode
// 0600, and returns its path. Keep INI lines unindented: the SDK reads an
// indented line as the continuation of the one before.
func (e *Env) WriteConfig(t testing.TB, text string) string {
	t.Helper()
	return e.writeAt(t, e.Vars["AWS_CONFIG_FILE"], text, 0o600)
}

// WriteCredentials writes text, verbatim, to the file
// AWS_SHARED_CREDENTIALS_FILE names, mode 0600, and returns its path.
func (e *Env) WriteCredentials(t testing.TB, text string) string {
	t.Helper()
	return e.writeAt(t, e.Vars["AWS_SHARED_CREDENTIALS_FILE"], text, 0o600)
}

// WriteFile writes text to rel, a slash-separated path under HOME, creating
// missing directories 0700, and returns the file's path. A mode of 0 means
// 0600: most files a test writes in HOME hold secrets or stand in for ones
// that do. rel may not be absolute or climb out of HOME.
func (e *Env) WriteFile(t testing.TB, rel, text string, mode fs.FileMode) string {
	t.Helper()
	rel = filepath.FromSlash(rel)
	if !filepath.IsLocal(rel) {
		t.Fatalf("testenv: WriteFile(%q): the path must be relative and stay under HOME", rel)
	}
	return e.writeAt(t, filepath.Join(e.Home, rel), text, mode)
}

func (e *Env) writeAt(t testing.TB, path, text string, mode fs.FileMode) string {
	t.Helper()
	if path == "" || !filepath.IsAbs(path) {
		t.Fatalf("testenv: cannot write %q: not an absolute path", path)
	}
	if mode.Perm() == 0 {
		mode = 0o600
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode.Perm()); err != nil {
		t.Fatal(err)
	}
	// WriteFile leaves the mode of an existing file alone, and the umask
	// trims it for a new one.
	if err := os.Chmod(path, mode.Perm()); err != nil {
		t.Fatal(err)
	}
	return path
}

// Environ returns Vars as sorted KEY=VALUE pairs, for exec.Cmd.Env.
func (e *Env) Environ() []string {
	out := make([]string, 0, len(e.Vars))
	for k, v := range e.Vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// Lookup looks key up in Vars, like os.LookupEnv. The method value e.Lookup
// fits wherever awsauth takes a func(string) (string, bool).
func (e *Env) Lookup(key string) (string, bool) {
	v, ok := e.Vars[key]
	return v, ok
}

// Apply makes the test's own process environment match e for in-process
// code that reads it directly, as the AWS SDK's config loader does: it sets
// Vars, and unsets every AWS_*, AWSAUTH_* and XDG_* variable that Vars does
// not hold. Everything is restored when the test ends. Like t.Setenv, it
// cannot be used in parallel tests.
func (e *Env) Apply(t testing.TB) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := e.Vars[k]; ok || !sealedPrefix(k) {
			continue
		}
		t.Setenv(k, "") // registers the restore of the current value
		if err := os.Unsetenv(k); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range e.Vars {
		t.Setenv(k, v)
	}
}

// sealedPrefix reports whether k is a variable no test may inherit.
func sealedPrefix(k string) bool {
	return strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "AWSAUTH_") || strings.HasPrefix(k, "XDG_")
}
