package credsource

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/logintoken"
	"github.com/awsauth/awsauth/internal/sysenv"
)

func loginTrace() *awsconfig.Trace {
	return &awsconfig.Trace{Profile: "dev", Region: "us-east-1", Hops: []awsconfig.Hop{{
		Profile: "dev", Kind: awsconfig.KindLogin, LoginSession: "arn:aws:iam::111111111111:user/deployer",
	}}}
}

func loginDeps(t *testing.T, fakeURL string) Deps {
	env := sysenv.FromMap(map[string]string{"HOME": t.TempDir(), "AWS_ENDPOINT_URL_SIGNIN": fakeURL})
	return Deps{Env: env, Clients: testClients{env}}
}

func seedLogin(t *testing.T, d Deps, tok awsfake.LoginToken, expires time.Time) string {
	t.Helper()
	path := logintoken.Path(filepath.Join(d.Env.Get("HOME"), ".aws", "login", "cache"), tok.Session)
	os.MkdirAll(filepath.Dir(path), 0o700)
	data, _ := json.Marshal(map[string]any{
		"accessToken": map[string]string{
			"accessKeyId": tok.AccessKeyID, "secretAccessKey": tok.SecretAccessKey, "sessionToken": tok.SessionToken,
			"accountId": tok.AccountID, "expiresAt": expires.UTC().Format(time.RFC3339),
		},
		"tokenType": "aws_sigv4", "clientId": tok.ClientID, "refreshToken": tok.RefreshToken,
		"idToken": tok.IDToken, "dpopKey": tok.DPoPKey,
	})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoginProviderRenewsAhead: the provider hands out fresh cached
// credentials as they are, renews when asked again (the caller wants newer
// ones, long before they expire), and takes what another process renewed
// meanwhile instead of renewing twice.
func TestLoginProviderRenewsAhead(t *testing.T) {
	fake, err := awsfake.Start(t.Context(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	d := loginDeps(t, fake.URL())
	tok := fake.IssueLoginToken()
	seedLogin(t, d, tok, tok.Expires)

	p, err := New(loginTrace(), d)
	if err != nil {
		t.Fatal(err)
	}
	c1, err := p.Retrieve(context.Background())
	if err != nil || c1.AccessKeyID != tok.AccessKeyID || fake.Calls("CreateOAuth2Token") != 0 {
		t.Fatalf("first: %v %v, %d calls", c1.AccessKeyID, err, fake.Calls("CreateOAuth2Token"))
	}
	if !c1.CanExpire || c1.AccountID != awsfake.DevAccountID {
		t.Errorf("credentials %+v", c1.Expires)
	}
	c2, err := p.Retrieve(context.Background())
	if err != nil || c2.AccessKeyID == c1.AccessKeyID || fake.Calls("CreateOAuth2Token") != 1 {
		t.Fatalf("second: %v %v, %d calls", c2.AccessKeyID, err, fake.Calls("CreateOAuth2Token"))
	}
	// Another process (a new provider) takes the renewed credentials.
	other, _ := New(loginTrace(), d)
	c3, err := other.Retrieve(context.Background())
	if err != nil || c3.AccessKeyID != c2.AccessKeyID || fake.Calls("CreateOAuth2Token") != 1 {
		t.Fatalf("other process: %v %v, %d calls", c3.AccessKeyID, err, fake.Calls("CreateOAuth2Token"))
	}
	// ... and the first one, asked again, renews rather than handing
	// back what it handed out.
	c4, err := p.Retrieve(context.Background())
	if err != nil || c4.AccessKeyID == c2.AccessKeyID {
		t.Fatalf("third: %v %v", c4.AccessKeyID, err)
	}
}

// TestLoginProviderNeedsASignIn: nobody signed in, or the session ended:
// a LoginRequiredError naming aws login and both sign-in commands, online
// and offline alike, whatever the SDK would have said.
func TestLoginProviderNeedsASignIn(t *testing.T) {
	fake, err := awsfake.Start(t.Context(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	d := loginDeps(t, fake.URL())
	trace := loginTrace()
	check := func(what string, err error, want string) {
		t.Helper()
		var login *LoginRequiredError
		if !errors.As(err, &login) || login.Hop.Kind != awsconfig.KindLogin {
			t.Fatalf("%s: %v (%T), want a LoginRequiredError", what, err, err)
		}
		if !strings.HasPrefix(err.Error(), "profile dev needs a new aws login: "+want) {
			t.Errorf("%s: %q", what, err)
		}
		if h := login.Hints(); len(h) != 1 || h[0] != "run: awsauth login --profile dev   (or: aws login --profile dev)" {
			t.Errorf("%s: hints %q", what, h)
		}
	}
	p, _ := New(trace, d)
	_, err = p.Retrieve(context.Background())
	check("online, nobody signed in", err, "no one has signed in to login session arn:aws:iam::111111111111:user/deployer on this machine")
	check("offline, nobody signed in", Offline(trace, d), "no one has signed in")

	tok := fake.IssueLoginToken()
	seedLogin(t, d, tok, time.Now().Add(-time.Second))
	if err := Offline(trace, d); err != nil {
		t.Errorf("offline with a renewable token: %v", err)
	}
	fake.EndLoginSessions()
	_, err = p.Retrieve(context.Background())
	check("online, ended", err, "the aws login session has ended (signed in at ")

	// Offline knows the end only when the sign-in was 12 hours ago.
	d.Now = func() time.Time { return time.Now().Add(12*time.Hour + time.Minute) }
	check("offline, 12h later", Offline(trace, d), "the aws login session has ended")
}
