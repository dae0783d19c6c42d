package awsfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func newTestServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = NewManualClock(fakeT0)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(s)
	t.Cleanup(h.Close)
	return s, h
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestSTSWireShapes pins the exact XML documents, since botocore, the JS
// SDK and the Go SDK each parse them with their own code.
func TestSTSWireShapes(t *testing.T) {
	_, h := newTestServer(t, Options{})
	form := url.Values{"Action": {"GetCallerIdentity"}, "Version": {stsVersion}}

	resp, err := http.DefaultClient.Do(signedSTSRequest(t, h.URL, form, DefaultUserAccessKeyID, ""))
	if err != nil {
		t.Fatal(err)
	}
	reqID := resp.Header.Get("x-amzn-RequestId")
	if !requestIDPattern.MatchString(reqID) {
		t.Errorf("x-amzn-RequestId = %q", reqID)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type = %q", ct)
	}
	want := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
		`<GetCallerIdentityResult><Arn>arn:aws:iam::111111111111:user/deployer</Arn><UserId>` + userID(DevAccountID, DefaultUserName) +
		`</UserId><Account>111111111111</Account></GetCallerIdentityResult>` +
		`<ResponseMetadata><RequestId>` + reqID + `</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
	if got := readBody(t, resp); got != want {
		t.Errorf("body =\n%s\nwant\n%s", got, want)
	}

	resp, err = http.DefaultClient.Do(signedSTSRequest(t, h.URL, form, "AKIAI44QH8DHBEXAMPLE", ""))
	if err != nil {
		t.Fatal(err)
	}
	reqID = resp.Header.Get("x-amzn-RequestId")
	want = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
		`<Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error>` +
		`<RequestId>` + reqID + `</RequestId></ErrorResponse>`
	if got := readBody(t, resp); resp.StatusCode != 403 || got != want {
		t.Errorf("error: %d\n%s\nwant 403\n%s", resp.StatusCode, got, want)
	}
}

func TestSTSRejectsUnknownActionsAndVersions(t *testing.T) {
	_, h := newTestServer(t, Options{})
	tests := []struct {
		form url.Values
		code string
	}{
		{url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2010-01-01"}}, "InvalidAction"},
		{url.Values{"Action": {"DecodeAuthorizationMessage"}, "Version": {stsVersion}}, "InvalidAction"},
	}
	for _, tt := range tests {
		if got := stsErrorCode(t, h.URL, tt.form, DefaultUserAccessKeyID, ""); got != tt.code {
			t.Errorf("%v: %s, want %s", tt.form, got, tt.code)
		}
	}
	resp, err := http.Get(h.URL + "/nothing-here")
	if err != nil {
		t.Fatal(err)
	}
	if readBody(t, resp); resp.StatusCode != 404 || resp.Header.Get("x-amzn-ErrorType") != "UnknownOperationException" {
		t.Errorf("unknown path: %d %q", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
}

func TestPortalAndOIDCErrorShapes(t *testing.T) {
	_, h := newTestServer(t, Options{})
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/assignment/accounts", nil)
	req.Header.Set("x-amz-sso_bearer_token", "aoa-unknown")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if got := readBody(t, resp); resp.StatusCode != 401 ||
		resp.Header.Get("x-amzn-ErrorType") != "UnauthorizedException" ||
		resp.Header.Get("Content-Type") != "application/json" ||
		got != `{"message":"Session token not found or invalid"}` {
		t.Errorf("portal error: %d %q %s", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), got)
	}

	resp, err = http.Post(h.URL+"/token", "application/json", strings.NewReader(`{"clientId":"nope","clientSecret":"nope","grantType":"refresh_token","refreshToken":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(readBody(t, resp)), &body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 401 || resp.Header.Get("x-amzn-ErrorType") != "InvalidClientException" || body["error"] != "invalid_client" || body["error_description"] == "" {
		t.Errorf("oidc error: %d %q %v", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), body)
	}

	// CreateTokenWithIAM shares the path but is not modelled.
	resp, err = http.Post(h.URL+"/token?aws_iam=t", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if readBody(t, resp); resp.StatusCode != 404 {
		t.Errorf("CreateTokenWithIAM: %d", resp.StatusCode)
	}
}

func TestDevicePage(t *testing.T) {
	s, h := newTestServer(t, Options{})
	reg, err := json.Marshal(map[string]any{"clientName": "x", "clientType": "public"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(h.URL+"/client/register", "application/json", strings.NewReader(string(reg)))
	if err != nil {
		t.Fatal(err)
	}
	var client map[string]any
	_ = json.Unmarshal([]byte(readBody(t, resp)), &client)
	b, _ := json.Marshal(map[string]any{"clientId": client["clientId"], "clientSecret": client["clientSecret"], "startUrl": DefaultStartURL})
	resp, err = http.Post(h.URL+"/device_authorization", "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	var auth map[string]any
	_ = json.Unmarshal([]byte(readBody(t, resp)), &auth)
	userCode := auth["userCode"].(string)

	resp, err = http.Get(auth["verificationUriComplete"].(string))
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(page, `value="`+userCode+`"`) || !strings.Contains(page, DefaultSSOUserName) {
		t.Fatalf("GET device page: %d\n%s", resp.StatusCode, page)
	}

	resp, err = http.PostForm(h.URL+devicePath, url.Values{"user_code": {"ZZZZ-ZZZZ"}, "decision": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	if readBody(t, resp); resp.StatusCode != 400 {
		t.Errorf("approving an unknown code: %d", resp.StatusCode)
	}
	resp, err = http.PostForm(h.URL+devicePath, url.Values{"user_code": {userCode}, "decision": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	if page := readBody(t, resp); resp.StatusCode != 200 || !strings.Contains(page, "approved") {
		t.Fatalf("POST device page: %d\n%s", resp.StatusCode, page)
	}
	s.mu.Lock()
	state := s.oidc.userCodes[userCode].state
	s.mu.Unlock()
	if state != deviceApproved {
		t.Errorf("state after the page's approval = %v", state)
	}

	// Markup in the query string is escaped, not rendered.
	resp, err = http.Get(h.URL + devicePath + "?user_code=" + url.QueryEscape(`"><script>x</script>`))
	if err != nil {
		t.Fatal(err)
	}
	if page := readBody(t, resp); strings.Contains(page, "<script>") {
		t.Errorf("device page reflects markup:\n%s", page)
	}
}

// TestLogsCarryNoSecrets runs a login, a portal call and STS calls with a
// log sink and looks for every secret the fake handed out.
func TestLogsCarryNoSecrets(t *testing.T) {
	var logs strings.Builder
	_, h := newTestServer(t, Options{AutoApprove: true, Logf: func(f string, a ...any) {
		logs.WriteString(fmt.Sprintf(f, a...) + "\n")
	}})
	post := func(path string, body map[string]any) map[string]any {
		b, _ := json.Marshal(body)
		resp, err := http.Post(h.URL+path, "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		_ = json.Unmarshal([]byte(readBody(t, resp)), &out)
		return out
	}
	reg := post("/client/register", map[string]any{"clientName": "x", "clientType": "public", "scopes": []string{"sso:account:access"}})
	auth := post("/device_authorization", map[string]any{"clientId": reg["clientId"], "clientSecret": reg["clientSecret"], "startUrl": DefaultStartURL})
	tok := post("/token", map[string]any{"clientId": reg["clientId"], "clientSecret": reg["clientSecret"], "grantType": grantDeviceCode, "deviceCode": auth["deviceCode"]})
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/federation/credentials?account_id=111111111111&role_name=Admin", nil)
	req.Header.Set("x-amz-sso_bearer_token", tok["accessToken"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var rc map[string]map[string]any
	_ = json.Unmarshal([]byte(readBody(t, resp)), &rc)
	stsCall(t, h.URL, url.Values{"Action": {"GetCallerIdentity"}, "Version": {stsVersion}},
		rc["roleCredentials"]["accessKeyId"].(string), rc["roleCredentials"]["sessionToken"].(string))
	stsErrorCode(t, h.URL, url.Values{"Action": {"GetCallerIdentity"}, "Version": {stsVersion}}, "AKIAI44QH8DHBEXAMPLE", "")

	secrets := []string{
		reg["clientSecret"].(string), auth["deviceCode"].(string), tok["accessToken"].(string), tok["refreshToken"].(string),
		rc["roleCredentials"]["secretAccessKey"].(string), rc["roleCredentials"]["sessionToken"].(string), DefaultUserSecretAccessKey,
	}
	out := logs.String()
	if strings.Count(out, "\n") < 6 {
		t.Fatalf("expected a log line per request, got:\n%s", out)
	}
	for _, secret := range secrets {
		if secret == "" || strings.Contains(out, secret) {
			t.Errorf("secret %.6s... appears in the log (or is empty)", secret)
		}
	}
}

func TestScenarioValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Scenario)
	}{
		{"short account id", func(sc *Scenario) { sc.Accounts[0].ID = "1234" }},
		{"duplicate account", func(sc *Scenario) { sc.Accounts[1].ID = sc.Accounts[0].ID }},
		{"duplicate role", func(sc *Scenario) { sc.Accounts[0].Roles[1].Name = "Admin" }},
		{"role session too long", func(sc *Scenario) { sc.Accounts[0].Roles[0].MaxSessionDuration = 13 * time.Hour }},
		{"user key not AKIA", func(sc *Scenario) { sc.Users[0].AccessKeyID = "ASIAIOSFODNN7EXAMPLE" }},
		{"user in unknown account", func(sc *Scenario) { sc.Users[0].AccountID = "999999999999" }},
		{"MFA code not six digits", func(sc *Scenario) { sc.Users[0].MFA.Code = "12345" }},
		{"negative lifetime", func(sc *Scenario) { sc.AccessTokenLifetime = -time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := DefaultScenario()
			// Deep enough copies for the mutations above.
			sc.Accounts = append([]Account(nil), sc.Accounts...)
			sc.Accounts[0].Roles = append([]Role(nil), sc.Accounts[0].Roles...)
			mfa := *sc.Users[0].MFA
			sc.Users = append([]User(nil), sc.Users...)
			sc.Users[0].MFA = &mfa
			tt.mutate(&sc)
			if _, err := New(Options{Scenario: &sc}); err == nil {
				t.Error("New accepted the scenario")
			}
		})
	}

	// Zero durations take the defaults; the caller's scenario is untouched.
	sc := Scenario{Accounts: []Account{{ID: "333333333333", Roles: []Role{{Name: "Dev"}}}}}
	s, err := New(Options{Scenario: &sc})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Scenario()
	if got.SSOSessionDuration != 8*time.Hour || got.Accounts[0].Roles[0].MaxSessionDuration != time.Hour {
		t.Errorf("defaults not applied: %+v", got)
	}
	if sc.Accounts[0].Roles[0].MaxSessionDuration != 0 {
		t.Error("New mutated the caller's scenario")
	}
}

func TestParseWebIdentityToken(t *testing.T) {
	exp := time.Unix(1900000000, 0)
	good := WebIdentityToken(WebIdentityClaims{Issuer: "https://idp.example.com", Subject: "me", Audience: "sts.amazonaws.com", Expires: exp})
	c, ok := parseWebIdentityToken(good)
	if !ok || c.Subject != "me" || c.Issuer != "https://idp.example.com" || c.Audience != "sts.amazonaws.com" || !c.Expires.Equal(exp) {
		t.Errorf("round trip: %+v %v", c, ok)
	}
	listAud := b64(`{"alg":"none"}`) + "." + b64(`{"iss":"i","sub":"s","aud":["a","b"]}`) + ".sig"
	if c, ok := parseWebIdentityToken(listAud); !ok || c.Audience != "a" {
		t.Errorf("aud list: %+v %v", c, ok)
	}
	for _, bad := range []string{
		"", "a.b", "a.b.c.d",
		b64(`{}`) + "." + b64(`{"sub":"s"}`) + ".sig",        // no issuer
		b64(`{}`) + "." + b64(`{"iss":"i"}`) + ".sig",        // no subject
		b64(`{}`) + "." + b64(`not json`) + ".sig",           // payload not JSON
		b64(`{}`) + "." + b64(`{"iss":"i","sub":"s"}`) + ".", // no signature
	} {
		if _, ok := parseWebIdentityToken(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
