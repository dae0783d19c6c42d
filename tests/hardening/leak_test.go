//go:build linux

package hardening

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// leakEnv is the world of the secret-leak test: a sandbox whose files,
// caches and environment hold known secrets, all of them real (the fake
// accepts them) unless a case is about a wrong one.
type leakEnv struct {
	sb  *sandbox
	sec *secretSet

	fake      *awsfake.Server // wall clock, device logins approved at once
	expFake   *awsfake.Server // its clock jumped past the credentials it issued
	container *httptest.Server

	sso     map[string]string // sso-session -> how its cache is planted
	planted map[string][]byte // SSO cache file -> the bytes planted there
	n       int               // runs so far, for unique names

	log          string // what explain reads: a deploy log full of secrets
	exec         execCopies
	procReports  map[string]bool
	childReports int // exec children that reported
	containerURL string
}

// execCopies are the sanitised copies of the shared files exec writes for
// its child when [default] has keys, seen while it ran.
type execCopies struct{ seen []string }

const (
	corpURL = awsfake.DefaultStartURL
	// The [default] profile's keys: exec must keep them from its child.
	defaultSecretName = "default-secret"
)

func newLeakEnv(t *testing.T) *leakEnv {
	sb := newSandbox(t)
	le := &leakEnv{sb: sb, sec: newSecretSet(), sso: map[string]string{}, planted: map[string][]byte{}, procReports: map[string]bool{}}
	sec := le.sec

	staticKey, staticSecret := randomKeyID(), randomSecret()
	defaultKey, defaultSecret := randomKeyID(), randomSecret()
	sec.add("static-secret", staticSecret)
	sec.add(defaultSecretName, defaultSecret)
	sc := awsfake.DefaultScenario()
	sc.Users = append(sc.Users,
		awsfake.User{Name: "leaker", AccountID: awsfake.DevAccountID, AccessKeyID: staticKey, SecretAccessKey: staticSecret},
		awsfake.User{Name: "leaker-default", AccountID: awsfake.DevAccountID, AccessKeyID: defaultKey, SecretAccessKey: defaultSecret})
	var err error
	le.fake, err = awsfake.Start(context.Background(), awsfake.Options{Scenario: &sc, AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { le.fake.Close() })
	sb.useFake(le.fake)

	// Expired session keys: issued by a fake whose clock then jumps 2 hours.
	clock := awsfake.NewManualClock(time.Now())
	le.expFake, err = awsfake.Start(context.Background(), awsfake.Options{Scenario: &sc, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { le.expFake.Close() })
	expired := sessionCreds(t, le.expFake.URL(), staticKey, staticSecret)
	clock.Advance(2 * time.Hour)
	sec.add("expired-secret", expired.SecretAccessKey)
	sec.add("expired-token", expired.SessionToken)

	envCreds := sessionCreds(t, le.fake.URL(), staticKey, staticSecret)
	fileCreds := sessionCreds(t, le.fake.URL(), staticKey, staticSecret)
	procCreds := sessionCreds(t, le.fake.URL(), staticKey, staticSecret)
	contCreds := sessionCreds(t, le.fake.URL(), staticKey, staticSecret)
	sec.add("env-secret", envCreds.SecretAccessKey)
	sec.add("env-token", envCreds.SessionToken)
	sec.add("file-session-secret", fileCreds.SecretAccessKey)
	sec.add("file-session-token", fileCreds.SessionToken)
	sec.add("proc-secret", procCreds.SecretAccessKey)
	sec.add("proc-token", procCreds.SessionToken)
	sec.add("container-secret", contCreds.SecretAccessKey)
	sec.add("container-token", contCreds.SessionToken)
	containerAuth := randomToken("", 32)
	sec.add("container-auth", containerAuth)
	ambientAuth := randomToken("", 32)
	sec.add("ambient-container-auth", ambientAuth)
	wrongToken := "IQoJb3JpZ2luX2Vj" + randomToken("", 200)
	sec.add("wrong-session-token", wrongToken)
	wrongAuth := randomToken("", 32)
	sec.add("wrong-container-auth", wrongAuth)
	dotenvKey, dotenvSecret := randomKeyID(), randomSecret()
	sec.add("dotenv-secret", dotenvSecret)
	badSecret := randomSecret()
	sec.add("bad-file-secret", badSecret)

	// Every run has keys in its environment (a profile chosen with
	// --profile wins over them), and a container token without an
	// endpoint, which nothing should use or repeat.
	sb.env["AWS_ACCESS_KEY_ID"] = envCreds.AccessKeyID
	sb.env["AWS_SECRET_ACCESS_KEY"] = envCreds.SecretAccessKey
	sb.env["AWS_SESSION_TOKEN"] = envCreds.SessionToken
	sb.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = ambientAuth

	le.container = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != containerAuth {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"Code":"Unauthorized","Message":"bad token"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId": contCreds.AccessKeyID, "SecretAccessKey": contCreds.SecretAccessKey,
			"Token": contCreds.SessionToken, "Expiration": contCreds.Expires.UTC().Format(time.RFC3339),
		})
	}))
	t.Cleanup(le.container.Close)
	le.containerURL = le.container.URL + "/creds"

	procFile := filepath.Join(sb.capture, "proc-creds.json")
	procOut, _ := json.Marshal(map[string]any{"Version": 1, "AccessKeyId": procCreds.AccessKeyID, "SecretAccessKey": procCreds.SecretAccessKey,
		"SessionToken": procCreds.SessionToken, "Expiration": procCreds.Expires.UTC().Format(time.RFC3339)})
	if err := os.WriteFile(procFile, procOut, 0o600); err != nil {
		t.Fatal(err)
	}

	sb.writeFile(".aws/config", `[default]
region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[profile old]
sso_session = old
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[profile bogus]
sso_session = bogus
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[profile broken]
sso_session = broken
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = `+corpURL+`
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[sso-session old]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[sso-session bogus]
sso_start_url = https://bogus.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[sso-session broken]
sso_start_url = https://broken.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile static]
region = us-east-1

[profile session]
region = us-east-1

[profile deploy]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = static
region = us-east-1

[profile proc]
credential_process = `+helperBin(t)+` `+helperFlag+`proc `+procFile+` `+sb.capture+`
region = us-east-1
`)
	keys := func(id, secret string) string {
		return "aws_access_key_id = " + id + "\naws_secret_access_key = " + secret + "\n"
	}
	rest := "\n[static]\n" + keys(staticKey, staticSecret) +
		"\n[session]\n" + keys(fileCreds.AccessKeyID, fileCreds.SecretAccessKey) + "aws_session_token = " + fileCreds.SessionToken + "\n"
	sb.writeFile(".aws/credentials", "[default]\n"+keys(defaultKey, defaultSecret)+rest)
	sb.writeFile(".aws/credentials.nodefault", rest[1:])
	sb.writeFile(".aws/credentials.bad", "[static]\naws_access_key_id = "+staticKey+"\naws_secret_access_key "+badSecret+"\n[session\naws_session_token: "+badSecret+"\n")

	// The project being deployed is a CDK app (so doctor checks its
	// bootstrap stack, on the fake) that keeps keys in .env, tracked by git.
	sb.writeFile("project/cdk.json", `{"app": "npx ts-node bin/app.ts"}`+"\n")
	sb.writeFile("project/.env", "AWS_REGION=us-east-1\nAWS_ACCESS_KEY_ID="+dotenvKey+"\nAWS_SECRET_ACCESS_KEY="+dotenvSecret+"\n")
	if git, err := exec.LookPath("git"); err == nil {
		for _, args := range [][]string{{"init", "-q"}, {"add", ".env"}} {
			cmd := exec.Command(git, args...)
			cmd.Dir = sb.work
			cmd.Env = append(sb.environ(runOpts{}), "GIT_CONFIG_NOSYSTEM=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out)
			}
		}
	}

	le.sso = map[string]string{"corp": "ok", "old": "expired", "bogus": "wrong", "broken": "corrupt"}
	le.replant(t)

	// A deployment log that pasted every kind of secret next to the error.
	tok := le.fake.IssueSSOToken()
	sec.add("log-sso-access", tok.AccessToken)
	sec.add("log-sso-refresh", tok.RefreshToken)
	sec.add("log-client-secret", tok.ClientSecret)
	le.log = strings.Join([]string{
		"+ export AWS_ACCESS_KEY_ID=" + envCreds.AccessKeyID,
		"+ export AWS_SECRET_ACCESS_KEY=" + envCreds.SecretAccessKey,
		"+ export AWS_SESSION_TOKEN=" + envCreds.SessionToken,
		"+ curl -H 'Authorization: " + containerAuth + "' http://169.254.170.2/v2/credentials",
		"aws_secret_access_key = " + staticSecret,
		"GET /federation/credentials?account_id=111111111111&role_name=Admin HTTP/1.1",
		"x-amz-sso_bearer_token: " + tok.AccessToken,
		`{"accessToken": "` + tok.AccessToken + `", "refreshToken": "` + tok.RefreshToken + `", "clientSecret": "` + tok.ClientSecret + `"}`,
		"An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired",
		"botocore.exceptions.ClientError: An error occurred (InvalidClientTokenId) (token " + fileCreds.SessionToken + ")",
		"Error: The SSO session associated with this profile has expired or is otherwise invalid. token=" + tok.AccessToken,
		"",
	}, "\n")
	return le
}

