package awsfake

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestScaledLifetimesOnTheWire checks the promise in the package comment:
// at speed 60, a one hour lifetime reaches clients as one real minute.
func TestScaledLifetimesOnTheWire(t *testing.T) {
	wall := &fakeWall{now: realStart}
	clock := newScaledClock(fakeT0, 60, wall.Now)
	s, err := New(Options{Clock: clock, AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(s)
	defer h.Close()

	post := func(path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		resp, err := http.Post(h.URL+path, "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("POST %s: %d %v %v", path, resp.StatusCode, out, err)
		}
		return out
	}
	reg := post("/client/register", map[string]any{"clientName": "x", "clientType": "public", "scopes": []string{"sso:account:access"}})
	if got, want := int64(reg["clientSecretExpiresAt"].(float64)), realStart.Add(90*24*time.Hour/60).Unix(); got != want {
		t.Errorf("clientSecretExpiresAt = %d, want %d", got, want)
	}
	auth := post("/device_authorization", map[string]any{"clientId": reg["clientId"], "clientSecret": reg["clientSecret"], "startUrl": DefaultStartURL})
	if auth["expiresIn"].(float64) != 10 || auth["interval"].(float64) != 1 {
		t.Errorf("device expiresIn, interval = %v, %v; want 10, 1", auth["expiresIn"], auth["interval"])
	}
	tok := post("/token", map[string]any{"clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
		"grantType": grantDeviceCode, "deviceCode": auth["deviceCode"]})
	if tok["expiresIn"].(float64) != 60 {
		t.Errorf("access token expiresIn = %v, want 60", tok["expiresIn"])
	}

	req, _ := http.NewRequest(http.MethodGet, h.URL+"/federation/credentials?account_id=111111111111&role_name=Admin", nil)
	req.Header.Set("x-amz-sso_bearer_token", tok["accessToken"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var rc struct {
		RoleCredentials roleCredentialsWire `json:"roleCredentials"`
	}
	err = json.NewDecoder(resp.Body).Decode(&rc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rc.RoleCredentials.Expiration, realStart.Add(time.Minute).UnixMilli(); got != want {
		t.Errorf("role credential expiration = %d, want %d", got, want)
	}

	// STS sees the same: Expiration one real minute away; 30 real seconds
	// later the keys still work, 60 seconds later they are expired.
	form := url.Values{"Action": {"AssumeRole"}, "Version": {stsVersion}, "RoleArn": {"arn:aws:iam::111111111111:role/ReadOnly"}, "RoleSessionName": {"scaled"}}
	body := stsCall(t, h.URL, form, DefaultUserAccessKeyID, "")
	var ar struct {
		Result assumeRoleResult `xml:"AssumeRoleResult"`
	}
	if err := xml.Unmarshal(body, &ar); err != nil {
		t.Fatal(err)
	}
	if got, want := ar.Result.Credentials.Expiration, realStart.Add(time.Minute).Format(stsTimeFormat); got != want {
		t.Errorf("STS Expiration = %s, want %s", got, want)
	}
	who := url.Values{"Action": {"GetCallerIdentity"}, "Version": {stsVersion}}
	wall.add(30 * time.Second)
	stsCall(t, h.URL, who, rc.RoleCredentials.AccessKeyID, rc.RoleCredentials.SessionToken)
	wall.add(30 * time.Second)
	if code := stsErrorCode(t, h.URL, who, rc.RoleCredentials.AccessKeyID, rc.RoleCredentials.SessionToken); code != "ExpiredToken" {
		t.Errorf("after one real minute: %s, want ExpiredToken", code)
	}
}

func signedSTSRequest(t *testing.T, base string, form url.Values, akid, token string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+akid+"/20261123/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	if token != "" {
		req.Header.Set("X-Amz-Security-Token", token)
	}
	return req
}

func stsCall(t *testing.T, base string, form url.Values, akid, token string) []byte {
	t.Helper()
	resp, err := http.DefaultClient.Do(signedSTSRequest(t, base, form, akid, token))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s %v", form.Get("Action"), resp.StatusCode, b, err)
	}
	return b
}

func stsErrorCode(t *testing.T, base string, form url.Values, akid, token string) string {
	t.Helper()
	resp, err := http.DefaultClient.Do(signedSTSRequest(t, base, form, akid, token))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e queryErrorResponse
	if err := xml.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("decoding error response (status %d): %v", resp.StatusCode, err)
	}
	return e.Error.Code
}
