package credsource

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/sysenv"
)

const mfaConfig = `[profile breakglass]
role_arn = arn:aws:iam::222222222222:role/BreakGlass
source_profile = deployer
mfa_serial = ` + awsfake.DefaultMFASerial + `
region = us-east-1
`

// TestMFACodeServesTheWholeRun: renewing the MFA role again and again asks
// for one code only, and the role really demands MFA.
func TestMFACodeServesTheWholeRun(t *testing.T) {
	fake, err := awsfake.Start(context.Background(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	dir := t.TempDir()
	files := awsconfig.Files{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	os.WriteFile(files.Config, []byte(mfaConfig), 0o600)
	os.WriteFile(files.Credentials, []byte("[deployer]\naws_access_key_id = "+awsfake.DefaultUserAccessKeyID+"\naws_secret_access_key = "+awsfake.DefaultUserSecretAccessKey+"\n"), 0o600)
	env := sysenv.FromMap(map[string]string{"HOME": dir, "USERPROFILE": dir, "AWS_ENDPOINT_URL_STS": fake.URL()})
	trace, err := awsconfig.Resolve(context.Background(), awsconfig.Request{Profile: "breakglass", Env: env, Files: files})
	if err != nil {
		t.Fatal(err)
	}

	prompts := 0
	d := Deps{Env: env, HTTPClient: &http.Client{Timeout: 5 * time.Second}, Clients: testClients{env},
		MFAToken: func(serial string) (string, error) {
			prompts++
			if serial != awsfake.DefaultMFASerial {
				t.Errorf("asked for %s", serial)
			}
			return awsfake.DefaultMFACode, nil
		}}
	p, err := New(trace, d)
	if err != nil {
		t.Fatal(err)
	}
	var keys = map[string]bool{}
	for i := 0; i < 4; i++ { // what four renewals by the keeper do
		c, err := p.Retrieve(context.Background())
		if err != nil {
			t.Fatalf("retrieve %d: %v", i, err)
		}
		keys[c.AccessKeyID] = true
	}
	if prompts != 1 {
		t.Errorf("asked for an MFA code %d times, want 1", prompts)
	}
	if len(keys) != 4 || fake.Calls("AssumeRole") != 4 || fake.Calls("GetSessionToken") != 1 {
		t.Errorf("keys %d, AssumeRole %d, GetSessionToken %d", len(keys), fake.Calls("AssumeRole"), fake.Calls("GetSessionToken"))
	}

	// A wrong code is refused by AWS; no code at all is a typed error.
	d.MFAToken = func(string) (string, error) { return "000000", nil }
	p, _ = New(trace, d)
	if _, err := p.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "MultiFactorAuthentication failed") {
		t.Errorf("wrong code: %v", err)
	}
	d.MFAToken = nil
	p, _ = New(trace, d)
	var mfa *MFARequiredError
	if _, err := p.Retrieve(context.Background()); !errors.As(err, &mfa) {
		t.Errorf("no prompt: %v", err)
	}
}
