package awsconfig

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/awsauth/awsauth/internal/sysenv"
)

const testConfig = `
[default]
region = eu-west-1

[profile base]
region = us-east-1

[profile admin]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = base

[profile deep]
role_arn = arn:aws:iam::333333333333:role/Deploy
source_profile = admin
mfa_serial = arn:aws:iam::111111111111:mfa/alice

[profile corp-dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer
region = eu-central-1

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 444444444444
sso_role_name = ReadOnly

[profile proc]
credential_process = /usr/bin/get-creds --account 1

[profile ci]
role_arn = arn:aws:iam::555555555555:role/CI
web_identity_token_file = /var/run/token

[profile on-ec2]
role_arn = arn:aws:iam::666666666666:role/App
credential_source = Ec2InstanceMetadata

[profile from-env]
role_arn = arn:aws:iam::666666666666:role/App
credential_source = Environment

[profile self]
role_arn = arn:aws:iam::777777777777:role/Self
source_profile = self

[profile via-sso]
role_arn = arn:aws:iam::888888888888:role/Deploy
source_profile = corp-dev

[profile loop-a]
role_arn = arn:aws:iam::1:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::1:role/B
source_profile = loop-a

[profile orphan]
role_arn = arn:aws:iam::999999999999:role/Orphan

[profile dangling]
role_arn = arn:aws:iam::999999999999:role/X
source_profile = bsae

[profile sign-in]
login_session = arn:aws:iam::111111111111:user/alice

[profile empty]
region = ap-south-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
`

const testCredentials = `
[base]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[self]
aws_access_key_id = AKIAI44QH8DHBEXAMPLE
aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
`