// plantSSO writes the cache of session as its mode says: "ok" (a live,
// refreshable login), "expired" (ended, not refreshable), "wrong" (tokens
// the fake never issued), "corrupt" (cut off inside the access token).
func (le *leakEnv) plantSSO(t testing.TB, session string) {
	le.n++
	mode := le.sso[session]
	tok := le.fake.IssueSSOToken()
	startURL := corpURL
	if session != "corp" {
		startURL = "https://" + session + ".awsapps.com/start"
	}
	e := ssoCacheEntry(tok, startURL)
	switch mode {
	case "expired":
		e["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05Z")
		delete(e, "refreshToken")
		tok.RefreshToken = ""
	case "wrong":
		tok.AccessToken = randomToken("aoa", 120)
		tok.RefreshToken = randomToken("aor", 120)
		e["accessToken"], e["refreshToken"] = tok.AccessToken, tok.RefreshToken
	}
	name := fmt.Sprintf("sso-%s-%d", session, le.n)
	le.sec.add(name+"-access", tok.AccessToken)
	le.sec.add(name+"-client-secret", tok.ClientSecret)
	if tok.RefreshToken != "" {
		le.sec.add(name+"-refresh", tok.RefreshToken)
	}
	data, _ := json.Marshal(e)
	if mode == "corrupt" {
		i := bytes.Index(data, []byte(tok.AccessToken))
		data = data[:i+40] // 40 characters of the token, then nothing
	}
	p := le.sb.ssoCachePath(session)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	le.planted[p] = data
}

