package testenv

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
)

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := motoHTTP.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMotoAnswers(t *testing.T) {
	m := Moto(t)
	if !strings.HasPrefix(m.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q, want http://127.0.0.1:PORT", m.URL)
	}
	if code, _ := get(t, m.URL+"/moto-api/"); code != http.StatusOK {
		t.Errorf("GET /moto-api/ = %d, want 200", code)
	}
	if err := m.Close(); err == nil {
		t.Error("Close of the shared moto succeeded, want an error")
	}
	if code, _ := get(t, m.URL+"/moto-api/"); code != http.StatusOK {
		t.Errorf("after Close: GET /moto-api/ = %d, want 200 (shared server still up)", code)
	}
}

func createRole(t *testing.T, m *MotoServer, name string) {
	t.Helper()
	_, err := m.Query(t.Context(), "iam", url.Values{
		"Action":                   {"CreateRole"},
		"RoleName":                 {name},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[]}`},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func roleExists(t *testing.T, m *MotoServer, name string) bool {
	t.Helper()
	resp, err := m.Query(t.Context(), "iam", url.Values{"Action": {"GetRole"}, "RoleName": {name}})
	if err != nil {
		if strings.Contains(resp, "NoSuchEntity") {
			return false
		}
		t.Fatal(err)
	}
	return true
}

func TestMotoReset(t *testing.T) {
	m := Moto(t)
	ctx := t.Context()
	createRole(t, m, "Kept")
	if !roleExists(t, m, "Kept") {
		t.Fatal("role missing right after CreateRole")
	}
	cfn := cloudformation.NewFromConfig(aws.Config{
		Region:      TestRegion,
		Credentials: credentials.NewStaticCredentialsProvider(TestAccessKeyID, TestSecretAccessKey, ""),
	}, func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(m.URL) })
	start := time.Now()
	_, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName:    aws.String("kept"),
		TemplateBody: aws.String(`{"Resources":{"H":{"Type":"AWS::CloudFormation::WaitConditionHandle"}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first CloudFormation call took %v", time.Since(start))
	sess := assumeRole(t, stsFor(m, TestAccessKeyID, TestSecretAccessKey, ""), "arn:aws:iam::111122223333:role/Deploy", "kept", 900)
	if err := m.EnforceAuth(ctx); err != nil {
		t.Fatal(err)
	}

	start = time.Now()
	if err := m.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("reset took %v", time.Since(start))

	if roleExists(t, m, "Kept") {
		t.Error("role survived Reset")
	}
	if _, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("kept")}); err == nil {
		t.Error("stack survived Reset")
	}
	// Auth is off again, and the session is forgotten: its keys are now
	// just keys moto did not issue.
	checkIdentity(t, callerIdentity(t, stsAs(m, sess.Credentials)), MotoAccount, MotoCallerARN)
}

// Each test starts from a clean server; subtests share their parent's.
func TestMotoStatePerTest(t *testing.T) {
	var url string
	t.Run("first", func(t *testing.T) {
		m := Moto(t)
		url = m.URL
		createRole(t, m, "Leftover")
	})
	t.Run("second", func(t *testing.T) {
		m := Moto(t)
		if m.URL != url {
			t.Errorf("second test got moto %s, first had %s: want one shared server", m.URL, url)
		}
		if roleExists(t, m, "Leftover") {
			t.Error("state of an earlier test leaked into this one")
		}
	})
	t.Run("parent", func(t *testing.T) {
		m := Moto(t)
		createRole(t, m, "Parents")
		t.Run("child", func(t *testing.T) {
			done := make(chan *MotoServer, 1)
			go func() { done <- Moto(t) }()
			select {
			case c := <-done:
				if !roleExists(t, c, "Parents") {
					t.Error("subtest does not see its parent's state")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("subtest waits for the lease its parent holds")
			}
		})
		if again := Moto(t); !roleExists(t, again, "Parents") {
			t.Error("a second Moto call in one test reset the server")
		}
	})
}

// Parallel tests take turns: none sees another's state.
func TestMotoParallelTestsTakeTurns(t *testing.T) {
	for i := range 3 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			m := Moto(t)
			mine := fmt.Sprintf("Role%d", i)
			createRole(t, m, mine)
			time.Sleep(50 * time.Millisecond)
			for j := range 3 {
				if name := fmt.Sprintf("Role%d", j); roleExists(t, m, name) != (name == mine) {
					t.Errorf("role %s exists = %v", name, !(name == mine))
				}
			}
		})
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{keep: 4}
	fmt.Fprint(b, "abc")
	mark := b.mark()
	fmt.Fprint(b, "defgh")
	if got := b.since(mark); got != "defgh" {
		t.Errorf("since = %q, want defgh", got)
	}
	fmt.Fprint(b, "ij") // over 2*keep: trimmed to the last 4
	if got := b.String(); got != "ghij" {
		t.Errorf("String = %q, want ghij", got)
	}
	if got := b.since(mark); got != "ghij" {
		t.Errorf("since after trim = %q, want what is kept, ghij", got)
	}
}

