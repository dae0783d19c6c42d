package explain

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/ssotoken"
	"github.com/awsauth/awsauth/internal/sysenv"
)

func scanString(t testing.TB, s string) *Scan {
	t.Helper()
	sc, err := ScanLog(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestSamples checks every message people posted in public threads against
// the cause it stands for.
func TestSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.src, func(t *testing.T) {
			sc := scanString(t, s.text)
			if sc.Root == nil {
				t.Fatalf("no cause found; want %s (guess %q)\n%s", s.cause, sc.Guess, s.text)
			}
			if sc.Root.Cause != s.cause {
				t.Fatalf("cause %s (line %d: %s), want %s", sc.Root.Cause, sc.Root.Line, sc.Root.Text, s.cause)
			}
		})
	}
}

// TestEveryCauseHasSamples keeps the table and the real messages together:
// a cause nobody has been seen to hit, in the samples or the corpus, has no
// place in the table.
func TestEveryCauseHasSamples(t *testing.T) {
	count, inCorpus := map[Cause]int{}, map[Cause]int{}
	for _, s := range samples {
		count[s.cause]++
	}
	for _, e := range loadCorpus(t) {
		inCorpus[e.Cause]++
	}
	for _, r := range rules {
		if count[r.Cause]+inCorpus[r.Cause] == 0 {
			t.Errorf("%s has no real sample", r.Cause)
		}
		t.Logf("%-30s %2d samples, %2d in the corpus", r.Cause, count[r.Cause], inCorpus[r.Cause])
	}
}

func TestRulesAreWellFormed(t *testing.T) {
	seen := map[Cause]bool{}
	for _, r := range rules {
		if seen[r.Cause] {
			t.Errorf("%s appears twice", r.Cause)
		}
		seen[r.Cause] = true
		if r.Title == "" || r.Summary == "" || r.Explain == "" || len(r.Fixes) == 0 || len(r.Match) == 0 {
			t.Errorf("%s lacks a title, summary, explanation, fix or pattern", r.Cause)
		}
		for _, pt := range r.Match {
			for _, f := range pt.All {
				if strings.TrimSpace(f) != f || f == "" {
					t.Errorf("%s: fragment %q", r.Cause, f)
				}
			}
		}
		for _, a := range r.When {
			if a.If.Test == nil || a.If.Doc == "" {
				t.Errorf("%s: advice without a documented condition", r.Cause)
			}
		}
		extractors(&r) // compiles, or panics
		texts := []string{r.Summary, r.Explain}
		for _, f := range r.Fixes {
			texts = append(texts, f.Cmd, f.Note)
		}
		for _, a := range r.When {
			texts = append(texts, a.Why)
			for _, f := range a.Fixes {
				texts = append(texts, f.Cmd, f.Note)
			}
		}
		for _, text := range texts {
			for _, name := range braced(text) {
				if _, ok := placeholders[name]; !ok && !strings.ContainsAny(name, `" :`) {
					t.Errorf("%s: unknown placeholder {%s}", r.Cause, name)
				}
			}
		}
	}
}

func braced(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
}

// TestRootIsTheFirstFailure: in a deployment log the first failure is the
// cause; the rollback and the errors that follow are consequences.
func TestRootIsTheFirstFailure(t *testing.T) {
	log := strings.Join([]string{
		"✨  Synthesis time: 4.54s",
		"current credentials could not be used to assume 'arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-eu-west-1', but are for the right account. Proceeding anyway.",
		"MyStack: deploying... [1/1]",
		"MyStack | 12/40 | 10:02:11 | UPDATE_IN_PROGRESS | AWS::Lambda::Function | Fn",
		"MyStack | 13/40 | 11:02:12 | UPDATE_FAILED | AWS::ECS::Service | Svc ExpiredToken: The security token included in the request is expired",
		"MyStack | 14/40 | 11:02:13 | UPDATE_ROLLBACK_IN_PROGRESS | AWS::CloudFormation::Stack | MyStack",
		"❌  MyStack failed: AccessDenied: User: arn:aws:sts::111111111111:assumed-role/Dev/me is not authorized to perform: cloudformation:DescribeStackEvents",
		"MyStack | 40/40 | 11:09:00 | UPDATE_ROLLBACK_COMPLETE | AWS::CloudFormation::Stack | MyStack",
	}, "\n")
	sc := scanString(t, log)
	if sc.Root == nil || sc.Root.Cause != ExpiredSessionToken || sc.Root.Line != 5 {
		t.Fatalf("root = %+v, want expired_session_token on line 5", sc.Root)
	}
	want := []Also{{AssumeRoleDenied, 2}, {AccessDenied, 7}}
	if !slices.Equal(sc.Also, want) {
		t.Errorf("also = %v, want %v", sc.Also, want)
	}
	if sc.Tool != "cdk deploy" {
		t.Errorf("tool = %q", sc.Tool)
	}
}

