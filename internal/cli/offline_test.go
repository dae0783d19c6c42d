package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/ssotoken"
)

// countingFake is the strict fake AWS behind a counter of the requests it
// got: every AWS endpoint, the container endpoint and the instance metadata
// service of a case point here, so a case that reaches its verdict without
// the network is seen to make no request at all.
type countingFake struct {
	url   string
	fake  *awsfake.Server
	calls atomic.Int64
}

func startCountingFake(t *testing.T) *countingFake {
	fake, err := awsfake.New(awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &countingFake{fake: fake}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.calls.Add(1)
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.url = srv.URL
	return c
}

// tokenState is what the SSO token cache holds.
type tokenState int

const (
	noToken             tokenState = iota
	validToken                     // unexpired
	expiredToken                   // expired, refreshable
	expiredNoRefresh               // expired, no refresh token
	expiredRegistration            // expired, and the client registration too
	corruptToken                   // not JSON
)

// statusJSON is the part of `status --json` both runs must agree on.
type statusJSON struct {
	Source string `json:"source"`
	Error  *struct {
		Kind string `json:"kind"`
	} `json:"error"`
}

func (s statusJSON) kind() string {
	if s.Error == nil {
		return ""
	}
	return s.Error.Kind
}

// TestOfflineAgreesWithOnline runs each setup with `status` and with
// `status --offline`. Where the online verdict comes without a single
// request (a file that is not there, nothing to ask, a session nobody logged
// in to), offline must reach the same one: the same exit code, source and
// kind of error. Where the online verdict needed an answer from AWS (or the
// container or instance metadata endpoint), offline says "not checked" and
// exits 0. Offline never makes a request.
func TestOfflineAgreesWithOnline(t *testing.T) {
	const role = "arn:aws:iam::111111111111:role/Admin"
	ssoConfig := lines("[profile dev]", "sso_session = corp", "sso_account_id = 111111111111", "sso_role_name = Admin", "region = us-east-1",
		"[sso-session corp]", "sso_start_url = "+awsfake.DefaultStartURL, "sso_region = us-east-1")
	legacyConfig := lines("[profile dev]", "sso_start_url = "+awsfake.DefaultStartURL, "sso_region = us-east-1", "sso_account_id = 111111111111", "sso_role_name = Admin")
	userKeys := lines("[user]", "aws_access_key_id = "+awsfake.DefaultUserAccessKeyID, "aws_secret_access_key = "+awsfake.DefaultUserSecretAccessKey)

	cases := []struct {
		name        string
		config      string
		credentials string
		profile     string
		// env is added to the sealed environment; $TMP, $FAKE and $PATH
		// in values (and in config) are replaced.
		env   map[string]string
		files map[string]string // written under $TMP, mode 0755 unless named *.txt
		sso   string            // sso-session name or start URL to seed a token for
		token tokenState
		// network: only an answer from an endpoint decides; offline says
		// "not checked".
		network bool
		// want is the online exit code, which is also what offline must
		// exit with when the case is decided without the network.
		want int
	}{
		{name: "nothing configured, instance metadata disabled", want: ExitCredentials},
		{name: "nothing configured, instance metadata to ask",
			env:     map[string]string{"AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "$FAKE"},
			network: true, want: ExitCredentials},
		{name: "credential_source Ec2InstanceMetadata, disabled",
			config: lines("[profile p]", "role_arn = "+role, "credential_source = Ec2InstanceMetadata"), profile: "p", want: ExitCredentials},
		{name: "credential_source Environment without keys",
			config: lines("[profile p]", "role_arn = "+role, "credential_source = Environment"), profile: "p",
			env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIAI44QH8DHBEXAMPLE"}, want: ExitCredentials},

		{name: "container endpoint that is not a URL",
			env: map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "::not a url"}, want: ExitError},
		{name: "container endpoint over http to a remote host",
			env: map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://203.0.113.7/creds"}, want: ExitError},
		{name: "container authorization token file missing",
			env:  map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$FAKE/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "$TMP/no-token"},
			want: ExitError},
		{name: "container endpoint to ask",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$FAKE/creds"},
			network: true, want: ExitError},
		{name: "credential_source EcsContainer with an endpoint to ask",
			config: lines("[profile p]", "role_arn = "+role, "credential_source = EcsContainer"), profile: "p",
			env:     map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "$FAKE/creds"},
			network: true, want: ExitError},

		{name: "web identity token file missing",
			env:  map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "$TMP/no-token", "AWS_ROLE_ARN": role},
			want: ExitError},
		{name: "web identity without a role",
			env:   map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "$TMP/token.txt"},
			files: map[string]string{"token.txt": "eyJhbGciOiJub25lIn0.e30."}, want: ExitError},
		{name: "web identity profile, token file missing",
			config: lines("[profile p]", "role_arn = "+role, "web_identity_token_file = $TMP/no-token"), profile: "p", want: ExitError},
		{name: "web identity token to exchange",
			env:   map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "$TMP/token.txt", "AWS_ROLE_ARN": role},
			files: map[string]string{"token.txt": "eyJhbGciOiJub25lIn0.e30."}, network: true, want: ExitError},

		{name: "credential_process program missing",
			config: lines("[profile p]", "credential_process = $TMP/no-such-tool --json"), profile: "p", want: ExitError},
		{name: "credential_process program not executable",
			config: lines("[profile p]", "credential_process = $TMP/tool.txt --json"), profile: "p",
			files: map[string]string{"tool.txt": "#!/bin/sh\nexit 0\n"}, want: ExitError},
		{name: "credential_process program not on PATH",
			config: lines("[profile p]", "credential_process = awsauth-test-no-such-helper --json"), profile: "p",
			env: map[string]string{"PATH": "$PATH"}, want: ExitError},
		{name: "credential_process quoted program missing",
			config: lines("[profile p]", `credential_process = "$TMP/no such tool" --json`), profile: "p", want: ExitError},
		{name: "credential_process that answers",
			config: lines("[profile p]", "region = us-east-1", "credential_process = $TMP/creds"), profile: "p",
			files: map[string]string{"creds": "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"" + awsfake.DefaultUserAccessKeyID +
				"\",\"SecretAccessKey\":\"" + awsfake.DefaultUserSecretAccessKey + "\"}'\n"},
			network: true, want: ExitOK},
		{name: "role over a missing credential_process",
			config:  lines("[profile p]", "role_arn = "+role, "source_profile = q", "[profile q]", "credential_process = $TMP/no-such-tool"),
			profile: "p", want: ExitError},

		{name: "sso-session nobody logged in to", config: ssoConfig, profile: "dev", want: ExitLoginRequired},
		{name: "sso-session token expired, no refresh token", config: ssoConfig, profile: "dev",
			sso: "corp", token: expiredNoRefresh, want: ExitLoginRequired},
		{name: "sso-session token and client registration expired", config: ssoConfig, profile: "dev",
			sso: "corp", token: expiredRegistration, want: ExitLoginRequired},
		{name: "sso-session token cache corrupt", config: ssoConfig, profile: "dev",
			sso: "corp", token: corruptToken, want: ExitLoginRequired},
		{name: "legacy SSO token expired", config: legacyConfig, profile: "dev",
			sso: awsfake.DefaultStartURL, token: expiredToken, want: ExitLoginRequired},
		{name: "legacy SSO nobody logged in", config: legacyConfig, profile: "dev", want: ExitLoginRequired},
		{name: "role over an SSO profile nobody logged in to",
			config: ssoConfig + lines("[profile deploy]", "role_arn = "+role, "source_profile = dev"), profile: "deploy", want: ExitLoginRequired},
		{name: "sso-session token expired, refreshable", config: ssoConfig, profile: "dev",
			sso: "corp", token: expiredToken, network: true, want: ExitOK},
		{name: "sso-session token valid", config: ssoConfig, profile: "dev",
			sso: "corp", token: validToken, network: true, want: ExitOK},

		{name: "static keys, half of them",
			credentials: lines("[p]", "aws_access_key_id = "+awsfake.DefaultUserAccessKeyID), profile: "p", want: ExitError},
		{name: "static keys", credentials: userKeys, profile: "user", network: true, want: ExitOK},
		{name: "environment keys",
			env:     map[string]string{"AWS_ACCESS_KEY_ID": awsfake.DefaultUserAccessKeyID, "AWS_SECRET_ACCESS_KEY": awsfake.DefaultUserSecretAccessKey},
			network: true, want: ExitOK},
		{name: "role over static keys", credentials: userKeys,
			config: lines("[profile p]", "role_arn = "+role, "source_profile = user"), profile: "p", network: true, want: ExitOK},
		{name: "role with MFA over long-term keys, nobody to type the code", credentials: userKeys,
			config:  lines("[profile p]", "role_arn = "+role, "source_profile = user", "mfa_serial = "+awsfake.DefaultMFASerial),
			profile: "p", want: ExitCredentials},
		{name: "login_session nobody logged in to",
			config: lines("[profile p]", "login_session = arn:aws:iam::111111111111:user/alice"), profile: "p", want: ExitLoginRequired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if runtime.GOOS == "windows" && strings.Contains(c.config+c.credentials, "credential_process") {
				t.Skip("Unix only: the programs are sh scripts, and on Windows --offline leaves credential_process to cmd.exe")
			}
			fake := startCountingFake(t)
			tmp := t.TempDir()
			expand := strings.NewReplacer("$TMP", tmp, "$FAKE", fake.url, "$PATH", os.Getenv("PATH")).Replace
			env := home(t, expand(c.config), expand(c.credentials))
			for k, v := range map[string]string{
				"AWS_ENDPOINT_URL_STS": fake.url, "AWS_ENDPOINT_URL_SSO": fake.url, "AWS_ENDPOINT_URL_SSO_OIDC": fake.url,
				"AWS_ENDPOINT_URL_SIGNIN": fake.url, "AWS_REGION": "us-east-1",
			} {
				env[k] = v
			}
			for k, v := range c.env {
				env[k] = expand(v)
			}
			for name, text := range c.files {
				mode := os.FileMode(0o755)
				if strings.HasSuffix(name, ".txt") {
					mode = 0o644
				}
				if err := os.WriteFile(filepath.Join(tmp, name), []byte(text), mode); err != nil {
					t.Fatal(err)
				}
			}
			if c.sso != "" {
				seedSSOToken(t, env["HOME"], fake.fake, c.sso, c.token)
			}
			args := []string{"status", "--json", "--timeout", "20s"}
			if c.profile != "" {
				args = append(args, "--profile", c.profile)
			}

			on := runCLI(t, env, false, args...)
			onCalls := fake.calls.Load()
			off := runCLI(t, env, false, append(args, "--offline")...)
			offText := runCLI(t, env, false, append([]string{"status"}, append(args[2:], "--offline")...)...)
			if n := fake.calls.Load() - onCalls; n != 0 {
				t.Errorf("--offline made %d requests", n)
			}
			if on.code != c.want {
				t.Errorf("online: exit %d, want %d\n%s%s", on.code, c.want, on.out, on.errOut)
			}
			var onJ, offJ statusJSON
			if on.out != "" {
				if err := json.Unmarshal([]byte(on.out), &onJ); err != nil {
					t.Fatalf("online --json: %v\n%s", err, on.out)
				}
			}
			if off.out != "" {
				if err := json.Unmarshal([]byte(off.out), &offJ); err != nil {
					t.Fatalf("offline --json: %v\n%s", err, off.out)
				}
			}
			notChecked := strings.Contains(offText.out, "(not checked: --offline)")
			if c.network {
				if onCalls == 0 {
					t.Errorf("online decided without a request: the case is not network-bound")
				}
				if off.code != ExitOK || offJ.Error != nil || !notChecked {
					t.Errorf("offline: exit %d, error %+v, want exit 0 and \"not checked: --offline\"\n%s%s", off.code, offJ.Error, offText.out, off.errOut)
				}
				return
			}
			if onCalls != 0 {
				t.Errorf("online made %d requests: the case is network-bound", onCalls)
			}
			if off.code != on.code {
				t.Errorf("offline exits %d, online %d\nonline:\n%s%s\noffline:\n%s%s", off.code, on.code, on.out, on.errOut, off.out, off.errOut)
			}
			if offJ.Source != onJ.Source || offJ.kind() != onJ.kind() {
				t.Errorf("offline says source %q, error %q; online source %q, error %q", offJ.Source, offJ.kind(), onJ.Source, onJ.kind())
			}
			if notChecked {
				t.Errorf("offline says \"not checked\" of a decided case:\n%s", offText.out)
			}
		})
	}
}