func TestMotoEnviron(t *testing.T) {
	got := motoEnviron([]string{"PATH=/bin", "AWS_REGION=eu-west-1", "MOTO_ACCOUNT_ID=999999999999", "INITIAL_NO_AUTH_ACTION_COUNT=0", "HOME=/root", "PYTHONUNBUFFERED=0"})
	want := []string{"PATH=/bin", "HOME=/root", "PYTHONUNBUFFERED=1"}
	if !slices.Equal(got, want) {
		t.Errorf("motoEnviron = %q, want %q", got, want)
	}
}

func TestCIStrict(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "1": true, "": false, "false": false, "nonsense": false} {
		t.Setenv("CI", v)
		if got := ciStrict(); got != want {
			t.Errorf("CI=%q: ciStrict = %v, want %v", v, got, want)
		}
	}
}

func TestSealedEnvDropsInheritedVars(t *testing.T) {
	t.Setenv("AWS_PROFILE", "prod")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAPARENTPARENTPARE")
	t.Setenv("AWS_ENDPOINT_URL", "https://example.invalid")
	t.Setenv("AWSAUTH_DEBUG", "1")
	t.Setenv("XDG_CACHE_HOME", "/somewhere/else")
	t.Setenv("PATH", "/usr/bin:/bin")

	e := SealedEnv(t)
	want := map[string]string{
		"HOME":                        e.Home,
		"AWS_CONFIG_FILE":             filepath.Join(e.Home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(e.Home, ".aws", "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"NO_COLOR":                    "1",
		"AWSAUTH_NO_AGENT":            "1",
		"PATH":                        "/usr/bin:/bin",
	}
	for k, v := range want {
		if got := e.Vars[k]; got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	allowed := map[string]bool{"TMPDIR": true, "GOCOVERDIR": true}
	if runtime.GOOS == "windows" {
		want["USERPROFILE"] = e.Home
		for _, k := range []string{"SYSTEMROOT", "TEMP", "TMP", "PATHEXT", "COMSPEC"} {
			allowed[k] = true
		}
	}
	for k := range e.Vars {
		if _, ok := want[k]; !ok && !allowed[k] {
			t.Errorf("unexpected variable %s=%q", k, e.Vars[k])
		}
	}
	if fi, err := os.Stat(e.Home + "/.aws"); err != nil || !fi.IsDir() || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700) {
		t.Errorf("$HOME/.aws: %v, %v; want a 0700 directory", fi, err)
	}

	env := e.Environ()
	if !sort.StringsAreSorted(env) || len(env) != len(e.Vars) {
		t.Errorf("Environ = %q, want %d sorted pairs", env, len(e.Vars))
	}
	for _, kv := range env {
		if strings.HasPrefix(kv, "AWS_PROFILE=") || strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") || strings.HasPrefix(kv, "AWSAUTH_DEBUG") || strings.HasPrefix(kv, "XDG_") {
			t.Errorf("Environ holds inherited %s", kv)
		}
	}
	if _, ok := e.Lookup("AWS_PROFILE"); ok {
		t.Error("Lookup finds the inherited AWS_PROFILE")
	}
	var lookup func(string) (string, bool) = e.Lookup
	if v, ok := lookup("HOME"); !ok || v != e.Home {
		t.Errorf("Lookup(HOME) = %q, %v", v, ok)
	}
}

func TestForMoto(t *testing.T) {
	m := &MotoServer{URL: "http://127.0.0.1:1"}
	e := SealedEnv(t).ForMoto(m)
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL_IAM"} {
		if e.Vars[k] != m.URL {
			t.Errorf("%s = %q, want %q", k, e.Vars[k], m.URL)
		}
	}
	if e.Vars["AWS_REGION"] != "us-east-1" || e.Vars["AWS_DEFAULT_REGION"] != "us-east-1" {
		t.Errorf("regions = %q, %q; want us-east-1", e.Vars["AWS_REGION"], e.Vars["AWS_DEFAULT_REGION"])
	}

	e = SealedEnv(t)
	e.Vars["AWS_DEFAULT_REGION"] = "eu-central-1"
	e.ForMoto(m)
	if e.Vars["AWS_REGION"] != "eu-central-1" || e.Vars["AWS_DEFAULT_REGION"] != "eu-central-1" {
		t.Errorf("regions = %q, %q; want the one already set, eu-central-1", e.Vars["AWS_REGION"], e.Vars["AWS_DEFAULT_REGION"])
	}
}