// replant restores every SSO cache file a run changed (a login, refresh or
// logout), with new tokens, so each case starts from its planted state.
func (le *leakEnv) replant(t testing.TB) {
	for s := range le.sso {
		p := le.sb.ssoCachePath(s)
		if cur, err := os.ReadFile(p); err != nil || !bytes.Equal(cur, le.planted[p]) {
			le.plantSSO(t, s)
		}
	}
}

// allowed reports whether awsauth may keep secrets in path: the AWS CLI v2
// SSO cache and awsauth's credential cache.
func (le *leakEnv) allowed(path string) bool {
	return within(path, filepath.Join(le.sb.home, ".aws", "sso", "cache")) || within(path, le.sb.credCacheDir())
}

// harvest registers the secrets the caches hold now (renewed SSO tokens,
// role credentials), so that no other output may carry them either.
func (le *leakEnv) harvest(files map[string]fileSig) {
	for p := range files {
		if !le.allowed(p) {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		for _, k := range []string{"accessToken", "refreshToken", "clientSecret", "SecretAccessKey", "SessionToken"} {
			if v, ok := m[k].(string); ok {
				le.sec.addDynamic("cache:"+filepath.Base(p)+":"+k, v)
			}
		}
	}
}

// situation is where a command runs: which credentials it finds and
// whether they work.
type situation struct {
	name    string
	profile string
	env     map[string]string
	drop    []string
	ok      bool
	// payload names the planted secrets credential-process and export must
	// print; nil means credentials fetched at run time.
	payload []string
	before  func(le *leakEnv, t testing.TB)
}

// command is one awsauth invocation; flags are inserted after words.
type command struct {
	name    string
	words   []string
	args    []string
	payload bool // prints credentials on stdout by design
	exec    bool
	noSrv   bool     // exec --no-server: the child's environment holds keys by design
	child   []string // exec: the command, instead of the reporting helper
	mustOK  bool     // must succeed where the situation's credentials work
}

var envKeys = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}

