//go:build linux

package hardening

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// twoProfiles is a config with an assume-role profile on the fake's IAM user
// and an IAM Identity Center profile.
const twoProfiles = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = ` + awsfake.DefaultStartURL + `
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile deploy]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = base
region = us-east-1
`

const baseKeys = `[base]
aws_access_key_id = ` + awsfake.DefaultUserAccessKeyID + `
aws_secret_access_key = ` + awsfake.DefaultUserSecretAccessKey + `
`

// processOutput is the credential_process JSON, read strictly.
type processOutput struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	AccountID       string `json:"AccountId"`
}

var tempKeyID = regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`)

func parseProcessOutput(out string) (processOutput, error) {
	var p processOutput
	dec := json.NewDecoder(bytes.NewReader([]byte(out)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, err
	}
	if dec.More() {
		return p, errorString("more than one JSON value on stdout")
	}
	switch {
	case p.Version != 1:
		return p, errorString("Version is not 1")
	case !tempKeyID.MatchString(p.AccessKeyID):
		return p, errorString("AccessKeyId " + p.AccessKeyID + " is not a temporary key id")
	case len(p.SecretAccessKey) != 40:
		return p, errorString("SecretAccessKey is not 40 characters")
	case p.SessionToken == "":
		return p, errorString("no SessionToken")
	case p.Expiration.IsZero():
		return p, errorString("no Expiration")
	}
	return p, nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// gatedUpstream serves the fake, holding every request until gate is
// closed (30 s at most), so that the first caller is still fetching while
// the last one starts.
func gatedUpstream(t *testing.T, fake *awsfake.Server, gate <-chan struct{}) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-gate:
		case <-time.After(30 * time.Second):
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestParallelColdCredentialProcess starts 50 credential-process at once on
// a cold cache, with an upstream that answers only once all of them are
// running: one upstream call, and every process prints the same valid
// credentials, alone on stdout.
func TestParallelColdCredentialProcess(t *testing.T) {
	for _, tc := range []struct {
		name, profile, op, account string
	}{
		{"assume-role", "deploy", "AssumeRole", awsfake.ProdAccountID},
		{"sso", "dev", "GetRoleCredentials", awsfake.DevAccountID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			fake, err := awsfake.New(awsfake.Options{})
			if err != nil {
				t.Fatal(err)
			}
			gate := make(chan struct{})
			url := gatedUpstream(t, fake, gate)
			for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC"} {
				sb.env[k] = url
			}
			sb.writeFile(".aws/config", twoProfiles)
			sb.writeFile(".aws/credentials", baseKeys)
			tok := fake.IssueSSOToken()
			data, _ := json.Marshal(ssoCacheEntry(tok, awsfake.DefaultStartURL))
			sb.writeFile(".aws/sso/cache/"+filepath.Base(sb.ssoCachePath("corp")), string(data))

			const n = 50
			procs := make([]*proc, n)
			for i := range procs {
				procs[i] = sb.start([]string{"credential-process", "--profile", tc.profile}, runOpts{})
			}
			lastStart := time.Now()
			time.Sleep(200 * time.Millisecond) // the last ones reach the cache lock
			close(gate)
			results := make([]result, n)
			firstEnd := time.Time{}
			for i, p := range procs {
				results[i] = p.wait()
				end := p.start.Add(results[i].elapsed)
				if firstEnd.IsZero() || end.Before(firstEnd) {
					firstEnd = end
				}
			}
			if !lastStart.Before(firstEnd) {
				t.Fatalf("the last process started %s after the first one ended: they did not run together", lastStart.Sub(firstEnd))
			}

			var first processOutput
			for i, r := range results {
				checkClean(t, r)
				if r.code != 0 || r.stderr != "" {
					t.Errorf("process %d: exit %d, stderr:\n%s", i, r.code, r.stderr)
					continue
				}
				out, err := parseProcessOutput(r.stdout)
				if err != nil {
					t.Errorf("process %d: %v\nstdout: %q", i, err, r.stdout)
					continue
				}
				if out.AccountID != tc.account {
					t.Errorf("process %d: AccountId %q, want %s", i, out.AccountID, tc.account)
				}
				if left := time.Until(out.Expiration); left < 50*time.Minute {
					t.Errorf("process %d: credentials expire in %s", i, left)
				}
				if i == 0 {
					first = out
				} else if out != first {
					t.Errorf("process %d got other credentials (%s) than process 0 (%s)", i, out.AccessKeyID, first.AccessKeyID)
				}
			}
			if got := fake.Calls(tc.op); got != 1 {
				t.Errorf("%d parallel calls on a cold cache made %d %s calls, want 1", n, got, tc.op)
			}
			acct, err := callerAccount(context.Background(), url, aws.Credentials{AccessKeyID: first.AccessKeyID, SecretAccessKey: first.SecretAccessKey, SessionToken: first.SessionToken})
			if err != nil || acct != tc.account {
				t.Errorf("STS on the credentials handed out: account %q, %v", acct, err)
			}

			// The cache: one entry, private, and it serves a warm call.
			files, _ := filepath.Glob(filepath.Join(sb.credCacheDir(), "creds-*.json"))
			if len(files) != 1 {
				t.Fatalf("cache entries: %v, want one", files)
			}
			if fi, _ := os.Stat(files[0]); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v", files[0], fi.Mode().Perm())
			}
			if di, _ := os.Stat(sb.credCacheDir()); di.Mode().Perm() != 0o700 {
				t.Errorf("%s has mode %v", sb.credCacheDir(), di.Mode().Perm())
			}
			r := sb.run([]string{"credential-process", "--profile", tc.profile}, runOpts{})
			if out, err := parseProcessOutput(r.stdout); err != nil || out != first || fake.Calls(tc.op) != 1 {
				t.Errorf("warm call: %v, same credentials %v, %d upstream calls", err, out == first, fake.Calls(tc.op))
			}
			t.Logf("%d processes, one %s; the slowest took %s", n, tc.op, slowest(results).Round(time.Millisecond))
		})
	}
}

