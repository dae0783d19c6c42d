package ssotoken

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
)

// fakeOIDC is an in-memory SSO OIDC that approves the device code after
// approveAfter of (bubble) time and enforces the polling interval.
type fakeOIDC struct {
	mu             sync.Mutex
	approveAfter   time.Duration
	deny           bool
	codeLife       time.Duration
	interval       int32
	started        time.Time
	lastPoll       time.Time
	registers      int
	polls          int
	slowDowns      int
	refreshRefused bool
}

func (f *fakeOIDC) RegisterClient(ctx context.Context, in *ssooidc.RegisterClientInput, _ ...func(*ssooidc.Options)) (*ssooidc.RegisterClientOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.registers++
	return &ssooidc.RegisterClientOutput{ClientId: aws.String("client-1"), ClientSecret: aws.String("CLIENTSECRET"),
		ClientSecretExpiresAt: time.Now().Add(90 * 24 * time.Hour).Unix()}, nil
}

func (f *fakeOIDC) StartDeviceAuthorization(ctx context.Context, in *ssooidc.StartDeviceAuthorizationInput, _ ...func(*ssooidc.Options)) (*ssooidc.StartDeviceAuthorizationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = time.Now()
	return &ssooidc.StartDeviceAuthorizationOutput{DeviceCode: aws.String("DEVICECODE"), UserCode: aws.String("ABCD-EFGH"),
		VerificationUri: aws.String("https://device.example/"), VerificationUriComplete: aws.String("https://device.example/?user_code=ABCD-EFGH"),
		ExpiresIn: int32(f.codeLife / time.Second), Interval: f.interval}, nil
}

func (f *fakeOIDC) CreateToken(ctx context.Context, in *ssooidc.CreateTokenInput, _ ...func(*ssooidc.Options)) (*ssooidc.CreateTokenOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if aws.ToString(in.GrantType) == "refresh_token" {
		if f.refreshRefused || aws.ToString(in.RefreshToken) != "REFRESHTOKEN" {
			return nil, &types.InvalidGrantException{Message: aws.String("refresh token revoked")}
		}
		return &ssooidc.CreateTokenOutput{AccessToken: aws.String("ACCESSTOKEN-2"), ExpiresIn: 3600, RefreshToken: aws.String("REFRESHTOKEN")}, nil
	}
	f.polls++
	defer func() { f.lastPoll = now }()
	if now.Sub(f.started) >= f.codeLife {
		return nil, &types.ExpiredTokenException{}
	}
	if !f.lastPoll.IsZero() && now.Sub(f.lastPoll) < time.Duration(f.interval)*time.Second {
		f.slowDowns++
		return nil, &types.SlowDownException{}
	}
	if now.Sub(f.started) < f.approveAfter {
		return nil, &types.AuthorizationPendingException{}
	}
	if f.deny {
		return nil, &types.AccessDeniedException{}
	}
	return &ssooidc.CreateTokenOutput{AccessToken: aws.String("ACCESSTOKEN-1"), ExpiresIn: 3600, RefreshToken: aws.String("REFRESHTOKEN")}, nil
}

var corp = Session{Name: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1"}

func TestLoginDeviceFlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		home := t.TempDir()
		oidc := &fakeOIDC{approveAfter: 22 * time.Second, codeLife: 10 * time.Minute, interval: 5}
		var prompts []Prompt
		f := &Flow{OIDC: oidc, Store: NewStore(home), Prompt: func(p Prompt) { prompts = append(prompts, p) }}
		start := time.Now()
		tok, reused, err := f.Login(context.Background(), corp)
		if err != nil || reused {
			t.Fatalf("Login: %v reused=%v", err, reused)
		}
		elapsed := time.Since(start)
		// Approved at 22 s; polls at 0, 5, 10, 15, 20, 25: done at 25 s.
		if elapsed != 25*time.Second {
			t.Errorf("took %v of fake time, want 25s (polling every 5 s)", elapsed)
		}
		if oidc.slowDowns != 0 {
			t.Errorf("%d slow_down answers: the interval was not honoured", oidc.slowDowns)
		}
		if len(prompts) != 1 || prompts[0].UserCode != "ABCD-EFGH" {
			t.Errorf("prompts: %+v", prompts)
		}
		if tok.AccessToken != "ACCESSTOKEN-1" || !tok.Refreshable() {
			t.Errorf("token: %v", tok)
		}
		// The file is the CLI's: 0600 in a 0700 dir, Z timestamps.
		path := f.Store.TokenPath("corp")
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" { // no POSIX modes there
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("token file mode %v", fi.Mode().Perm())
			}
			di, _ := os.Stat(filepath.Dir(path))
			if di.Mode().Perm() != 0o700 {
				t.Errorf("cache dir mode %v", di.Mode().Perm())
			}
		}
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(data), `"expiresAt":"`+start.Add(25*time.Second+time.Hour).UTC().Format("2006-01-02T15:04:05Z")+`"`) {
			t.Errorf("expiresAt not in the CLI format: %s", data)
		}
		// A second login reuses the cached client registration.
		if _, _, err := f.Login(context.Background(), corp); err != nil {
			t.Fatal(err)
		}
		if oidc.registers != 1 {
			t.Errorf("registered %d times, want 1", oidc.registers)
		}
	})
}

func TestLoginSlowDownAddsFiveSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The service demands 10 s but says 5: the first early poll gets
		// slow_down, after which polls are 10 s apart.
		oidc := &fakeOIDC{approveAfter: 30 * time.Second, codeLife: 10 * time.Minute, interval: 10}
		f := &Flow{OIDC: &lyingInterval{oidc}, Store: NewStore(t.TempDir())}
		start := time.Now()
		if _, _, err := f.Login(context.Background(), corp); err != nil {
			t.Fatal(err)
		}
		if oidc.slowDowns != 1 {
			t.Errorf("slow_down answers: %d, want 1", oidc.slowDowns)
		}
		// polls at 0, 5 (slow_down), 15, 25, 35: approved at 30 -> 35.
		if got := time.Since(start); got != 35*time.Second {
			t.Errorf("took %v, want 35s", got)
		}
	})
}

// lyingInterval advertises an interval of 5 s whatever the service enforces.
type lyingInterval struct{ *fakeOIDC }

func (l *lyingInterval) StartDeviceAuthorization(ctx context.Context, in *ssooidc.StartDeviceAuthorizationInput, o ...func(*ssooidc.Options)) (*ssooidc.StartDeviceAuthorizationOutput, error) {
	out, err := l.fakeOIDC.StartDeviceAuthorization(ctx, in, o...)
	if out != nil {
		out.Interval = 5
	}
	return out, err
}

func TestLoginEnds(t *testing.T) {
	t.Run("code expires unapproved", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			oidc := &fakeOIDC{approveAfter: time.Hour, codeLife: time.Minute, interval: 5}
			f := &Flow{OIDC: oidc, Store: NewStore(t.TempDir())}
			_, _, err := f.Login(context.Background(), corp)
			var de *DeviceFlowError
			if !errors.As(err, &de) || de.Reason != "expired" {
				t.Fatalf("got %v", err)
			}
		})
	})
	t.Run("denied", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			oidc := &fakeOIDC{approveAfter: time.Second, deny: true, codeLife: time.Minute, interval: 1}
			f := &Flow{OIDC: oidc, Store: NewStore(t.TempDir())}
			_, _, err := f.Login(context.Background(), corp)
			var de *DeviceFlowError
			if !errors.As(err, &de) || de.Reason != "denied" {
				t.Fatalf("got %v", err)
			}
		})
	})
	t.Run("cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			oidc := &fakeOIDC{approveAfter: time.Hour, codeLife: time.Hour, interval: 5}
			f := &Flow{OIDC: oidc, Store: NewStore(t.TempDir())}
			ctx, cancel := context.WithTimeout(context.Background(), 12*time.Second)
			defer cancel()
			_, _, err := f.Login(ctx, corp)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v", err)
			}
			if _, err := f.Store.ReadToken("corp"); !errors.Is(err, ErrNotFound) {
				t.Errorf("a cancelled login left a token: %v", err)
			}
		})
	})
}

func TestRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		oidc := &fakeOIDC{approveAfter: 0, codeLife: time.Hour, interval: 1}
		f := &Flow{OIDC: oidc, Store: NewStore(t.TempDir())}
		if _, _, err := f.Login(context.Background(), corp); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Minute)
		tok, err := f.Refresh(context.Background(), corp)
		if err != nil {
			t.Fatal(err)
		}
		if tok.AccessToken != "ACCESSTOKEN-2" || time.Until(tok.ExpiresAt.Time) != time.Hour {
			t.Errorf("refreshed token: %v", tok)
		}
		oidc.refreshRefused = true
		_, err = f.Refresh(context.Background(), corp)
		var re *ReloginError
		if !errors.As(err, &re) {
			t.Fatalf("refused refresh: %v", err)
		}
		if strings.Contains(err.Error(), "REFRESHTOKEN") || strings.Contains(err.Error(), "ACCESSTOKEN") {
			t.Errorf("error shows a token: %v", err)
		}
	})
}

func TestRefreshWithoutLogin(t *testing.T) {
	f := &Flow{OIDC: &fakeOIDC{}, Store: NewStore(t.TempDir())}
	_, err := f.Refresh(context.Background(), corp)
	var re *ReloginError
	if !errors.As(err, &re) {
		t.Fatalf("got %v", err)
	}
}

// TestSDKReadsOurToken: the Go SDK's SSO token provider accepts the file
// awsauth writes.
func TestSDKReadsOurToken(t *testing.T) {
	home := t.TempDir()
	store := NewStore(home)
	exp := Timestamp{time.Now().Add(time.Hour)}
	regExp := Timestamp{time.Now().Add(24 * time.Hour)}
	if err := store.WriteToken("corp", &Token{StartURL: corp.StartURL, Region: corp.Region, AccessToken: "ACCESSTOKEN",
		ExpiresAt: &exp, ClientID: "c", ClientSecret: "s", RegistrationExpiresAt: &regExp, RefreshToken: "r"}); err != nil {
		t.Fatal(err)
	}
	p := ssocreds.NewSSOTokenProvider(nil, store.TokenPath("corp"))
	tok, err := p.RetrieveBearerToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value != "ACCESSTOKEN" || !tok.CanExpire || tok.Expires.Unix() != exp.Truncate(time.Second).Unix() {
		t.Errorf("SDK read %+v", tok)
	}
}