func (le *leakEnv) situations() []situation {
	dead := "http://127.0.0.1:9"
	nodefault := filepath.Join(le.sb.home, ".aws", "credentials.nodefault")
	return []situation{
		{name: "env-keys", ok: true, payload: []string{"env-secret", "env-token"}},
		{name: "static", profile: "static", ok: true, payload: []string{"static-secret"}},
		{name: "session-keys", profile: "session", ok: true, payload: []string{"file-session-secret", "file-session-token"}},
		{name: "assume-role", profile: "deploy", ok: true},
		{name: "sso", profile: "dev", ok: true},
		{name: "credential-process", profile: "proc", ok: true, payload: []string{"proc-secret", "proc-token"}},
		{name: "container", ok: true, drop: envKeys, payload: []string{"container-secret", "container-token"},
			env: map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": le.containerURL, "AWS_CONTAINER_AUTHORIZATION_TOKEN": le.sec.value("container-auth"), "AWS_SHARED_CREDENTIALS_FILE": nodefault}},
		{name: "corrupt-credential-cache", profile: "dev", ok: true, before: (*leakEnv).corruptCredCache},
		{name: "sso-expired", profile: "old"},
		{name: "sso-wrong-token", profile: "bogus"},
		{name: "sso-corrupt-cache", profile: "broken"},
		{name: "sso-dead-endpoint", profile: "dev",
			env: map[string]string{"AWS_ENDPOINT_URL": dead, "AWS_ENDPOINT_URL_STS": dead, "AWS_ENDPOINT_URL_SSO": dead, "AWS_ENDPOINT_URL_SSO_OIDC": dead}},
		{name: "container-dead-endpoint", drop: envKeys,
			env: map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": dead + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": le.sec.value("container-auth"), "AWS_SHARED_CREDENTIALS_FILE": nodefault}},
		{name: "container-wrong-token", drop: envKeys,
			env: map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": le.containerURL, "AWS_CONTAINER_AUTHORIZATION_TOKEN": le.sec.value("wrong-container-auth"), "AWS_SHARED_CREDENTIALS_FILE": nodefault}},
		{name: "env-wrong-token", payload: []string{"env-secret", "wrong-session-token"},
			env: map[string]string{"AWS_SESSION_TOKEN": le.sec.value("wrong-session-token")}},
		{name: "env-expired", payload: []string{"expired-secret", "expired-token"},
			env: map[string]string{"AWS_SECRET_ACCESS_KEY": le.sec.value("expired-secret"), "AWS_SESSION_TOKEN": le.sec.value("expired-token"),
				"AWS_ENDPOINT_URL_STS": le.expFake.URL()}},
		{name: "unknown-profile", profile: "nosuch"},
		{name: "malformed-credentials-file", profile: "static",
			env: map[string]string{"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(le.sb.home, ".aws", "credentials.bad")}},
	}
}

func commands(short bool) []command {
	cs := []command{
		{name: "status", words: []string{"status"}, mustOK: true},
		{name: "status-v", words: []string{"status"}, args: []string{"-v"}, mustOK: true},
		{name: "status-offline", words: []string{"status"}, args: []string{"--offline"}},
		{name: "profiles", words: []string{"profiles"}},
		{name: "login", words: []string{"login"}, args: []string{"--no-browser", "--timeout", "10s"}},
		{name: "refresh", words: []string{"refresh"}},
		{name: "logout", words: []string{"logout"}},
		{name: "exec", words: []string{"exec"}, exec: true, mustOK: true},
		{name: "credential-process", words: []string{"credential-process"}, payload: true, mustOK: true},
		{name: "export", words: []string{"export"}, payload: true, mustOK: true},
		{name: "export-json", words: []string{"export"}, args: []string{"--format", "json"}, payload: true, mustOK: true},
		{name: "doctor", words: []string{"doctor"}, args: []string{"--timeout", "10s"}},
		{name: "doctor-offline", words: []string{"doctor"}, args: []string{"--offline"}},
		{name: "preflight", words: []string{"preflight"}, args: []string{"--timeout", "10s"}},
		{name: "preflight-offline", words: []string{"preflight"}, args: []string{"--offline"}},
		{name: "explain", words: []string{"explain"}},
		{name: "use", words: []string{"use"}, args: []string{"--shell", "bash"}},
		{name: "prompt", words: []string{"prompt"}},
		{name: "profiles-sync", words: []string{"profiles", "sync"}, args: []string{"--dry-run"}},
		{name: "version", words: []string{"version"}},
	}
	if !short {
		cs = append(cs,
			command{name: "exec-no-server", words: []string{"exec"}, args: []string{"--no-server"}, exec: true, noSrv: true, mustOK: true},
			command{name: "export-dotenv", words: []string{"export"}, args: []string{"--format", "dotenv"}, payload: true, mustOK: true},
		)
	}
	return cs
}

// TestNoSecretLeaks runs every command in every situation, with --debug and
// with --json, and looks for every known secret in stdout, stderr, the
// files written outside the caches, the argv of awsauth, of the exec child
// and of a credential_process, and the exec child's environment.
func TestNoSecretLeaks(t *testing.T) {
	le := newLeakEnv(t)
	// --json alone prints what --debug --json prints on stdout, with less
	// on stderr.
	variants := [][]string{{"--debug", "--json"}, {"--debug"}}
	if testing.Short() {
		variants = variants[:1]
	}
	start := time.Now()
	runs := 0
	for _, sit := range le.situations() {
		t.Run(sit.name, func(t *testing.T) {
			for _, c := range commands(testing.Short()) {
				for _, v := range variants {
					le.runCase(t, sit, c, v)
					runs++
				}
			}
		})
	}
	t.Run("once", func(t *testing.T) {
		for _, v := range variants {
			le.runCase(t, situation{name: "none", ok: true}, command{name: "demo", words: []string{"demo"}, args: []string{"--speed", "2000"}, mustOK: true}, v)
			le.runCase(t, situation{name: "none", ok: true}, command{name: "use-list", words: []string{"use"}}, v)
			le.runCase(t, situation{name: "none", ok: true}, command{name: "explain-list", words: []string{"explain"}, args: []string{"--list"}}, v)
			runs += 3
		}
	})
	t.Logf("%d runs in %s; %d known secrets; %d exec children and %d credential_process runs reported their argv",
		runs, time.Since(start).Round(time.Millisecond), len(le.sec.values), le.childReports, len(le.procReports))
	if le.childReports == 0 || len(le.procReports) == 0 {
		t.Errorf("the argv checks saw nothing: %d exec children, %d credential_process runs", le.childReports, len(le.procReports))
	}
}

// corruptCredCache cuts every credential cache entry in half, leaving half
// a secret in the file, after making sure there is one.
func (le *leakEnv) corruptCredCache(t testing.TB) {
	files, _ := filepath.Glob(filepath.Join(le.sb.credCacheDir(), "creds-*.json"))
	if len(files) == 0 {
		r := le.sb.run([]string{"credential-process", "--profile", "dev"}, runOpts{})
		if r.code != 0 {
			t.Fatalf("credential-process to fill the cache: exit %d\n%s", r.code, r.stderr)
		}
		files, _ = filepath.Glob(filepath.Join(le.sb.credCacheDir(), "creds-*.json"))
		snap := snapshot(le.sb.credCacheDir())
		le.harvest(snap)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || len(data) < 20 {
			continue
		}
		if json.Valid(data) {
			os.WriteFile(f, data[:len(data)/2], 0o600)
		}
	}
}

var payloadRE = regexp.MustCompile(`"(?:SecretAccessKey|SessionToken)":"([^"]+)"|AWS_(?:SECRET_ACCESS_KEY|SESSION_TOKEN)[= ]'?([^'\s;]+)`)

// payloadValues are the secrets a credential-process or export output
// hands over: what it was asked for.
func payloadValues(stdout string) map[string]bool {
	out := map[string]bool{}
	for _, m := range payloadRE.FindAllStringSubmatch(stdout, -1) {
		out[m[1]+m[2]] = true
	}
	return out
}

func (le *leakEnv) runCase(t testing.TB, sit situation, c command, variant []string) {
	t.Helper()
	le.replant(t)
	if sit.before != nil {
		sit.before(le, t)
	}
	args := append(append(append([]string{}, c.words...), variant...), c.args...)
	switch {
	case c.name == "use":
		p := sit.profile
		if p == "" {
			p = "default"
		}
		args = append(args, p)
	case sit.profile != "":
		args = append(args, "--profile", sit.profile)
	}
	o := runOpts{env: map[string]string{}, drop: sit.drop, stdin: le.log}
	for k, v := range sit.env {
		o.env[k] = v
	}
	le.n++
	report := filepath.Join(le.sb.capture, fmt.Sprintf("child-%d.json", le.n))
	if c.exec {
		o.env[envReport] = report
		child := c.child
		if child == nil {
			child = []string{helperBin(t), helperFlag + "child"}
		}
		args = append(append(args, "--"), child...)
	}
	label := fmt.Sprintf("%s %s %v", sit.name, c.name, variant)

	roots := []string{le.sb.home, le.sb.tmp}
	before := snapshot(roots...)
	tmpBefore := dirNames(le.sb.tmp)
	p := le.sb.start(args, o)
	done := make(chan result, 1)
	go func() { done <- p.wait() }()
	var r result
	var child *childReport
	if c.exec {
	poll:
		for {
			select {
			case r = <-done:
				break poll
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := os.Stat(report); err == nil {
				child = le.midExec(t, label, sit, c, report, before, p)
				os.WriteFile(report+".release", nil, 0o600)
				r = <-done
				break poll
			}
		}
	} else {
		r = <-done
	}
	checkClean(t, r)
	if os.Getenv("HARDENING_TRACE") != "" {
		t.Logf("TRACE %s: exit %d in %s\n--- stdout:\n%s\n--- stderr:\n%s", label, r.code, r.elapsed.Round(time.Millisecond), tail(r.stdout, 800), tail(r.stderr, 800))
	}
	if r.code == 2 && c.name != "exec" {
		t.Errorf("%s: usage error (the test's command line is wrong?):\n%s", label, r.stderr)
	}

	after := snapshot(roots...)
	le.harvest(after)
	le.checkProcReports(t, label)

	// stderr and awsauth's own argv: never a secret.
	for _, l := range le.sec.find(r.stderr) {
		t.Errorf("%s: stderr leaks %s\n--- stderr:\n%s", label, l, tail(r.stderr, 3000))
	}
	for _, l := range le.sec.find(strings.Join(r.argv, " ")) {
		t.Errorf("%s: awsauth's argv holds %s", label, l)
	}
	// stdout: only the credentials asked for, where that is the point.
	if c.payload {
		pv := payloadValues(r.stdout)
		for _, l := range le.sec.find(r.stdout) {
			v := le.sec.value(l.name)
			planted := !strings.Contains(l.name, "#")
			if !pv[v] || (planted && sit.payload != nil && !contains(sit.payload, l.name)) || (planted && sit.payload == nil) {
				t.Errorf("%s: stdout leaks %s, which is not the payload\n--- stdout:\n%s", label, l, r.stdout)
			}
		}
		if r.code != 0 && r.stdout != "" {
			t.Errorf("%s: failed (exit %d) but printed on stdout:\n%s", label, r.code, r.stdout)
		}
		if sit.ok && r.code == 0 {
			if len(pv) == 0 {
				t.Errorf("%s: no credentials on stdout:\n%s", label, r.stdout)
			}
			for _, n := range sit.payload {
				if !pv[le.sec.value(n)] {
					t.Errorf("%s: stdout lacks %s, the credentials of this situation", label, n)
				}
			}
		}
	} else {
		for _, l := range le.sec.find(r.stdout) {
			t.Errorf("%s: stdout leaks %s\n--- stdout:\n%s", label, l, tail(r.stdout, 3000))
		}
	}
	// Files written outside the caches.
	for _, f := range changedFiles(before, after) {
		if le.allowed(f) {
			continue
		}
		data, _ := os.ReadFile(f)
		for _, l := range le.sec.find(string(data)) {
			t.Errorf("%s: %s was written with %s", label, f, l)
		}
	}
	// Nothing left in TMPDIR (exec's copies, demo's throw-away HOME).
	for name := range dirNames(le.sb.tmp) {
		if !tmpBefore[name] {
			t.Errorf("%s: left %s in TMPDIR", label, name)
		}
	}
	for _, f := range le.exec.seen {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s: exec left its copy %s behind", label, f)
		}
	}
	le.exec.seen = nil

	// Outcomes: the success paths must succeed, the failures must fail.
	switch {
	case sit.ok && c.mustOK && r.code != 0:
		t.Errorf("%s: exit %d, want 0\n--- stderr:\n%s", label, r.code, tail(r.stderr, 3000))
	case !sit.ok && c.name == "status" && r.code == 0:
		t.Errorf("%s: status succeeded where it must fail\n--- stdout:\n%s", label, r.stdout)
	}
	if c.exec && c.child == nil && sit.ok && r.code == 0 && child == nil {
		t.Errorf("%s: the child never reported", label)
	}
}

// midExec looks at a running exec: the child's view (argv, ancestors,
// environment, what the endpoint gave it) and the files written so far.
func (le *leakEnv) midExec(t testing.TB, label string, sit situation, c command, path string, before map[string]fileSig, p *proc) *childReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%s: read the child's report: %v", label, err)
		return nil
	}
	var rep childReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Errorf("%s: child report: %v", label, err)
		return nil
	}
	le.childReports++
	if rep.Token != "" && !c.noSrv {
		le.sec.addDynamic("endpoint-token", rep.Token)
	}
	for _, k := range []string{"SecretAccessKey", "Token"} {
		le.sec.addDynamic("endpoint-creds", rep.Creds[k])
	}
	if !c.noSrv && sit.ok {
		if rep.Status != http.StatusOK || rep.Creds["AccessKeyId"] == "" {
			t.Errorf("%s: the child got %d from the endpoint (%s)", label, rep.Status, rep.Err)
		}
	}
	argv := strings.Join(rep.Argv, " ")
	for _, a := range rep.Ancestors {
		argv += "\n" + strings.Join(a.Argv, " ")
	}
	argv += "\n" + strings.Join(cmdline(p.cmd.Process.Pid), " ")
	for _, l := range le.sec.find(argv) {
		t.Errorf("%s: an argv (child, awsauth or above) holds %s:\n%s", label, l, argv)
	}
	// The child's environment: its own endpoint token, and with
	// --no-server the keys it was handed; nothing else of ours.
	for _, kv := range rep.Env {
		k, v, _ := strings.Cut(kv, "=")
		if k == "AWS_CONTAINER_AUTHORIZATION_TOKEN" && v == rep.Token && !c.noSrv {
			continue
		}
		if c.noSrv && (k == "AWS_SECRET_ACCESS_KEY" || k == "AWS_SESSION_TOKEN") {
			continue
		}
		for _, l := range le.sec.find(kv) {
			t.Errorf("%s: the child's environment has %s in %s", label, l, k)
		}
	}
	// Files so far. exec shadows [default]'s keys with copies of the shared
	// files in its temporary directory; those hold the other profiles (the
	// child may use them), never [default]'s keys, and must be private.
	for _, f := range changedFiles(before, snapshot(le.sb.home, le.sb.tmp)) {
		if le.allowed(f) {
			continue
		}
		data, _ := os.ReadFile(f)
		if strings.HasPrefix(f, filepath.Join(le.sb.tmp, "awsauth-exec-")) {
			le.exec.seen = append(le.exec.seen, f)
			if fi, err := os.Stat(f); err == nil && fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: exec's copy %s has mode %v", label, f, fi.Mode().Perm())
			}
			if di, err := os.Stat(filepath.Dir(f)); err == nil && di.Mode().Perm() != 0o700 {
				t.Errorf("%s: exec's directory %s has mode %v", label, filepath.Dir(f), di.Mode().Perm())
			}
			for _, l := range le.sec.find(string(data)) {
				if l.name == defaultSecretName {
					t.Errorf("%s: exec's copy %s still holds [default]'s %s", label, f, l)
				}
			}
			continue
		}
		for _, l := range le.sec.find(string(data)) {
			t.Errorf("%s: %s was written while exec ran, with %s", label, f, l)
		}
	}
	return &rep
}

