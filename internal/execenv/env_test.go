package execenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

func envMap(list []string) map[string]string {
	m := map[string]string{}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	files := awsconfig.Files{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	base := []string{"PATH=/bin", "HOME=/h", "AWS_ACCESS_KEY_ID=AKIA", "AWS_SECRET_ACCESS_KEY=s", "AWS_SESSION_TOKEN=t",
		"AWS_PROFILE=prod", "AWS_DEFAULT_PROFILE=prod", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/x",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/f", "AWS_ROLE_ARN=arn", "AWS_WEB_IDENTITY_TOKEN_FILE=/w", "AWS_SECRET_KEY=s2",
		"AWS_ENDPOINT_URL=http://keep", "CDK_DEFAULT_ACCOUNT=1"}
	p, err := Build(Inputs{Base: base, Endpoint: "http://127.0.0.1:1/credentials", Token: "tok", Region: "eu-west-1", Profile: "prod", Files: files, TempDir: fixedDir(dir)})
	if err != nil {
		t.Fatal(err)
	}
	got := envMap(p.Env)
	want := map[string]string{
		"PATH": "/bin", "HOME": "/h", "AWS_ENDPOINT_URL": "http://keep", "CDK_DEFAULT_ACCOUNT": "1",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok",
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_SDK_LOAD_CONFIG": "1", "AWSAUTH_PROFILE": "prod",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("child env (-want +got):\n%s", diff)
	}
}

func TestBuildShadowsDefaultProfile(t *testing.T) {
	dir := t.TempDir()
	files := awsconfig.Files{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	os.WriteFile(files.Config, []byte("[default]\nregion = us-east-1\nsso_session = corp\nsso_account_id = 1\ns3 =\n  max_concurrent_requests = 20\n\n[profile other]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n"), 0o600)
	os.WriteFile(files.Credentials, []byte("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = secret\n[keep]\naws_access_key_id = A\naws_secret_access_key = B\n"), 0o600)
	tmp := t.TempDir()
	p, err := Build(Inputs{Base: []string{"HOME=/h"}, Endpoint: "e", Token: "t", Files: files, TempDir: fixedDir(tmp)})
	if err != nil {
		t.Fatal(err)
	}
	got := envMap(p.Env)
	cfg, _ := os.ReadFile(got["AWS_CONFIG_FILE"])
	creds, _ := os.ReadFile(got["AWS_SHARED_CREDENTIALS_FILE"])
	if string(cfg) != "[default]\nregion = us-east-1\ns3 =\n  max_concurrent_requests = 20\n\n[profile other]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n" {
		t.Errorf("config copy:\n%s", cfg)
	}
	if string(creds) != "[default]\n[keep]\naws_access_key_id = A\naws_secret_access_key = B\n" {
		t.Errorf("credentials copy:\n%s", creds)
	}
	if len(p.Notes) != 2 {
		t.Errorf("notes: %v", p.Notes)
	}
	// The user's files are untouched.
	if orig, _ := os.ReadFile(files.Credentials); !strings.Contains(string(orig), "AKIAIOSFODNN7EXAMPLE") {
		t.Errorf("original credentials file changed")
	}
	// Without credentials in [default], the child reads the user's own files.
	os.WriteFile(files.Config, []byte("[default]\nregion = us-east-1\n"), 0o600)
	os.Remove(files.Credentials)
	p, _ = Build(Inputs{Base: []string{"HOME=/h"}, Endpoint: "e", Token: "t", Files: files, TempDir: fixedDir(tmp)})
	if _, ok := envMap(p.Env)["AWS_CONFIG_FILE"]; ok {
		t.Errorf("config redirected although [default] has no credentials")
	}
}

func fixedDir(dir string) func() (string, error) {
	return func() (string, error) { return dir, nil }
}

// TestStripDefaultCredentialsReadsHeadersAsTheSDKsDo: a [default] header
// the SDKs accept is a [default] header here too, whatever follows it.
func TestStripDefaultCredentialsReadsHeadersAsTheSDKsDo(t *testing.T) {
	tests := []struct {
		name   string
		config bool
		in     string
		want   string
	}{
		{name: "comment after the header", in: "[default] # note\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\nregion = eu-west-1\n",
			want: "[default] # note\nregion = eu-west-1\n"},
		{name: "semicolon comment after the header", in: "[default] ; note\naws_access_key_id = A\naws_secret_access_key = s\n",
			want: "[default] ; note\n"},
		{name: "spaces inside the brackets", in: "[ default ]\naws_access_key_id = A\naws_secret_access_key = s\n",
			want: "[ default ]\n"},
		{name: "profile default with a comment", config: true, in: "[profile default] # mine\ncredential_process = x\n",
			want: "[profile default] # mine\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, removed := StripDefaultCredentials([]byte(tt.in), tt.config)
			if string(out) != tt.want {
				t.Errorf("copy:\n%s\nwant:\n%s", out, tt.want)
			}
			if len(removed) == 0 {
				t.Errorf("nothing reported removed")
			}
		})
	}
}

// TestStripDefaultCredentialsAsBotocoreReads: sections botocore may take
// for the default profile lose their keys too, and a setting goes whole.
func TestStripDefaultCredentialsAsBotocoreReads(t *testing.T) {
	tests := []struct {
		name    string
		config  bool
		in      string
		want    string
		removed []string
	}{
		{name: "[DEFAULT] lends its keys to every section", in: "[DEFAULT]\naws_access_key_id = A\naws_secret_access_key = s\n[default]\nregion = x\n",
			want: "[DEFAULT]\n[default]\nregion = x\n", removed: []string{"aws_access_key_id", "aws_secret_access_key"}},
		{name: "quoted profile default", config: true, in: "[profile 'default']\ncredential_process = x\n[profile dev]\ncredential_process = y\n",
			want: "[profile 'default']\n[profile dev]\ncredential_process = y\n", removed: []string{"credential_process"}},
		{name: "profile default in the credentials file is not the default", in: "[profile default]\naws_access_key_id = A\naws_secret_access_key = s\n",
			want: "[profile default]\naws_access_key_id = A\naws_secret_access_key = s\n"},
		{name: "continuations, nested and trailing indented settings go with the key", in: "[default]\r\ncredential_process = a\r\n  --b\r\n  output = json\r\n\r\nregion = x\r\n",
			want: "[default]\r\n\r\nregion = x\r\n", removed: []string{"credential_process"}},
		{name: "a key twice is named once", in: "[default]\naws_access_key_id = A\n[default]\naws_access_key_id = B\n",
			want: "[default]\n[default]\n", removed: []string{"aws_access_key_id"}},
		{name: "no newline at the end", in: "[default]\nregion = x\naws_session_token = t",
			want: "[default]\nregion = x\n", removed: []string{"aws_session_token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, removed := StripDefaultCredentials([]byte(tt.in), tt.config)
			if string(out) != tt.want {
				t.Errorf("copy:\n%q\nwant:\n%q", out, tt.want)
			}
			if diff := cmp.Diff(tt.removed, removed); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
		})
	}
}