func TestSealedEnvWrites(t *testing.T) {
	old := umask(0o022)
	defer umask(old)
	e := SealedEnv(t)
	for _, c := range []struct {
		path, text string
		mode       os.FileMode
	}{
		{e.WriteConfig(t, "[default]\nregion = eu-west-1\n"), "[default]\nregion = eu-west-1\n", 0o600},
		{e.WriteCredentials(t, "[default]\naws_access_key_id = x\n"), "[default]\naws_access_key_id = x\n", 0o600},
		{e.WriteFile(t, ".aws/sso/cache/abc.json", "{}", 0), "{}", 0o600},
		{e.WriteFile(t, "bin/helper", "#!/bin/sh\n", 0o755), "#!/bin/sh\n", 0o755},
	} {
		b, err := os.ReadFile(c.path)
		if err != nil || string(b) != c.text {
			t.Errorf("%s: %q, %v; want %q", c.path, b, err, c.text)
			continue
		}
		if !strings.HasPrefix(c.path, e.Home+string(os.PathSeparator)) {
			t.Errorf("%s is not under HOME %s", c.path, e.Home)
		}
		if runtime.GOOS == "windows" {
			continue
		}
		if fi, _ := os.Stat(c.path); fi.Mode().Perm() != c.mode {
			t.Errorf("%s: mode %v, want %v", c.path, fi.Mode().Perm(), c.mode)
		}
	}
	if runtime.GOOS != "windows" {
		for _, d := range []string{".aws", ".aws/sso", ".aws/sso/cache", "bin"} {
			if fi, _ := os.Stat(e.Home + "/" + d); fi.Mode().Perm() != 0o700 {
				t.Errorf("%s: mode %v, want 0700", d, fi.Mode().Perm())
			}
		}
	}
	// Rewriting tightens the mode of an existing file.
	p := e.WriteFile(t, "loose", "x", 0o644)
	e.WriteFile(t, "loose", "y", 0)
	if fi, _ := os.Stat(p); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten file mode %v, want 0600", fi.Mode().Perm())
	}

	for _, bad := range []string{"../escape", "/etc/passwd", ""} {
		if msg := fatalMessage(func(tb testing.TB) { e.WriteFile(tb, bad, "x", 0) }); msg == "" {
			t.Errorf("WriteFile(%q) did not fail the test", bad)
		}
	}
}

// fatalRecorder stands in for a testing.TB to catch a Fatal.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func fatalMessage(fn func(testing.TB)) string {
	f := &fatalRecorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.msg
}

func TestApply(t *testing.T) {
	t.Setenv("AWS_PROFILE", "prod")
	t.Setenv("XDG_CONFIG_HOME", "/elsewhere")
	home := os.Getenv("HOME")
	var sealedHome string
	t.Run("applied", func(t *testing.T) {
		e := SealedEnv(t)
		sealedHome = e.Home
		e.Apply(t)
		if v, ok := os.LookupEnv("AWS_PROFILE"); ok {
			t.Errorf("AWS_PROFILE = %q after Apply, want unset", v)
		}
		if v, ok := os.LookupEnv("XDG_CONFIG_HOME"); ok {
			t.Errorf("XDG_CONFIG_HOME = %q after Apply, want unset", v)
		}
		if got := os.Getenv("HOME"); got != e.Home {
			t.Errorf("HOME = %q, want %q", got, e.Home)
		}
		if d, err := os.UserHomeDir(); err != nil || d != e.Home {
			t.Errorf("os.UserHomeDir() = %q, %v", d, err)
		}
		if got := os.Getenv("AWS_EC2_METADATA_DISABLED"); got != "true" {
			t.Errorf("AWS_EC2_METADATA_DISABLED = %q", got)
		}
	})
	if got := os.Getenv("AWS_PROFILE"); got != "prod" {
		t.Errorf("AWS_PROFILE = %q after the test, want it restored to prod", got)
	}
	if got := os.Getenv("HOME"); got != home || got == sealedHome {
		t.Errorf("HOME = %q after the test, want %q", got, home)
	}
}

func TestStartMotoNotOnPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := StartMoto(ctx); err == nil || !strings.Contains(err.Error(), "moto_server not found") {
		t.Errorf("StartMoto without moto_server: %v", err)
	}
}

// waiterTB is a test whose deadline is near, to see a lease wait give up.
type waiterTB struct {
	testing.TB
	msg      string
	cleanups []func()
}

func (w *waiterTB) Helper()                     {}
func (w *waiterTB) Name() string                { return "TestWaiter" }
func (w *waiterTB) Logf(string, ...any)         {}
func (w *waiterTB) Cleanup(f func())            { w.cleanups = append(w.cleanups, f) }
func (w *waiterTB) Deadline() (time.Time, bool) { return time.Now().Add(31 * time.Second), true }
func (w *waiterTB) Fatalf(format string, args ...any) {
	w.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestLeaseWaitIsBounded(t *testing.T) {
	Moto(t) // holds the lease as TestLeaseWaitIsBounded
	w := &waiterTB{}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		acquireLease(w)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("acquireLease still waiting after 10s")
	}
	if d := time.Since(start); d < time.Second || d > 5*time.Second {
		t.Errorf("gave up after %v, want about 1s (deadline in 31s, less 30s)", d)
	}
	for _, want := range []string{"held by TestLeaseWaitIsBounded", "after t.Parallel()", "StartMoto"} {
		if !strings.Contains(w.msg, want) {
			t.Errorf("message %q does not mention %q", w.msg, want)
		}
	}
	if len(w.cleanups) != 0 {
		t.Error("a lease that was never granted registered a release")
	}
}