// checkProcReports checks the argv of every credential_process run so far,
// and of its ancestors (the shell the SDK starts it with, then awsauth).
func (le *leakEnv) checkProcReports(t testing.TB, label string) {
	files, _ := filepath.Glob(filepath.Join(le.sb.capture, "proc-[0-9]*.json"))
	for _, f := range files {
		if le.procReports[f] {
			continue
		}
		le.procReports[f] = true
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var rep childReport
		if json.Unmarshal(data, &rep) != nil {
			continue
		}
		argv := strings.Join(rep.Argv, " ")
		for _, a := range rep.Ancestors {
			argv += "\n" + strings.Join(a.Argv, " ")
		}
		for _, l := range le.sec.find(argv) {
			t.Errorf("%s: a credential_process's argv or its parents' hold %s:\n%s", label, l, argv)
		}
	}
}

func dirNames(dir string) map[string]bool {
	out := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		out[e.Name()] = true
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// recorder keeps the failures a check reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestLeakDetectorControl proves that the checks above see a leak when
// there is one: an exec child that writes the keys it was given to
// awsauth's stderr and into a file under TMPDIR is caught on both counts.
func TestLeakDetectorControl(t *testing.T) {
	le := newLeakEnv(t)
	rec := &recorder{TB: t}
	leaky := command{name: "leaky-child", words: []string{"exec"}, args: []string{"--no-server"}, exec: true, noSrv: true,
		child: []string{"sh", "-c", `echo "oops $AWS_SECRET_ACCESS_KEY" >&2; echo "$AWS_SESSION_TOKEN" > "$TMPDIR/leak.txt"`}}
	le.runCase(rec, situation{name: "static-keys", profile: "session", ok: true}, leaky, []string{"--debug"})
	var stderr, file bool
	for _, e := range rec.errs {
		stderr = stderr || strings.Contains(e, "stderr leaks file-session-secret")
		file = file || strings.Contains(e, "leak.txt was written with file-session-token")
	}
	if !stderr || !file {
		t.Errorf("the leak checks missed a leak (stderr caught: %v, file caught: %v); they reported:\n%s", stderr, file, strings.Join(rec.errs, "\n"))
	}
}