// TestPrioritiesInsideOneLine: when a line carries two causes, the more
// specific one wins.
func TestPrioritiesInsideOneLine(t *testing.T) {
	for _, c := range []struct {
		line string
		want Cause
	}{
		{"An error occurred (SignatureDoesNotMatch) when calling the AssumeRole operation: Signature expired: 20160609T184512Z is now earlier than 20160610T013008Z (20160610T014508Z - 15 min.)", ClockSkew},
		{"An error occurred (AccessDenied) when calling the AssumeRole operation: MultiFactorAuthentication failed with invalid MFA one time pass code.", MFARequired},
		{"An error occurred (ExpiredTokenException) when calling the AssumeRoleWithWebIdentity operation: Token expired", WebIdentityFailed},
		{"operation error SSO OIDC: CreateToken, https response error StatusCode: 400, ExpiredTokenException: Token expired", ExpiredSSOToken},
		{"AccessDeniedException: The security token included in the request is expired", ExpiredSessionToken},
		{"Missing credentials in config: The security token included in the request is invalid", InvalidClientTokenID},
	} {
		sc := scanString(t, c.line)
		if sc.Root == nil || sc.Root.Cause != c.want {
			t.Errorf("%q: got %+v, want %s", c.line, sc.Root, c.want)
		}
	}
}

func TestWrapperLinesYield(t *testing.T) {
	// Terraform's summary line first, the provider's error below it.
	sc := scanString(t, "Error: No valid credential sources found\n\nError: failed to refresh cached credentials, process provider error: error in credential_process: exit status 127\n")
	if sc.Root.Cause != CredentialProcessFailed || sc.Root.Line != 3 {
		t.Errorf("root = %+v", sc.Root)
	}
	// Only wrapper lines: the first of them.
	sc = scanString(t, "x\nCredentialsError: Missing credentials in config, if using AWS_CONFIG_FILE, set AWS_SDK_LOAD_CONFIG=1\n")
	if sc.Root.Cause != SDKLoadConfigMissing || !sc.Root.Weak || sc.Root.Line != 2 {
		t.Errorf("root = %+v", sc.Root)
	}
}

func TestExtract(t *testing.T) {
	for _, c := range []struct {
		line string
		want map[string]string
	}{
		{"[50%] fail: Need to perform AWS calls for account 222222222222, but the current credentials are for 111111111111.",
			map[string]string{"account": "222222222222", "current_account": "111111111111"}},
		{"botocore.exceptions.ProfileNotFound: The config profile (prdo) could not be found",
			map[string]string{"named_profile": "prdo"}},
		{"Error loading configuration: failed to get shared config profile, staging",
			map[string]string{"named_profile": "staging"}},
		{"User: arn:aws:iam::1:user/x is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-west-2:1:parameter/x because no identity-based policy allows",
			map[string]string{"action": "ssm:GetParameter", "resource": "arn:aws:ssm:us-west-2:1:parameter/x"}},
		{"is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/cross-account-assume-role",
			map[string]string{"target_role": "arn:aws:iam::210987654321:role/cross-account-assume-role"}},
		{"Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)",
			map[string]string{"request_time": "20220127T001427Z", "server_time": "20220127T015928Z"}},
		{"20150307T194740Z is now earlier than 20150309T203545Z (20150309T204045Z - 5 min.)",
			map[string]string{"request_time": "20150307T194740Z", "server_time": "20150309T204045Z"}},
		{"CredentialsProviderError: Profile staging could not be found or parsed in shared credentials file.",
			map[string]string{"named_profile": "staging"}},
		{`* The role "arn:aws:iam::222222222222:role/devops" cannot be assumed.`,
			map[string]string{"target_role": "arn:aws:iam::222222222222:role/devops"}},
		{"│ IAM Role (arn:aws:iam::222222222222:role/TerraformExecutionRoleDev) cannot be assumed.",
			map[string]string{"target_role": "arn:aws:iam::222222222222:role/TerraformExecutionRoleDev"}},
		{"botocore.exceptions.ConfigParseError: Unable to parse config file: /var/lib/jenkins/.aws/config",
			map[string]string{"config_path": "/var/lib/jenkins/.aws/config"}},
		{"panic: SharedConfigLoadError: failed to load config file, /Users/me/.aws/config",
			map[string]string{"config_path": "/Users/me/.aws/config"}},
		{"configparser.DuplicateSectionError: While reading from '/home/me/.aws/credentials' [line 103]: section 'None' already exists",
			map[string]string{"config_path": "/home/me/.aws/credentials", "config_line": "103"}},
	} {
		sc := scanString(t, c.line)
		if sc.Root == nil {
			t.Errorf("%q: no cause", c.line)
			continue
		}
		for k, v := range c.want {
			if sc.Root.Vars[k] != v {
				t.Errorf("%q: %s = %q, want %q", c.line, k, sc.Root.Vars[k], v)
			}
		}
	}
	if d, ok := skew("20220127T001427Z", "20220127T015928Z"); !ok || d != "about 1h45m behind AWS" {
		t.Errorf("skew = %q", d)
	}
}