func slowest(rs []result) time.Duration {
	var m time.Duration
	for _, r := range rs {
		m = max(m, r.elapsed)
	}
	return m
}

// TestParallelSSOTokenRenewal: the SSO access token has expired but the
// session lives (the refresh token works), and many awsauth processes that
// do not share a credential cache lock (status, credential-process of two
// profiles on the one sso-session) need it at once. Refresh tokens rotate,
// so only one renewal per token can succeed; every process must still get
// credentials, none may ask for a new login, and the cache must end up
// holding a token that works.
func TestParallelSSOTokenRenewal(t *testing.T) {
	rounds, n := 5, 16
	if testing.Short() {
		rounds = 2
	}
	sb := newSandbox(t)
	fake, err := awsfake.Start(context.Background(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	sb.useFake(fake)
	sb.writeFile(".aws/config", twoProfiles+`
[profile dev-ro]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-east-1
`)
	for round := 0; round < rounds; round++ {
		tok := fake.IssueSSOToken()
		e := ssoCacheEntry(tok, awsfake.DefaultStartURL)
		e["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05Z")
		data, _ := json.Marshal(e)
		sb.writeFile(".aws/sso/cache/"+filepath.Base(sb.ssoCachePath("corp")), string(data))
		os.RemoveAll(sb.credCacheDir())

		procs := make([]*proc, n)
		for i := range procs {
			switch i % 3 {
			case 0:
				procs[i] = sb.start([]string{"status", "--profile", "dev"}, runOpts{})
			case 1:
				procs[i] = sb.start([]string{"credential-process", "--profile", "dev"}, runOpts{})
			default:
				procs[i] = sb.start([]string{"credential-process", "--profile", "dev-ro"}, runOpts{})
			}
		}
		for i, p := range procs {
			r := p.wait()
			checkClean(t, r)
			if r.code != 0 {
				t.Errorf("round %d, process %d (%v): exit %d while the SSO session lives:\n%s", round, i, r.args, r.code, r.stderr)
			}
		}
		// What the cache holds now must work: another process needs no
		// renewal and no login.
		r := sb.run([]string{"status", "--profile", "dev"}, runOpts{})
		if r.code != 0 {
			t.Errorf("round %d: status after the renewals: exit %d:\n%s", round, r.code, r.stderr)
		}
	}
	if got := fake.Calls("StartDeviceAuthorization"); got != 0 {
		t.Errorf("%d device logins started while the session lived", got)
	}
	t.Logf("%d rounds of %d processes: %d CreateToken calls", rounds, n, fake.Calls("CreateToken"))
}