func writeFiles(t testing.TB, config, creds string) Files {
	t.Helper()
	dir := t.TempDir()
	f := Files{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	mustWrite(t, f.Config, config)
	mustWrite(t, f.Credentials, creds)
	return f
}

func mustWrite(t testing.TB, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

type hopSummary struct {
	Profile string
	Kind    Kind
}

func summarize(t *Trace) []hopSummary {
	var out []hopSummary
	for _, h := range t.Hops {
		out = append(out, hopSummary{h.Profile, h.Kind})
	}
	return out
}

func TestResolveChains(t *testing.T) {
	files := writeFiles(t, testConfig, testCredentials)
	tests := []struct {
		name       string
		profile    string
		env        map[string]string
		want       []hopSummary
		wantRegion string
		wantFrom   string
		warnings   []string
	}{
		{name: "static keys", profile: "base",
			want: []hopSummary{{"base", KindStatic}}, wantRegion: "us-east-1"},
		{name: "assume role from static", profile: "admin",
			want: []hopSummary{{"admin", KindAssumeRole}, {"base", KindStatic}}, wantRegion: ""},
		{name: "two hop role chain", profile: "deep",
			want:     []hopSummary{{"deep", KindAssumeRole}, {"admin", KindAssumeRole}, {"base", KindStatic}},
			warnings: []string{"role-chaining"}},
		{name: "sso session", profile: "corp-dev",
			want: []hopSummary{{"corp-dev", KindSSO}}, wantRegion: "eu-central-1"},
		{name: "legacy sso", profile: "legacy",
			want: []hopSummary{{"legacy", KindSSOLegacy}}},
		{name: "credential process", profile: "proc",
			want: []hopSummary{{"proc", KindProcess}}},
		{name: "web identity profile", profile: "ci",
			want: []hopSummary{{"ci", KindWebIdentity}}},
		{name: "credential_source imds", profile: "on-ec2",
			want: []hopSummary{{"on-ec2", KindAssumeRole}, {"on-ec2", KindIMDS}}, warnings: []string{"role-chaining"}},
		{name: "credential_source environment", profile: "from-env",
			env:  map[string]string{"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"},
			want: []hopSummary{{"from-env", KindAssumeRole}, {"from-env", KindEnv}}},
		{name: "self referencing source_profile uses own keys", profile: "self",
			want: []hopSummary{{"self", KindAssumeRole}, {"self", KindStatic}}},
		{name: "role over sso is role chaining", profile: "via-sso",
			want: []hopSummary{{"via-sso", KindAssumeRole}, {"corp-dev", KindSSO}}, warnings: []string{"role-chaining"}},
		{name: "login session", profile: "sign-in",
			want: []hopSummary{{"sign-in", KindLogin}}},
		{name: "profile without credentials falls to imds", profile: "empty",
			want: []hopSummary{{"", KindIMDS}}, wantRegion: "ap-south-1"},
		{name: "profile without credentials uses container endpoint", profile: "empty",
			env:  map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9911/creds"},
			want: []hopSummary{{"", KindContainer}}},
		{name: "env keys win over AWS_PROFILE",
			env:      map[string]string{"AWS_PROFILE": "admin", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "s"},
			want:     []hopSummary{{"", KindEnv}},
			warnings: []string{"env-keys-beat-profile"}},
		{name: "explicit --profile wins over env keys", profile: "base",
			env:  map[string]string{"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "s"},
			want: []hopSummary{{"base", KindStatic}}},
		{name: "AWS_PROFILE selects the profile",
			env:  map[string]string{"AWS_PROFILE": "corp-dev"},
			want: []hopSummary{{"corp-dev", KindSSO}}, wantFrom: "AWS_PROFILE"},
		{name: "AWS_DEFAULT_PROFILE selects the profile",
			env:  map[string]string{"AWS_DEFAULT_PROFILE": "proc"},
			want: []hopSummary{{"proc", KindProcess}}, wantFrom: "AWS_DEFAULT_PROFILE",
			// The JS SDK v3 reads only AWS_PROFILE.
			warnings: []string{"aws-default-profile"}},
		{name: "web identity from env",
			env:  map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/t", "AWS_ROLE_ARN": "arn:aws:iam::1:role/R"},
			want: []hopSummary{{"", KindWebIdentity}}},
		{name: "env keys beat web identity env",
			env:  map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/t", "AWS_ROLE_ARN": "arn:aws:iam::1:role/R", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"},
			want: []hopSummary{{"", KindEnv}}},
		{name: "static keys shadow a container endpoint", profile: "base",
			env:      map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9911/creds"},
			want:     []hopSummary{{"base", KindStatic}},
			warnings: []string{"container-shadowed"}},
		{name: "region flag order", profile: "corp-dev",
			env:        map[string]string{"AWS_REGION": "sa-east-1", "AWS_DEFAULT_REGION": "sa-east-1"},
			want:       []hopSummary{{"corp-dev", KindSSO}},
			wantRegion: "sa-east-1"},
		{name: "AWS_REGION without AWS_DEFAULT_REGION warns for botocore", profile: "corp-dev",
			env:        map[string]string{"AWS_REGION": "sa-east-1"},
			want:       []hopSummary{{"corp-dev", KindSSO}},
			wantRegion: "sa-east-1",
			warnings:   []string{"botocore-region"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"AWS_SDK_LOAD_CONFIG": "1"}
			for k, v := range tt.env {
				env[k] = v
			}
			tr, err := Resolve(context.Background(), Request{Profile: tt.profile, Env: sysenv.FromMap(env), Files: files})
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if diff := cmp.Diff(tt.want, summarize(tr)); diff != "" {
				t.Errorf("hops (-want +got):\n%s", diff)
			}
			if tt.wantRegion != "" && tr.Region != tt.wantRegion {
				t.Errorf("region = %q, want %q", tr.Region, tt.wantRegion)
			}
			if tt.wantFrom != "" && tr.ProfileFrom != tt.wantFrom {
				t.Errorf("profile from = %q, want %q", tr.ProfileFrom, tt.wantFrom)
			}
			var ids []string
			for _, w := range tr.Warnings {
				if w.ID != "no-region" {
					ids = append(ids, w.ID)
				}
			}
			if diff := cmp.Diff(tt.warnings, ids); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			for _, h := range tr.Hops {
				if h.Reason == "" {
					t.Errorf("hop %s/%s has no reason", h.Profile, h.Kind)
				}
			}
		})
	}
}

func TestResolveSSOSettings(t *testing.T) {
	files := writeFiles(t, testConfig, testCredentials)
	tr, err := Resolve(context.Background(), Request{Profile: "corp-dev", Env: sysenv.FromMap(nil), Files: files})
	if err != nil {
		t.Fatal(err)
	}
	want := &SSOSettings{Session: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1",
		AccountID: "111111111111", RoleName: "Developer", Scopes: "sso:account:access"}
	if diff := cmp.Diff(want, tr.Hops[0].SSO); diff != "" {
		t.Errorf("sso settings (-want +got):\n%s", diff)
	}
}

func TestResolveJSSDKv2Warning(t *testing.T) {
	files := writeFiles(t, testConfig, testCredentials)
	tr, err := Resolve(context.Background(), Request{Profile: "corp-dev", Env: sysenv.FromMap(nil), Files: files})
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(tr, "js-sdk-v2-load-config") {
		t.Errorf("profile only in config without AWS_SDK_LOAD_CONFIG: no js-sdk-v2 warning in %+v", tr.Warnings)
	}
	// A profile in the credentials file is visible to JS SDK v2 tools anyway.
	tr, err = Resolve(context.Background(), Request{Profile: "base", Env: sysenv.FromMap(nil), Files: files})
	if err != nil {
		t.Fatal(err)
	}
	if hasWarning(tr, "js-sdk-v2-load-config") {
		t.Errorf("profile in credentials file got a js-sdk-v2 warning")
	}
}

func hasWarning(t *Trace, id string) bool {
	for _, w := range t.Warnings {
		if w.ID == id {
			return true
		}
	}
	return false
}

func TestResolveBadInput(t *testing.T) {
	files := writeFiles(t, testConfig, testCredentials)
	tests := []struct {
		name    string
		profile string
		env     map[string]string
		check   func(t *testing.T, err error)
	}{
		{name: "unknown profile suggests nearest", profile: "admni", check: func(t *testing.T, err error) {
			var nf *ProfileNotFoundError
			if !errors.As(err, &nf) {
				t.Fatalf("got %T %v", err, err)
			}
			if len(nf.Suggestions) == 0 || nf.Suggestions[0] != "admin" {
				t.Errorf("suggestions = %v, want admin first", nf.Suggestions)
			}
			if !strings.Contains(err.Error(), files.Config) {
				t.Errorf("error does not name the file: %v", err)
			}
		}},
		{name: "unknown AWS_PROFILE", env: map[string]string{"AWS_PROFILE": "nope"}, check: func(t *testing.T, err error) {
			var nf *ProfileNotFoundError
			if !errors.As(err, &nf) || nf.From != "AWS_PROFILE" {
				t.Fatalf("got %T %v", err, err)
			}
		}},
		{name: "cyclic source_profile", profile: "loop-a", check: func(t *testing.T, err error) {
			var ce *CycleError
			if !errors.As(err, &ce) {
				t.Fatalf("got %T %v", err, err)
			}
			if got := strings.Join(ce.Path, ">"); got != "loop-a>loop-b>loop-a" {
				t.Errorf("path = %s", got)
			}
		}},
		{name: "role without source", profile: "orphan", check: func(t *testing.T, err error) {
			var ns *NoSourceError
			if !errors.As(err, &ns) {
				t.Fatalf("got %T %v", err, err)
			}
		}},
		{name: "source_profile names a missing profile", profile: "dangling", check: func(t *testing.T, err error) {
			var nf *ProfileNotFoundError
			if !errors.As(err, &nf) || nf.Name != "bsae" {
				t.Fatalf("got %T %v", err, err)
			}
			if len(nf.Suggestions) == 0 || nf.Suggestions[0] != "base" {
				t.Errorf("suggestions = %v", nf.Suggestions)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(context.Background(), Request{Profile: tt.profile, Env: sysenv.FromMap(tt.env), Files: files})
			if err == nil {
				t.Fatal("Resolve succeeded, want an error")
			}
			tt.check(t, err)
		})
	}
}

func TestMalformedFiles(t *testing.T) {
	tests := []struct {
		name, config, creds string
		line                int
		inCreds             bool
	}{
		{name: "unclosed section", config: "[profile a]\nregion = x\n[profile b\nregion = y\n", line: 3},
		{name: "line without equals", config: "[default]\nregion = x\nthis is not ini\n", line: 3},
		{name: "key before any section", config: "region = x\n[default]\n", line: 1},
		{name: "byte order mark, which hides the first section from the SDKs", config: "\ufeff[profile p]\nregion = x\n", line: 1},
		{name: "comment character inside a header", config: "[default]\n[profile a#b]\nregion = x\n", line: 2},
		{name: "secret line without equals in credentials", creds: "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key wJalrXUtnFEMI/K7MDENG\n", line: 3, inCreds: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := writeFiles(t, tt.config, tt.creds)
			_, err := Resolve(context.Background(), Request{Env: sysenv.FromMap(nil), Files: files})
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %T %v, want SyntaxError", err, err)
			}
			wantFile := files.Config
			if tt.inCreds {
				wantFile = files.Credentials
			}
			if se.File != wantFile || se.Line != tt.line {
				t.Errorf("at %s:%d, want %s:%d", se.File, se.Line, wantFile, tt.line)
			}
			if strings.Contains(err.Error(), "wJalr") {
				t.Errorf("error quotes the secret: %v", err)
			}
		})
	}
}