func TestGuessWhenNothingMatches(t *testing.T) {
	sc := scanString(t, "deploy failed: my AWS token seems to have expired again?\n")
	if sc.Root != nil || sc.Guess != ExpiredSessionToken {
		t.Errorf("root %+v guess %q", sc.Root, sc.Guess)
	}
	// The next closest come with it, most alike first.
	if len(sc.Closest) < 2 || len(sc.Closest) > maxClosest || sc.Closest[0] != sc.Guess || sc.Closest[1] != ExpiredSSOToken {
		t.Errorf("closest %q", sc.Closest)
	}
	if res := Diagnose(sc, &Situation{}); res.Found || res.Cause != ExpiredSessionToken || !slices.Equal(res.Closest, sc.Closest) {
		t.Errorf("result %+v", res)
	}
	sc = scanString(t, "hello world\n")
	if sc.Root != nil || sc.Guess != "" {
		t.Errorf("root %+v guess %q", sc.Root, sc.Guess)
	}
	res := Diagnose(sc, &Situation{Profile: "default"})
	if res.Found || res.Cause != Unknown || len(res.Fixes) == 0 {
		t.Errorf("result %+v", res)
	}
}

func TestBlankAndEmpty(t *testing.T) {
	for _, in := range []string{"", "\n\n", "  \t \r\n"} {
		sc := scanString(t, in)
		if !sc.Blank || sc.Root != nil {
			t.Errorf("%q: %+v", in, sc)
		}
	}
	if sc := scanString(t, "x"); sc.Blank || sc.Lines != 1 {
		t.Errorf("one line without newline: %+v", sc)
	}
}

// TestLongLines: a line longer than MaxLine is cut, not fatal, and what
// follows it is still read.
func TestLongLines(t *testing.T) {
	var b strings.Builder
	b.WriteString("start\n")
	b.WriteString(strings.Repeat("x", 3*MaxLine+17))
	b.WriteString(" ExpiredToken far past the cut\n")
	b.WriteString("noise\n")
	b.WriteString("An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation\n")
	sc := scanString(t, b.String())
	if sc.Cut != 1 || sc.Lines != 4 {
		t.Errorf("cut %d lines %d", sc.Cut, sc.Lines)
	}
	if sc.Root == nil || sc.Root.Cause != InvalidClientTokenID || sc.Root.Line != 4 {
		t.Errorf("root %+v", sc.Root)
	}
	if sc.Bytes != int64(b.Len()) {
		t.Errorf("bytes %d, want %d", sc.Bytes, b.Len())
	}
	// A match inside the kept part of a long line is shown shortened.
	long := strings.Repeat("y", 5000) + " ExpiredToken: The security token included in the request is expired " + strings.Repeat("z", 5000)
	sc = scanString(t, long)
	if sc.Root == nil || len(sc.Root.Text) > maxShown+8 || !strings.Contains(sc.Root.Text, "ExpiredToken") {
		t.Errorf("shown %d bytes: %.80q", len(sc.Root.Text), sc.Root.Text)
	}
}

