package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/credsource"
	"github.com/awsauth/awsauth/internal/identity"
	"github.com/awsauth/awsauth/internal/iostreams"
	"github.com/awsauth/awsauth/internal/sysenv"
)

const (
	secretKey    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTEDSECRET"
	sessionToken = "PLANTEDSESSIONTOKENvalue0123456789"
)

// fakeSTS answers GetCallerIdentity for any caller.
func fakeSTS(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
<Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>
</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

type run struct {
	code        int
	out, errOut string
}

func runCLI(t *testing.T, env map[string]string, tty bool, args ...string) run {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	if tty {
		ios.SetTTY(true)
		ios.SetColor(true)
	}
	deps := Deps{IO: ios, Env: sysenv.FromMap(env), Now: time.Now, HTTPClient: &http.Client{Timeout: 5 * time.Second}}
	code := Main(context.Background(), args, deps)
	return run{code, out.String(), errOut.String()}
}

func home(t *testing.T, config, creds string) map[string]string {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ".aws"), 0o700)
	if config != "" {
		os.WriteFile(filepath.Join(dir, ".aws", "config"), []byte(config), 0o600)
	}
	if creds != "" {
		os.WriteFile(filepath.Join(dir, ".aws", "credentials"), []byte(creds), 0o600)
	}
	return map[string]string{"HOME": dir, "USERPROFILE": dir, "AWS_EC2_METADATA_DISABLED": "true"}
}

// TestDebugLeaksNoSecret plants secrets in every place status reads them from
// and checks that no output, --debug and --json included, carries them.
func TestDebugLeaksNoSecret(t *testing.T) {
	sts := fakeSTS(t)
	proc := fmt.Sprintf(`sh -c "printf '{\"Version\":1,\"AccessKeyId\":\"AKIAPROCEXAMPLE00000\",\"SecretAccessKey\":\"%s\",\"SessionToken\":\"%s\"}'"`, secretKey, sessionToken)
	if runtime.GOOS == "windows" {
		// The SDK runs credential_process through cmd.exe /C there.
		proc = fmt.Sprintf(`echo {"Version":1,"AccessKeyId":"AKIAPROCEXAMPLE00000","SecretAccessKey":"%s","SessionToken":"%s"}`, secretKey, sessionToken)
	}
	env := home(t, "[profile proc]\nregion = us-east-1\ncredential_process = "+proc+"\n",
		"[keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "+secretKey+"\naws_session_token = "+sessionToken+"\n")
	env["AWS_ENDPOINT_URL_STS"] = sts
	cases := [][]string{
		{"status", "--debug", "--profile", "proc"},
		{"status", "--debug", "--json", "--profile", "proc"},
		{"status", "--debug", "-v", "--profile", "keys", "--region", "us-east-1"},
		{"status", "--debug", "--json", "-v", "--profile", "keys", "--region", "us-east-1"},
		{"profiles", "--debug"},
		{"profiles", "--json"},
	}
	for _, args := range cases {
		r := runCLI(t, env, false, args...)
		if r.code != 0 {
			t.Errorf("%v: exit %d: %s", args, r.code, r.errOut)
		}
		for _, s := range []string{secretKey, sessionToken, "AKIAIOSFODNN7EXAMPLE"} {
			if strings.Contains(r.out+r.errOut, s) {
				t.Errorf("%v: output contains %q", args, s)
			}
		}
	}
	// Environment keys, and a failing STS call, leak nothing either.
	envKeys := home(t, "", "")
	envKeys["AWS_ACCESS_KEY_ID"] = "AKIAI44QH8DHBEXAMPLE"
	envKeys["AWS_SECRET_ACCESS_KEY"] = secretKey
	envKeys["AWS_SESSION_TOKEN"] = sessionToken
	envKeys["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:9"
	envKeys["AWS_REGION"] = "us-east-1"
	r := runCLI(t, envKeys, false, "status", "--debug", "--json")
	if r.code != ExitError {
		t.Errorf("dead endpoint: exit %d, want %d", r.code, ExitError)
	}
	if strings.Contains(r.out+r.errOut, secretKey) || strings.Contains(r.out+r.errOut, sessionToken) {
		t.Errorf("failure output carries a secret:\n%s\n%s", r.out, r.errOut)
	}
}

func TestDebugPrintsTheChain(t *testing.T) {
	env := home(t, "[profile a]\nregion = us-east-1\ncredential_process = /bin/false\n", "")
	r := runCLI(t, env, false, "status", "--offline", "--debug", "--profile", "a")
	if !strings.Contains(r.errOut, "debug: chain: credential-process a: profile a has credential_process") {
		t.Errorf("debug output lacks the chain:\n%s", r.errOut)
	}
	r = runCLI(t, env, false, "status", "--offline", "--profile", "a")
	if strings.Contains(r.errOut, "debug:") {
		t.Errorf("debug lines without --debug:\n%s", r.errOut)
	}
}

func TestColorOnlyOnTTY(t *testing.T) {
	env := home(t, "[profile a]\ncredential_process = /bin/false\n", "")
	r := runCLI(t, env, true, "status", "--offline", "--profile", "a")
	if !strings.Contains(r.out, "\x1b[") {
		t.Errorf("no colour on a TTY:\n%q", r.out)
	}
	r = runCLI(t, env, true, "status", "--offline", "--profile", "a", "--no-color")
	if strings.Contains(r.out, "\x1b[") {
		t.Errorf("colour despite --no-color:\n%q", r.out)
	}
	r = runCLI(t, env, false, "status", "--offline", "--profile", "a")
	if strings.Contains(r.out, "\x1b[") {
		t.Errorf("colour off a TTY:\n%q", r.out)
	}
}

func TestErrorPrintedOnce(t *testing.T) {
	env := home(t, "[profile prod]\ncredential_process = /bin/false\n", "")
	r := runCLI(t, env, false, "status", "--profile", "prd")
	if r.code != ExitError {
		t.Errorf("exit %d", r.code)
	}
	if n := strings.Count(r.errOut, "awsauth: error:"); n != 1 {
		t.Errorf("error printed %d times:\n%s", n, r.errOut)
	}
	if !strings.Contains(r.errOut, "\nhint: did you mean \"prod\"?") {
		t.Errorf("no hint:\n%s", r.errOut)
	}
}

func TestExitCodes(t *testing.T) {
	tr := &awsconfig.Trace{}
	tests := []struct {
		err  error
		want int
	}{
		{&usageError{errors.New("x")}, ExitUsage},
		{errors.New(`unknown command "x" for "awsauth"`), ExitUsage},
		{&credsource.LoginRequiredError{Why: "ended"}, ExitLoginRequired},
		{fmt.Errorf("wrapped: %w", &credsource.LoginRequiredError{}), ExitLoginRequired},
		{&credsource.NoCredentialsError{Trace: tr}, ExitCredentials},
		{&credsource.HopError{Err: &identity.RejectedError{Reason: identity.Expired, Code: "ExpiredToken"}}, ExitCredentials},
		{&identity.RejectedError{Reason: identity.InvalidKey}, ExitCredentials},
		{&identity.RejectedError{Reason: identity.Other}, ExitError},
		{&identity.UnreachableError{Err: errors.New("refused")}, ExitError},
		{&awsconfig.CycleError{Path: []string{"a", "b", "a"}}, ExitError},
		{&silentError{code: ExitCheckFailed, err: errors.New("x")}, ExitCheckFailed},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%T %v) = %d, want %d", tt.err, tt.err, got, tt.want)
		}
	}
}