func TestNoFilesIsNotAnError(t *testing.T) {
	dir := t.TempDir()
	files := Files{Config: filepath.Join(dir, "nope", "config"), Credentials: filepath.Join(dir, "nope", "credentials")}
	tr, err := Resolve(context.Background(), Request{Env: sysenv.FromMap(nil), Files: files})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Source() != KindIMDS || tr.ProfileExists {
		t.Errorf("source = %s exists = %v, want imds fallback for a missing default", tr.Source(), tr.ProfileExists)
	}
}

func TestLocateFiles(t *testing.T) {
	// HOME on Unix, USERPROFILE on Windows.
	f := LocateFiles(sysenv.FromMap(map[string]string{"HOME": "/h", "USERPROFILE": "/h"}))
	if f.Config != filepath.FromSlash("/h/.aws/config") || f.Credentials != filepath.FromSlash("/h/.aws/credentials") {
		t.Errorf("defaults: %+v", f)
	}
	f = LocateFiles(sysenv.FromMap(map[string]string{"HOME": "/h", "USERPROFILE": "/h", "AWS_CONFIG_FILE": "~/c", "AWS_SHARED_CREDENTIALS_FILE": "/x/creds"}))
	if f.Config != filepath.FromSlash("/h/c") || f.Credentials != "/x/creds" {
		t.Errorf("overrides: %+v", f)
	}
}

