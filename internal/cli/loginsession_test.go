package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/iostreams"
	"github.com/awsauth/awsauth/internal/sysenv"
)

const loginSessionConfig = `[profile dev]
login_session = arn:aws:iam::111111111111:user/deployer
region = us-east-1
`

// TestSessionLoginThroughTheBrowser: awsauth login on a login_session
// profile opens the sign-in page in the browser; the person allows it and
// the browser comes back to awsauth. The Go SDK's default chain then finds
// the session awsauth cached, as it would after aws login, and its
// credentials work.
func TestSessionLoginThroughTheBrowser(t *testing.T) {
	fake, err := awsfake.Start(context.Background(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	env := home(t, loginSessionConfig, "")
	env["AWS_ENDPOINT_URL_STS"], env["AWS_ENDPOINT_URL_SIGNIN"] = fake.URL(), fake.URL()
	var opened []string
	browser := func(u string) error {
		opened = append(opened, u)
		go func() {
			next, err := fake.Authorize(u)
			if err != nil {
				t.Errorf("authorize: %v", err)
				return
			}
			if resp, err := http.Get(next); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	ios, _, out, errOut := iostreams.Test()
	deps := Deps{IO: ios, Env: sysenv.FromMap(env), Now: time.Now, HTTPClient: &http.Client{Timeout: 10 * time.Second}, OpenBrowser: browser}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if code := Main(ctx, []string{"login", "--profile", "dev"}, deps); code != 0 {
		t.Fatalf("login exit %d:\n%s", code, errOut)
	}
	if len(opened) != 1 || !strings.HasPrefix(opened[0], fake.URL()+"/v1/authorize?") {
		t.Errorf("browser opened %v", opened)
	}
	if !strings.Contains(errOut.String(), "Opened the page in your browser") ||
		!strings.Contains(errOut.String(), "signed in: profile dev as arn:aws:iam::111111111111:user/deployer; credentials valid until ") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if out.Len() != 0 {
		t.Errorf("login wrote to stdout: %q", out)
	}

	// The Go SDK's own chain reads what awsauth wrote.
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(env["HOME"], ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(env["HOME"], ".aws", "credentials"))
	t.Setenv("AWS_LOGIN_CACHE_DIRECTORY", "")
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile("dev"))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatalf("the Go SDK's chain on awsauth's sign-in: %v", err)
	}
	if creds.Source != "LoginProvider" || creds.AccountID != awsfake.DevAccountID {
		t.Errorf("the SDK got %s credentials for %s", creds.Source, creds.AccountID)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Arn != "arn:aws:iam::111111111111:user/deployer" {
		t.Fatalf("GetCallerIdentity: %v %v", id, err)
	}
	if _, err := os.Stat(filepath.Join(env["HOME"], ".aws", "login", "cache")); err != nil {
		t.Errorf("no cache directory: %v", err)
	}
}

// syncBuffer is a stderr that a test reads while the command writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSessionLoginRemote: --remote shows a URL to open on any device and
// reads the code its page shows from the terminal.
func TestSessionLoginRemote(t *testing.T) {
	fake, err := awsfake.Start(context.Background(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	env := home(t, loginSessionConfig, "")
	env["AWS_ENDPOINT_URL_STS"], env["AWS_ENDPOINT_URL_SIGNIN"] = fake.URL(), fake.URL()
	ios, _, out, _ := iostreams.Test()
	errOut := &syncBuffer{}
	stdin, typed := io.Pipe()
	ios.ErrOut, ios.In = errOut, stdin
	go func() {
		re := regexp.MustCompile(`http://\S+/v1/authorize\?\S+`)
		for i := 0; i < 500; i++ {
			if u := re.FindString(errOut.String()); u != "" {
				next, err := fake.Authorize(u)
				if err != nil {
					t.Errorf("authorize: %v", err)
					return
				}
				resp, err := http.Get(next)
				if err != nil {
					t.Errorf("confirmation page: %v", err)
					return
				}
				page, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				_, code, _ := strings.Cut(string(page), "Enter this authorization code in your terminal: ")
				io.WriteString(typed, strings.Fields(strings.SplitN(code, "<", 2)[0])[0]+"\n")
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Errorf("no URL shown:\n%s", errOut)
	}()
	deps := Deps{IO: ios, Env: sysenv.FromMap(env), Now: time.Now, HTTPClient: &http.Client{Timeout: 10 * time.Second},
		OpenBrowser: func(string) error { t.Error("--remote opened a browser"); return nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if code := Main(ctx, []string{"login", "--profile", "dev", "--remote", "--json"}, deps); code != 0 {
		t.Fatalf("login --remote exit %d:\n%s", code, errOut)
	}
	for _, want := range []string{"open this URL in a browser on any device", "client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fcross-device", "Authorization code: "} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out.String(), `"login_session": "arn:aws:iam::111111111111:user/deployer"`) {
		t.Errorf("stdout:\n%s", out)
	}
}

// TestSessionLoginCancelled: Ctrl-C while waiting for the browser exits
// 130 and writes nothing.
func TestSessionLoginCancelled(t *testing.T) {
	fake, err := awsfake.Start(context.Background(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	env := home(t, loginSessionConfig, "")
	env["AWS_ENDPOINT_URL_SIGNIN"] = fake.URL()
	ios, _, _, errOut := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	deps := Deps{IO: ios, Env: sysenv.FromMap(env), Now: time.Now, HTTPClient: &http.Client{Timeout: 10 * time.Second},
		OpenBrowser: func(string) error { cancel(); return nil }}
	if code := Main(ctx, []string{"login", "--profile", "dev"}, deps); code != ExitInterrupted {
		t.Fatalf("exit %d, want %d:\n%s", code, ExitInterrupted, errOut)
	}
	if !strings.Contains(errOut.String(), "login cancelled; nothing was written") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if _, err := os.Stat(filepath.Join(env["HOME"], ".aws", "login", "cache")); err == nil {
		entries, _ := os.ReadDir(filepath.Join(env["HOME"], ".aws", "login", "cache"))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".json") {
				t.Errorf("a cancelled sign-in wrote %s", e.Name())
			}
		}
	}
}