// TestBoundedMemory reads 20 MB without newlines and 20 MB of short lines;
// the heap must not grow with the input.
func TestBoundedMemory(t *testing.T) {
	for name, r := range map[string]func() *repeatReader{
		"one line":    func() *repeatReader { return &repeatReader{chunk: []byte("abcdefghij"), left: 20 << 20} },
		"short lines": func() *repeatReader { return &repeatReader{chunk: []byte("info: all fine here\n"), left: 20 << 20} },
	} {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		sc, err := ScanLog(r())
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 4<<20 {
			t.Errorf("%s: heap grew by %d bytes", name, grew)
		}
		if sc.Bytes != 20<<20 {
			t.Errorf("%s: read %d bytes", name, sc.Bytes)
		}
	}
}

type repeatReader struct {
	chunk []byte
	left  int
	off   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:min(len(p), n+r.left)], r.chunk[r.off:])
		r.off = (r.off + c) % len(r.chunk)
		n += c
		r.left -= c
	}
	return n, nil
}

// TestBinaryJunk: arbitrary bytes are read without failing, and nothing
// that could drive a terminal comes back out.
func TestBinaryJunk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	junk := make([]byte, 1<<20)
	for i := range junk {
		junk[i] = byte(rng.IntN(256))
	}
	junk = append(junk, "\x1b[31m\x00ExpiredToken\x1b]0;pwned\x07: \x9b2Jthe security token included in the request is expired\xff\xfe\n"...)
	sc, err := ScanLog(bytes.NewReader(junk))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Root == nil {
		t.Fatal("the error after the junk was not found")
	}
	for _, r := range sc.Root.Text {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			t.Fatalf("control character %U in %q", r, sc.Root.Text)
		}
	}
	if strings.Contains(sc.Root.Text, "pwned") {
		t.Errorf("escape sequence payload kept: %q", sc.Root.Text)
	}
}

const (
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testToken  = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6bxRsVq1nJm2yuD4Qq0YTsD8nKb7lVAVPyoJvFFe+5wIgAl4eYs2bG3d7cz0xS1PuNMGmgq1aE/gP1a7cBWZ3fUYqnAIIw///////////ARAAGgw0NTYyNjU3NDQyMDAiDFzz"
	testJWT    = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJyZXBvOm9yZy9hcHAiLCJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSJ9.c2lnbmF0dXJlLXZhbHVlLWhlcmU"
)

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, gone string }{
		{"aws_secret_access_key=" + testSecret, testSecret},
		{"aws_secret_access_key = short", "short"},
		{"AWS_SECRET_ACCESS_KEY=" + testSecret + " cdk deploy", testSecret},
		{`export AWS_SESSION_TOKEN="` + testToken + `"`, testToken},
		{`{"AccessKeyId":"ASIAIOSFODNN7EXAMPLE","SecretAccessKey":"` + testSecret + `","SessionToken":"` + testToken + `"}`, testSecret},
		{`{"SessionToken":"abc123"}`, "abc123"},
		{"secret " + testSecret + " in prose", testSecret},
		{"Authorization: Bearer abcdefghijklmnop.qrstuv", "abcdefghijklmnop"},
		{"token " + testJWT, testJWT[:40]},
		{"https://bucket.s3.amazonaws.com/k?X-Amz-Security-Token=FwoGZXIvYXdzEBYa&X-Amz-Signature=0123abcd", "FwoGZXIvYXdzEBYa"},
		{"https://bucket.s3.amazonaws.com/k?X-Amz-Security-Token=FwoGZXIvYXdzEBYa&X-Amz-Signature=0123abcd", "0123abcd"},
		{`"accessToken": "aoaAAAAAGWPxv3h9mQ2:MGUCMQD"`, "aoaAAAAAGWPxv3h9mQ2"},
		{"Credential=AKIAIOSFODNN7EXAMPLE/20220101/us-east-1/sts/aws4_request, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7", "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"},
		{"key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE"},
	} {
		got := Redact(c.in)
		if strings.Contains(got, c.gone) {
			t.Errorf("Redact(%q) = %q still holds %q", c.in, got, c.gone)
		}
	}
	// What explains the error stays.
	for _, keep := range []string{
		"An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired",
		"Error loading SSO Token: The SSO access token has either expired or is otherwise invalid.",
		"Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)",
		"failed to read cached SSO token file, open ~/.aws/sso/cache/9ed037b84943c4caa3a520e48a5540181c46c98c.json: no such file or directory",
		"is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/cdk-hnb659fds-deploy-role-210987654321-eu-west-1",
	} {
		if got := Redact(keep); got != keep {
			t.Errorf("Redact changed %q\n to %q", keep, got)
		}
	}
	if got := Redact("key AKIAIOSFODNN7EXAMPLE used"); got != "key AKIA************MPLE used" {
		t.Errorf("key id: %q", got)
	}
}