func TestWriteKeepsUnknownFields(t *testing.T) {
	store := NewStore(t.TempDir())
	path := store.TokenPath("corp")
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte(`{"accessToken":"old","futureField":{"a":1}}`), 0o600)
	exp := Timestamp{time.Now().Add(time.Hour)}
	if err := store.WriteToken("corp", &Token{AccessToken: "new", ExpiresAt: &exp}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"futureField":{"a":1}`) || !strings.Contains(string(data), `"accessToken":"new"`) {
		t.Errorf("merged file: %s", data)
	}
}

func TestRegistrationKeyMatchesCLI(t *testing.T) {
	// python3 -c 'import json,hashlib; print(hashlib.sha1(json.dumps({"tool":"botocore","startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","scopes":["sso:account:access"],"session_name":"corp"}, sort_keys=True).encode()).hexdigest())'
	got := RegistrationKey("https://corp.awsapps.com/start", "eu-west-1", "corp", []string{"sso:account:access"})
	if got != pythonKey(t, `{"tool":"botocore","startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","scopes":["sso:account:access"],"session_name":"corp"}`) {
		t.Errorf("registration key %s differs from the AWS CLI's", got)
	}
	got = RegistrationKey("https://x.awsapps.com/start", "us-east-1", "", nil)
	if got != pythonKey(t, `{"tool":"botocore","startUrl":"https://x.awsapps.com/start","region":"us-east-1","scopes":None,"session_name":None}`) {
		t.Errorf("legacy registration key %s differs from the AWS CLI's", got)
	}
}

// rejectsClient refuses one client id, as the service does for a
// registration it no longer knows.
type rejectsClient struct {
	*fakeOIDC
	bad string
}

func (r *rejectsClient) StartDeviceAuthorization(ctx context.Context, in *ssooidc.StartDeviceAuthorizationInput, o ...func(*ssooidc.Options)) (*ssooidc.StartDeviceAuthorizationOutput, error) {
	if aws.ToString(in.ClientId) == r.bad {
		return nil, &types.InvalidClientException{}
	}
	return r.fakeOIDC.StartDeviceAuthorization(ctx, in, o...)
}

func TestLoginReplacesAStaleRegistration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewStore(t.TempDir())
		key := RegistrationKey(corp.StartURL, corp.Region, corp.Name, DefaultScopes)
		store.WriteRegistration(key, &Registration{ClientID: "stale", ClientSecret: "x", ExpiresAt: Timestamp{time.Now().Add(24 * time.Hour)}})
		oidc := &fakeOIDC{codeLife: time.Minute, interval: 1}
		f := &Flow{OIDC: &rejectsClient{oidc, "stale"}, Store: store}
		if _, _, err := f.Login(context.Background(), corp); err != nil {
			t.Fatal(err)
		}
		if oidc.registers != 1 {
			t.Errorf("registered %d times, want 1 (after dropping the stale one)", oidc.registers)
		}
		if r := store.ReadRegistration(key); r == nil || r.ClientID != "client-1" {
			t.Errorf("cached registration: %+v", r)
		}
	})
}

// TestConcurrentLoginsAskOnce: two logins for one session at once make one
// device flow; the second waits for the lock and takes the first's token.
func TestConcurrentLoginsAskOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		oidc := &fakeOIDC{approveAfter: 20 * time.Second, codeLife: 10 * time.Minute, interval: 5}
		store := NewStore(t.TempDir())
		var prompts int
		var mu sync.Mutex
		newFlow := func() *Flow {
			return &Flow{OIDC: oidc, Store: store, Prompt: func(Prompt) { mu.Lock(); prompts++; mu.Unlock() }}
		}
		type result struct {
			tok    *Token
			reused bool
			err    error
		}
		results := make(chan result, 2)
		for i := 0; i < 2; i++ {
			go func() {
				tok, reused, err := newFlow().Login(context.Background(), corp)
				results <- result{tok, reused, err}
			}()
		}
		r1, r2 := <-results, <-results
		if r1.err != nil || r2.err != nil {
			t.Fatal(r1.err, r2.err)
		}
		if prompts != 1 || r1.reused == r2.reused {
			t.Errorf("prompts %d, reused %v/%v: want one flow and one reuse", prompts, r1.reused, r2.reused)
		}
		if r1.tok.AccessToken != r2.tok.AccessToken {
			t.Errorf("different tokens")
		}
	})
}

// TestRefreshRefusedByState: once the cached token has expired, any client
// error that answers its refresh means the SSO session is over, even one
// whose error code the SDK cannot read (UnknownError); throttling and
// server errors pass and are retried.
func TestRefreshRefusedByState(t *testing.T) {
	for _, c := range []struct {
		name        string
		status      int
		body        string
		wantRelogin bool
	}{
		{"unparseable 400", 400, "<html><body>Bad Request</body></html>", true},
		{"unknown JSON 403", 403, `{"error":"something_new","error_description":"nope"}`, true},
		{"401 without body", 401, "", true},
		{"throttled 429", 429, `{"error":"slow_down"}`, false},
		{"server error 500", 500, "oops", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				io.WriteString(w, c.body)
			}))
			defer srv.Close()
			client := ssooidc.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}},
				func(o *ssooidc.Options) {
					o.BaseEndpoint = aws.String(srv.URL)
					o.RetryMaxAttempts = 1
				})
			store := NewStore(t.TempDir())
			expired := Timestamp{time.Now().Add(-time.Minute)}
			regExp := Timestamp{time.Now().Add(24 * time.Hour)}
			if err := store.WriteToken(corp.CacheKey(), &Token{StartURL: corp.StartURL, Region: corp.Region, AccessToken: "ACCESSTOKEN",
				ExpiresAt: &expired, ClientID: "c", ClientSecret: "s", RegistrationExpiresAt: &regExp, RefreshToken: "REFRESHTOKEN"}); err != nil {
				t.Fatal(err)
			}
			_, err := (&Flow{OIDC: client, Store: store}).Refresh(context.Background(), corp)
			var re *ReloginError
			if got := errors.As(err, &re); got != c.wantRelogin {
				t.Errorf("Refresh = %v; relogin %v, want %v", err, got, c.wantRelogin)
			}
			if err != nil && strings.Contains(err.Error(), "REFRESHTOKEN") {
				t.Errorf("error shows the refresh token: %v", err)
			}
		})
	}
}