func TestListKindsMatchResolve(t *testing.T) {
	files := writeFiles(t, testConfig, testCredentials)
	inv, err := Load(files)
	if err != nil {
		t.Fatal(err)
	}
	env := sysenv.FromMap(map[string]string{"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"})
	for _, p := range inv.Profiles {
		tr, err := ResolveIn(context.Background(), inv, Request{Profile: p.Name}, env)
		if err != nil {
			continue // bad profiles are covered elsewhere
		}
		want := tr.Source()
		if p.Kind == KindNone {
			if want != KindIMDS && want != KindContainer {
				t.Errorf("%s: listed none, resolves to %s", p.Name, want)
			}
			continue
		}
		if p.Kind != want {
			t.Errorf("%s: listed as %s, resolves to %s", p.Name, p.Kind, want)
		}
	}
}

func TestNearest(t *testing.T) {
	names := []string{"prod", "prod-admin", "staging", "dev"}
	if got := Nearest("prdo", names); len(got) == 0 || got[0] != "prod" {
		t.Errorf("prdo -> %v", got)
	}
	if got := Nearest("zzzzzz", names); len(got) != 0 {
		t.Errorf("zzzzzz -> %v, want nothing", got)
	}
}

// TestCarriageReturnsThatChangeNothing: a \r at the end of a line, blanks
// after it included, reads the same to every SDK; one before text does not.
func TestCarriageReturnsThatChangeNothing(t *testing.T) {
	files := writeFiles(t, "[default]\r\r\nregion = x \r\r\n\r\r\n", "[default]\naws_access_key_id = A\r \r\naws_secret_access_key = s\r\n")
	if _, err := Load(files); err != nil {
		t.Fatalf("Load: %v", err)
	}
	files = writeFiles(t, "[default]\n# note\rregion = y\n", "")
	var se *SyntaxError
	if _, err := Load(files); !errors.As(err, &se) || se.Line != 2 {
		t.Fatalf("a \\r before text: %v, want a SyntaxError at line 2", err)
	}
}