// TestSecretsNeverComeBack plants secrets in the line that matches and
// around it, and checks the whole result.
func TestSecretsNeverComeBack(t *testing.T) {
	log := "export AWS_SECRET_ACCESS_KEY=" + testSecret + "\n" +
		"ExpiredToken: The security token included in the request is expired (token " + testToken + ", secret " + testSecret + ", Authorization: Bearer " + testJWT + ")\n" +
		"aws_session_token = " + testToken + "\n"
	sc := scanString(t, log)
	res := Diagnose(sc, &Situation{Profile: "p"})
	all := res.Matched + res.Explanation + strings.Join(res.Fixes, " ") + res.Summary
	for _, s := range []string{testSecret, testToken, testJWT, testToken[:40], testSecret[:20]} {
		if strings.Contains(all, s) {
			t.Errorf("output holds %.30q...:\n%s", s, all)
		}
	}
	if !strings.Contains(res.Matched, "ExpiredToken") {
		t.Errorf("matched: %q", res.Matched)
	}
}

// TestAutomatonAgreesWithContains compares the one-pass matcher with
// strings.Contains over the samples and random text.
func TestAutomatonAgreesWithContains(t *testing.T) {
	a := compiled()
	lines := []string{}
	for _, s := range samples {
		lines = append(lines, strings.Split(s.text, "\n")...)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := "abcdefghijklmnopqrstuvwxyzEXPIREDTOKEN .:()_-/'"
	for range 2000 {
		b := make([]byte, rng.IntN(200))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		lines = append(lines, string(b))
	}
	for _, n := range a.needles {
		lines = append(lines, "x"+strings.ToUpper(n.text)+"y", n.text[:len(n.text)/2]+n.text)
	}
	for _, line := range lines {
		got := map[int32]bool{}
		for _, id := range a.scan([]byte(line), nil) {
			got[id] = true
		}
		low := strings.ToLower(line)
		for id, n := range a.needles {
			if want := strings.Contains(low, n.text); want != got[int32(id)] {
				t.Fatalf("needle %q in %q: automaton %v, Contains %v", n.text, line, got[int32(id)], want)
			}
		}
	}
}

func FuzzScanLog(f *testing.F) {
	for _, s := range samples {
		f.Add(s.text)
	}
	f.Add("\x1b[1m\x00\xff")
	f.Fuzz(func(t *testing.T, in string) {
		sc, err := ScanLog(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		res := Diagnose(sc, &Situation{Profile: "p"})
		if res.Cause == "" {
			t.Fatal("empty cause")
		}
		for _, r := range res.Matched {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("control character in %q", res.Matched)
			}
		}
	})
}

// TestDocsAreGenerated fails when docs/troubleshooting.md differs from
// what the rules generate.
func TestDocsAreGenerated(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "troubleshooting.md")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := Markdown(); !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date with internal/explain/rules.go: run go generate ./internal/explain", path)
	}
	for _, r := range rules {
		if !bytes.Contains(got, []byte(`<a id="`+string(r.Cause)+`"></a>`)) {
			t.Errorf("the guide has no section for %s", r.Cause)
		}
	}
}

// situationFor resolves a profile from config text, as the CLI does.
func situationFor(t *testing.T, config, creds string, env map[string]string, profile string, now time.Time) *Situation {
	t.Helper()
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600)
	if creds != "" {
		os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(creds), 0o600)
	}
	m := map[string]string{"HOME": home, "USERPROFILE": home}
	for k, v := range env {
		m[k] = v
	}
	e := sysenv.FromMap(m)
	inv, err := awsconfig.Load(awsconfig.LocateFiles(e))
	if err != nil {
		t.Fatal(err)
	}
	tr, rerr := awsconfig.ResolveIn(context.Background(), inv, awsconfig.Request{Profile: profile, Env: e}, e)
	return Describe(tr, rerr, inv, e, now)
}

const personalConfig = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile deploy]
role_arn = arn:aws:iam::222222222222:role/Deploy
source_profile = dev
region = eu-west-1

[profile legacy]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 333333333333
sso_role_name = ReadOnly
region = eu-west-1

[profile mfa]
role_arn = arn:aws:iam::444444444444:role/Admin
source_profile = keys
mfa_serial = arn:aws:iam::555555555555:mfa/me