// seedSSOToken writes the token cache for key (an sso-session name or a
// legacy start URL) in the given state, with a token fake accepts.
func seedSSOToken(t *testing.T, home string, fake *awsfake.Server, key string, state tokenState) {
	t.Helper()
	store := ssotoken.NewStore(home)
	if state == corruptToken {
		path := ssotoken.CachePath(home, key)
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	issued := fake.IssueSSOToken()
	ts := func(tm time.Time) *ssotoken.Timestamp {
		return &ssotoken.Timestamp{Time: tm.UTC().Truncate(time.Second)}
	}
	tok := &ssotoken.Token{
		StartURL: awsfake.DefaultStartURL, Region: "us-east-1", AccessToken: issued.AccessToken,
		ExpiresAt: ts(issued.ExpiresAt), ClientID: issued.ClientID, ClientSecret: issued.ClientSecret,
		RegistrationExpiresAt: ts(issued.RegistrationExpiresAt), RefreshToken: issued.RefreshToken,
	}
	past := ts(time.Now().Add(-time.Minute))
	switch state {
	case expiredToken:
		tok.ExpiresAt = past
	case expiredNoRefresh:
		tok.ExpiresAt, tok.RefreshToken = past, ""
	case expiredRegistration:
		tok.ExpiresAt, tok.RegistrationExpiresAt = past, past
	}
	if err := store.WriteToken(key, tok); err != nil {
		t.Fatal(err)
	}
}
