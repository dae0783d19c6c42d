package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/iostreams"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// runExplain runs the CLI with the explain command registered, as Main
// does, feeding stdin.
func runExplain(t *testing.T, env map[string]string, stdin string, tty bool, args ...string) run {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	if tty {
		ios.SetTTY(true)
		ios.SetColor(true)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	a := &app{deps: Deps{IO: ios, Env: sysenv.FromMap(env), Now: func() time.Time { return now }, HTTPClient: &http.Client{Timeout: time.Second}}}
	root := a.newRoot(nil)
	if c, _, err := root.Find([]string{"explain"}); err != nil || c == root {
		root.AddCommand(a.newExplainCmd())
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

const explainConfig = `[profile legacy]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 333333333333
sso_role_name = ReadOnly
region = eu-west-1

[profile deploy]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = legacy
`

const expiredLine = "An error occurred (ExpiredToken) when calling the CreateChangeSet operation: The security token included in the request is expired"

func TestExplainJSON(t *testing.T) {
	env := home(t, explainConfig, "")
	r := runExplain(t, env, "", false, "explain", "--json", "--profile", "deploy", expiredLine)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.out)
	}
	for _, k := range []string{"cause", "summary", "explanation", "fixes", "matched"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in %s", k, r.out)
		}
	}
	if got["cause"] != "expired_session_token" || got["matched"] != expiredLine || got["found"] != true {
		t.Errorf("cause %v matched %v found %v", got["cause"], got["matched"], got["found"])
	}
	fixes := strings.Join(toStrings(got["fixes"]), "\n")
	for _, want := range []string{"awsauth login --profile deploy", "awsauth exec --profile deploy -- <command>"} {
		if !strings.Contains(fixes, want) {
			t.Errorf("fixes lack %q:\n%s", want, fixes)
		}
	}
	expl, _ := got["explanation"].(string)
	for _, want := range []string{"legacy settings", "one hour"} {
		if !strings.Contains(expl, want) {
			t.Errorf("explanation lacks %q:\n%s", want, expl)
		}
	}
	if r.errOut != "" {
		t.Errorf("stderr: %s", r.errOut)
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestExplainStdinLog reads a log on stdin and reports its first failure.
func TestExplainStdinLog(t *testing.T) {
	env := home(t, explainConfig, "")
	env["AWS_PROFILE"] = "legacy"
	log := "✨  Synthesis time: 3.2s\nMyStack: deploying...\n" +
		"MyStack | 3/9 | UPDATE_FAILED | AWS::Lambda::Function | Fn ExpiredToken: The security token included in the request is expired\n" +
		"MyStack | 4/9 | UPDATE_ROLLBACK_IN_PROGRESS | AWS::CloudFormation::Stack | MyStack\n" +
		"❌  MyStack failed: AccessDenied: User: x is not authorized to perform: cloudformation:DescribeStacks\n"
	r := runExplain(t, env, log, false, "explain")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	for _, want := range []string{
		"The temporary credentials have expired (expired_session_token)",
		"line 3: MyStack | 3/9 | UPDATE_FAILED",
		"Why, for your setup:",
		"awsauth resolves profile legacy (from AWS_PROFILE) to sso-legacy (profile",
		"$ awsauth login --profile legacy",
		"$ awsauth exec --profile legacy -- cdk deploy",
		"Also in the input: access_denied_permissions (line 5)",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "\x1b[") {
		t.Error("colour without a terminal")
	}
}

func TestExplainColourOnTerminal(t *testing.T) {
	env := home(t, explainConfig, "")
	r := runExplain(t, env, "", true, "explain", expiredLine)
	if !strings.Contains(r.out, "\x1b[31m") {
		t.Errorf("no colour on a terminal:\n%q", r.out)
	}
	r = runExplain(t, env, "", true, "explain", "--no-color", expiredLine)
	if strings.Contains(r.out, "\x1b[") {
		t.Errorf("colour with --no-color:\n%q", r.out)
	}
}

func TestExplainNothingToRead(t *testing.T) {
	env := home(t, "", "")
	for _, stdin := range []string{"", "\n  \n\t\n"} {
		r := runExplain(t, env, stdin, false, "explain")
		if r.code != ExitUsage {
			t.Errorf("%q: exit %d, want %d", stdin, r.code, ExitUsage)
		}
		if !strings.Contains(r.errOut, "awsauth: error: nothing to explain") || !strings.Contains(r.errOut, "hint: cdk deploy 2>&1 | awsauth explain") {
			t.Errorf("%q: stderr:\n%s", stdin, r.errOut)
		}
		if r.out != "" {
			t.Errorf("stdout: %q", r.out)
		}
	}
}

func TestExplainUnknownExitsOne(t *testing.T) {
	env := home(t, "", "")
	r := runExplain(t, env, "", false, "explain", "my deploy token seems to have expired, no idea why")
	if r.code != ExitError {
		t.Fatalf("exit %d, want %d", r.code, ExitError)
	}
	if !strings.Contains(r.out, "No known AWS authentication error in the input.") || !strings.Contains(r.out, "The closest known cause: The temporary credentials have expired (expired_session_token)") {
		t.Errorf("stdout:\n%s", r.out)
	}
	r = runExplain(t, env, "", false, "explain", "--json", "hello world")
	var got map[string]any
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatal(err)
	}
	if r.code != ExitError || got["cause"] != "unknown" || got["found"] != false {
		t.Errorf("exit %d, %s", r.code, r.out)
	}
	if r.errOut != "" {
		t.Errorf("stderr with --json: %s", r.errOut)
	}
}

func TestExplainList(t *testing.T) {
	r := runExplain(t, home(t, "", ""), "", false, "explain", "--list")
	if r.code != 0 || !strings.Contains(r.out, "clock_skew") || !strings.Contains(r.out, "role_chaining_duration_limit") {
		t.Errorf("exit %d:\n%s", r.code, r.out)
	}
	r = runExplain(t, home(t, "", ""), "", false, "explain", "--list", "x")
	if r.code != ExitUsage {
		t.Errorf("--list with an argument: exit %d", r.code)
	}
}

// TestExplainNeverEchoesSecrets pastes a log full of secrets, in every
// output form.
func TestExplainNeverEchoesSecrets(t *testing.T) {
	env := home(t, explainConfig, "")
	log := "$ export AWS_SECRET_ACCESS_KEY=" + secretKey + "\n" +
		"aws_session_token = " + sessionToken + "\n" +
		"ExpiredToken: The security token included in the request is expired; key=AKIAIOSFODNN7EXAMPLE secret " + secretKey + " Authorization: Bearer " + sessionToken + "\n"
	for _, args := range [][]string{{"explain"}, {"explain", "--json"}, {"explain", "--debug"}, {"explain", "--json", "--debug", "--profile", "deploy"}} {
		r := runExplain(t, env, log, false, args...)
		if r.code != 0 {
			t.Errorf("%v: exit %d: %s", args, r.code, r.errOut)
		}
		for _, s := range []string{secretKey, sessionToken, "AKIAIOSFODNN7EXAMPLE"} {
			if strings.Contains(r.out+r.errOut, s) {
				t.Errorf("%v: output holds %q:\n%s\n%s", args, s, r.out, r.errOut)
			}
		}
	}
}

// TestExplainBrokenConfig explains even when the profile cannot be resolved.
func TestExplainBrokenConfig(t *testing.T) {
	env := home(t, "[profile x\nregion = eu-west-1\n", "")
	r := runExplain(t, env, "", false, "explain", "botocore.exceptions.NoCredentialsError: Unable to locate credentials")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if !strings.Contains(r.out, "No credentials were found") || !strings.Contains(r.out, "awsauth could not resolve the profile") {
		t.Errorf("stdout:\n%s", r.out)
	}
}

// TestExplainDashReadsStdin: "-" names standard input, as in other tools.
func TestExplainDashReadsStdin(t *testing.T) {
	r := runExplain(t, home(t, "", ""), "botocore.exceptions.NoRegionError: You must specify a region.\n", false, "explain", "--json", "-")
	if r.code != 0 || !strings.Contains(r.out, `"cause": "region_missing"`) {
		t.Errorf("exit %d:\n%s%s", r.code, r.out, r.errOut)
	}
}

// TestExplainDebugShowsTheChain: --debug prints the resolution, like status.
func TestExplainDebugShowsTheChain(t *testing.T) {
	r := runExplain(t, home(t, explainConfig, ""), "", false, "explain", "--debug", "--profile", "deploy", expiredLine)
	if !strings.Contains(r.errOut, "debug: chain: assume-role deploy: profile deploy has role_arn and source_profile = legacy") ||
		!strings.Contains(r.errOut, "debug: explain: read 1 lines") {
		t.Errorf("stderr:\n%s", r.errOut)
	}
	if strings.Contains(r.out, "debug:") {
		t.Error("debug lines on stdout")
	}
}