[profile prod]
role_arn = arn:aws:iam::222222222222:role/Prod
source_profile = keys

[profile console]
login_session = arn:aws:iam::666666666666:user/dev
region = eu-west-1
`

const personalCreds = `[keys]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = ` + testSecret + `
`

func diagnoseFor(t *testing.T, line string, sit *Situation) *Result {
	t.Helper()
	res := Diagnose(scanString(t, line), sit)
	if !res.Found {
		t.Fatalf("%q: not found", line)
	}
	return res
}

func TestPersonalisedAnswers(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	expired := "An error occurred (ExpiredToken) when calling the CreateChangeSet operation: The security token included in the request is expired"
	for _, c := range []struct {
		name    string
		line    string
		profile string
		env     map[string]string
		want    []string // in the explanation
		fixes   []string // among the fixes
		not     []string
	}{
		{name: "legacy SSO cannot refresh", line: expired, profile: "legacy",
			want:  []string{"legacy settings", "no refresh token", "Profile legacy"},
			fixes: []string{"awsauth login --profile legacy", "awsauth exec --profile legacy -- <command>"}},
		{name: "role chained on SSO is capped at an hour", line: expired, profile: "deploy",
			want:  []string{"arn:aws:iam::222222222222:role/Deploy", "one hour", "sso-session corp", "no SSO token is cached"},
			fixes: []string{"awsauth exec --profile deploy -- <command>", "awsauth login --profile deploy"}},
		{name: "stale keys in the environment", line: expired,
			env:   map[string]string{"AWS_ACCESS_KEY_ID": "ASIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": "y", "AWS_PROFILE": "dev"},
			want:  []string{"gone stale"},
			fixes: []string{"unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"}},
		{name: "role from long-term keys is not chained", line: expired, profile: "prod",
			want: []string{"duration_seconds"}, not: []string{"chained sessions"}},
		{name: "SSO error but the profile is not SSO", line: "Error when retrieving token from sso: Token has expired and refresh failed", profile: "prod",
			want: []string{"not IAM Identity Center", "another profile"}},
		{name: "profile typo", line: "The config profile (delpoy) could not be found", profile: "dev",
			want: []string{"Did you mean deploy?"}, fixes: []string{"export AWS_PROFILE=deploy"}},
		{name: "CDK wrong account names the right profile", line: "Need to perform AWS calls for account 333333333333, but the current credentials are for 111111111111", profile: "dev",
			want: []string{"Profile legacy is for account 333333333333", "Profile dev is for account 111111111111"}, fixes: []string{"awsauth exec --profile legacy -- cdk deploy"}},
		{name: "MFA serial named", line: "MultiFactorAuthentication failed with invalid MFA one time pass code.", profile: "mfa",
			want: []string{"mfa_serial = arn:aws:iam::555555555555:mfa/me"}},
		{name: "role without MFA", line: "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.", profile: "prod",
			fixes: []string{"add mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME to [profile prod]"}},
		{name: "region only in AWS_REGION", line: "botocore.exceptions.NoRegionError: You must specify a region.", profile: "prod",
			env:  map[string]string{"AWS_REGION": "eu-central-1"},
			want: []string{"eu-central-1 is only in AWS_REGION"}, fixes: []string{"export AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1"}},
		{name: "no credentials but the profile works elsewhere", line: "botocore.exceptions.NoCredentialsError: Unable to locate credentials", profile: "prod",
			want: []string{"finds a credential source for profile prod", "did not look at that profile"}, fixes: []string{"export AWS_PROFILE=prod"}},
		{name: "clock skew measured", line: "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)", profile: "dev",
			want: []string{"about 1h45m behind AWS"}},
		{name: "aws login ended, for the login profile", line: "aws: [ERROR]: Your session has expired. Please reauthenticate using 'aws login'.", profile: "console",
			want:  []string{"Profile console signs in with aws login as arn:aws:iam::666666666666:user/dev", "no aws login session is cached for profile console"},
			fixes: []string{"awsauth login --profile console", "aws login --profile console"}},
		{name: "aws login ended, but another profile is in use", line: "aws: [ERROR]: Your session has expired. Please reauthenticate using 'aws login'.", profile: "prod",
			want:  []string{"Profile prod does not sign in with aws login", "Profiles that sign in with aws login: console"},
			fixes: []string{"awsauth login --profile console", "aws login --profile console"}, not: []string{"temporary credentials"}},
		{name: "a tool that cannot read login_session", line: "Error: failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, request canceled, context deadline exceeded", profile: "console",
			want: []string{"do not read login_session"}, fixes: []string{"awsauth exec --profile console -- <command>", "aws configure export-credentials --profile console"},
			not: []string{"did not look at that profile"}},
		{name: "EKS refuses an IAM Identity Center role", line: "error: You must be logged in to the server (Unauthorized)", profile: "dev",
			want: []string{"arn:aws:iam::111111111111:role/AWSReservedSSO_", "aws-reserved/sso.amazonaws.com/"}, fixes: []string{"aws eks update-kubeconfig --name CLUSTER --profile dev"}},
		{name: "kubectl's plugin fails on an ended SSO session", line: "Unable to connect to the server: getting credentials: exec: executable aws failed with exit code 255", profile: "dev",
			want: []string{"aws eks get-token fails on that", "no SSO token is cached"}, fixes: []string{"awsauth login --profile dev", "aws eks get-token --cluster-name CLUSTER --profile dev"}},
		{name: "config file names its line", line: "configparser.DuplicateOptionError: While reading from '/home/me/.aws/credentials' [line  4]: option 'aws_access_key_id' in section 'x' already exists", profile: "dev",
			want: []string{"line 4 of /home/me/.aws/credentials", "awsauth reads"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sit := situationFor(t, personalConfig, personalCreds, c.env, c.profile, now)
			res := diagnoseFor(t, c.line, sit)
			for _, w := range c.want {
				if !strings.Contains(res.Explanation, w) {
					t.Errorf("explanation lacks %q:\n%s", w, res.Explanation)
				}
			}
			for _, f := range c.fixes {
				if !slices.ContainsFunc(res.Fixes, func(s string) bool { return strings.Contains(s, f) }) {
					t.Errorf("fixes lack %q: %q", f, res.Fixes)
				}
			}
			for _, n := range c.not {
				if strings.Contains(res.Explanation, n) {
					t.Errorf("explanation holds %q:\n%s", n, res.Explanation)
				}
			}
			if strings.Contains(res.Explanation+strings.Join(res.Fixes, ""), testSecret) {
				t.Error("secret leaked")
			}
		})
	}
}

// TestSSOTokenState reads the cached token the way the SDKs name it.
func TestSSOTokenState(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	home := t.TempDir()
	cache := filepath.Join(home, ".aws", "sso", "cache")
	os.MkdirAll(cache, 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(personalConfig), 0o600)
	e := sysenv.FromMap(map[string]string{"HOME": home, "USERPROFILE": home})
	write := func(body string) {
		os.WriteFile(ssotoken.CachePath(home, "corp"), []byte(body), 0o600)
	}
	resolve := func() *Situation {
		inv, _ := awsconfig.Load(awsconfig.LocateFiles(e))
		tr, err := awsconfig.ResolveIn(context.Background(), inv, awsconfig.Request{Profile: "dev", Env: e}, e)
		return Describe(tr, err, inv, e, now)
	}
	write(`{"accessToken":"tokSECRETvalue","expiresAt":"2025-03-01T10:00:00Z","refreshToken":"r","clientId":"c","clientSecret":"s"}`)
	s := resolve()
	if s.SSOToken != TokenExpired || !s.SSORefreshable || !strings.Contains(s.SSOState, "expired 2h00m ago") {
		t.Errorf("expired: %+v", s)
	}
	write(`{"accessToken":"tokSECRETvalue","expiresAt":"2025-03-01T15:30:00Z"}`)
	s = resolve()
	if s.SSOToken != TokenValid || !strings.Contains(s.SSOState, "valid for another 3h30m") {
		t.Errorf("valid: %+v", s)
	}
	write(`{"accessToken":`)
	if s = resolve(); s.SSOToken != TokenCorrupt {
		t.Errorf("corrupt: %+v", s)
	}
	os.Remove(ssotoken.CachePath(home, "corp"))
	if s = resolve(); s.SSOToken != TokenMissing {
		t.Errorf("missing: %+v", s)
	}
	if strings.Contains(s.SSOState, "tokSECRETvalue") {
		t.Error("token in state")
	}
}

// TestLoginTokenState reads the aws login cache the way the SDKs name it,
// and says nothing of what it holds but when its credentials expire.
func TestLoginTokenState(t *testing.T) {
	now := time.Date(2025, 12, 1, 12, 0, 0, 0, time.UTC)
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(personalConfig), 0o600)
	cache := filepath.Join(home, "logincache")
	os.MkdirAll(cache, 0o700)
	e := sysenv.FromMap(map[string]string{"HOME": home, "USERPROFILE": home, "AWS_LOGIN_CACHE_DIRECTORY": cache})
	// The SDKs name the file after the SHA-256 of the login_session value.
	sum := sha256.Sum256([]byte("arn:aws:iam::666666666666:user/dev"))
	file := filepath.Join(cache, hex.EncodeToString(sum[:])+".json")
	write := func(body string) { os.WriteFile(file, []byte(body), 0o600) }
	resolve := func() *Situation {
		inv, _ := awsconfig.Load(awsconfig.LocateFiles(e))
		tr, err := awsconfig.ResolveIn(context.Background(), inv, awsconfig.Request{Profile: "console", Env: e}, e)
		return Describe(tr, err, inv, e, now)
	}
	s := resolve()
	if !s.Login || s.LoginProfile != "console" || s.LoginToken != TokenMissing || !strings.Contains(s.LoginState, "no aws login session is cached") {
		t.Errorf("missing: %+v", s)
	}
	if !slices.Equal(s.LoginProfiles, []string{"console"}) {
		t.Errorf("login profiles %q", s.LoginProfiles)
	}
	write(`{"accessToken":{"accessKeyId":"ASIAIOSFODNN7EXAMPLE","secretAccessKey":"` + testSecret + `","sessionToken":"tokSECRETvalue","expiresAt":"2025-12-01T09:00:00Z","accountId":"666666666666"},"refreshToken":"refSECRET","clientId":"c","dpopKey":"k"}`)
	s = resolve()
	if s.LoginToken != TokenExpired || !strings.Contains(s.LoginState, "expired 3h00m ago") {
		t.Errorf("expired: %+v", s)
	}
	write(`{"accessToken":{"expiresAt":"2025-12-01T12:10:00Z"}}`)
	if s = resolve(); s.LoginToken != TokenValid || !strings.Contains(s.LoginState, "valid for another 10m") {
		t.Errorf("valid: %+v", s)
	}
	write(`{"accessToken":`)
	if s = resolve(); s.LoginToken != TokenCorrupt {
		t.Errorf("corrupt: %+v", s)
	}
	for _, secret := range []string{testSecret, "tokSECRETvalue", "refSECRET"} {
		if strings.Contains(fmt.Sprintf("%+v", s), secret) {
			t.Errorf("situation holds %q", secret)
		}
	}
}

func TestUnresolvedSetupStillExplains(t *testing.T) {
	s := situationFor(t, personalConfig, "", map[string]string{"AWS_PROFILE": "nope"}, "", time.Now())
	if s.Known || s.Profile != "nope" || !strings.Contains(s.ResolveError, `"nope"`) {
		t.Fatalf("situation %+v", s)
	}
	res := diagnoseFor(t, "botocore.exceptions.NoCredentialsError: Unable to locate credentials", s)
	if !strings.Contains(res.Explanation, "could not resolve your profile") {
		t.Errorf("explanation: %s", res.Explanation)
	}
}

// TestCleanEscapes: escape sequences are removed the way a terminal parses
// them, so one left open (as in random bytes before a log line) cannot hide
// the start of the next one and let its payload through as text.
func TestCleanEscapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"\x1b[31mred\x1b[0m", "red"},
		{"\x1b]0;title\x07text", "text"},
		{"\x1b]0;title\x1b\\text", "text"},
		{"a\x1bMb", "ab"},
		// a CSI cut short by ESC: the ESC starts a new sequence
		{"\x1b[0\x1b]0;pwned\x07text", "text"},
		{"\x1b[?25\x1b[31mtext", "text"},
		// an OSC cut short by ESC that is not ST
		{"\x1b]0;junk\x1b]0;pwned\x07text", "text"},
		// CAN and SUB abort a sequence
		{"\x1b[12\x18text", "text"},
		{"\x1b]0;junk\x1atext", "text"},
		// other C0 controls inside a CSI are acted on, not part of it
		{"\x1b[1\x00mtext", "text"},
		{"\x1b[", ""},
		{"\x1b]unterminated", ""},
		{"end\x1b", "end"},
		{"\x1b\x1b[31mtext", "text"},
	} {
		if got := clean([]byte(tc.in)); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