func TestGlobalFlagsWiring(t *testing.T) {
	env := home(t, "[profile a]\nregion = us-east-1\ncredential_process = /bin/false\n[profile b]\nregion = eu-west-1\ncredential_process = /bin/false\n", "")
	env["AWS_PROFILE"] = "a"
	r := runCLI(t, env, false, "status", "--offline", "--json", "--profile", "b", "--region", "ap-south-1")
	for _, want := range []string{`"profile": "b"`, `"region": "ap-south-1"`, `"offline": true`} {
		if !strings.Contains(r.out, want) {
			t.Errorf("missing %s in:\n%s", want, r.out)
		}
	}
}

// TestOneCommandTreeMatchesTheWholeTree: a run that names its command first
// builds only that command; what it shows and accepts must not differ from
// the whole tree's.
func TestOneCommandTreeMatchesTheWholeTree(t *testing.T) {
	a := &app{}
	subs := a.subcommands()
	for _, c := range subs {
		if got := c.build().Name(); got != c.name {
			t.Errorf("subcommand %q builds %q", c.name, got)
		}
	}
	env := home(t, "[profile dev]\nregion = eu-west-1\n", "")
	for _, c := range subs {
		name := c.name
		alone := runCLI(t, env, false, name, "--help")
		// A global flag first makes Main build the whole tree.
		whole := runCLI(t, env, false, "--no-color", name, "--help")
		if alone.code != 0 || whole.code != 0 {
			t.Fatalf("%s --help: exit %d alone, %d in the whole tree: %s%s", name, alone.code, whole.code, alone.errOut, whole.errOut)
		}
		if alone.out != whole.out {
			t.Errorf("%s --help differs when built alone:\n%s\n--- whole tree:\n%s", name, alone.out, whole.out)
		}
	}
	// A bad flag is the same usage error either way.
	alone := runCLI(t, env, false, "prompt", "--no-such-flag")
	whole := runCLI(t, env, false, "--no-color", "prompt", "--no-such-flag")
	if alone.code != 2 || whole.code != 2 || alone.errOut != whole.errOut {
		t.Errorf("bad flag: alone %d %q, whole %d %q", alone.code, alone.errOut, whole.code, whole.errOut)
	}
}
