package cli

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/iostreams"
	"github.com/awsauth/awsauth/internal/sysenv"
)

const ssoConfig = `[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = https://awsauth-demo.awsapps.com/start
sso_region = us-east-1
`

// TestLoginThroughTheBrowser drives the whole device flow the way a person
// does: the "browser" awsauth opens loads the verification page and submits
// the approval form; login then finishes and writes a token status can use.
func TestLoginThroughTheBrowser(t *testing.T) {
	fake, err := awsfake.Start(context.Background(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	env := home(t, ssoConfig, "")
	for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC"} {
		env[k] = fake.URL()
	}
	var opened []string
	browser := func(u string) error {
		opened = append(opened, u)
		go func() {
			// A person reads the code first: approve once awsauth polls.
			for i := 0; i < 500 && fake.Calls("CreateToken") == 0; i++ {
				time.Sleep(10 * time.Millisecond)
			}
			page, err := url.Parse(u)
			if err != nil {
				return
			}
			resp, err := http.Get(u)
			if err != nil {
				return
			}
			resp.Body.Close()
			form := url.Values{"user_code": {page.Query().Get("user_code")}, "decision": {"approve"}}
			resp, err = http.PostForm(fake.URL()+page.Path, form)
			if err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	ios, _, out, errOut := iostreams.Test()
	deps := Deps{IO: ios, Env: sysenv.FromMap(env), Now: time.Now, HTTPClient: &http.Client{Timeout: 10 * time.Second}, OpenBrowser: browser}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := Main(ctx, []string{"login", "--profile", "dev"}, deps)
	if code != 0 {
		t.Fatalf("login exit %d:\n%s", code, errOut)
	}
	if len(opened) != 1 || !strings.Contains(opened[0], "/device?user_code=") {
		t.Errorf("browser opened %v", opened)
	}
	if !strings.Contains(errOut.String(), "Opened the page in your browser") || !strings.Contains(errOut.String(), "logged in: profile dev as arn:aws:sts::111111111111:") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if out.Len() != 0 {
		t.Errorf("login wrote to stdout: %q", out)
	}
	if fake.Calls("CreateToken") < 2 {
		t.Errorf("CreateToken called %d times: the flow never waited for approval", fake.Calls("CreateToken"))
	}

	// --no-browser never opens one.
	opened = nil
	fake2, _ := awsfake.Start(context.Background(), awsfake.Options{AutoApprove: true})
	defer fake2.Close()
	for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC"} {
		env[k] = fake2.URL()
	}
	deps.Env = sysenv.FromMap(env)
	if code := Main(ctx, []string{"login", "--profile", "dev", "--no-browser"}, deps); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if len(opened) != 0 {
		t.Errorf("--no-browser opened %v", opened)
	}
}

// TestLoginCancelled: Ctrl-C while waiting for approval exits 130, cleanly.
func TestLoginCancelled(t *testing.T) {
	fake, err := awsfake.Start(context.Background(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	env := home(t, ssoConfig, "")
	env["AWS_ENDPOINT_URL_SSO_OIDC"] = fake.URL()
	ios, _, _, errOut := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	deps := Deps{IO: ios, Env: sysenv.FromMap(env), Now: time.Now, HTTPClient: &http.Client{Timeout: 10 * time.Second},
		OpenBrowser: func(string) error { cancel(); return nil }}
	code := Main(ctx, []string{"login", "--profile", "dev"}, deps)
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want %d:\n%s", code, ExitInterrupted, errOut)
	}
	if !strings.Contains(errOut.String(), "login cancelled; nothing was written") {
		t.Errorf("stderr:\n%s", errOut)
	}
}
