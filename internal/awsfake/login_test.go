package awsfake_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	signintypes "github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/awsauth/awsauth/internal/awsfake"
)

func signinClient(srv *awsfake.Server, opts ...func(*signin.Options)) *signin.Client {
	return signin.NewFromConfig(awsConfig(nil), append([]func(*signin.Options){func(o *signin.Options) {
		o.BaseEndpoint = aws.String(srv.URL())
		o.RetryMaxAttempts = 1
	}}, opts...)...)
}

// writeLoginCache writes tok where the SDK's logincreds provider reads
// it, in the AWS CLI's format, with the credentials' expiry replaced by
// expires when it is not zero.
func writeLoginCache(t *testing.T, tok awsfake.LoginToken, expires time.Time) string {
	t.Helper()
	if expires.IsZero() {
		expires = tok.Expires
	}
	path, err := logincreds.StandardCachedTokenFilepath(tok.Session, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]any{
		"accessToken": map[string]string{
			"accessKeyId": tok.AccessKeyID, "secretAccessKey": tok.SecretAccessKey, "sessionToken": tok.SessionToken,
			"accountId": tok.AccountID, "expiresAt": expires.UTC().Format("2006-01-02T15:04:05Z"),
		},
		"tokenType": "aws_sigv4", "clientId": tok.ClientID, "refreshToken": tok.RefreshToken,
		"idToken": tok.IDToken, "dpopKey": tok.DPoPKey,
	})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoginRefreshWithTheSDK: the Go SDK's own aws login provider renews
// through the fake (DPoP-signed refresh), the new keys work at STS, the
// spent refresh token is refused, and once the session has ended the
// refresh is refused with what the service answers (TOKEN_EXPIRED), which
// the SDK reports as an ended session.
func TestLoginRefreshWithTheSDK(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	tok := srv.IssueLoginToken()
	if tok.Session != "arn:aws:iam::111111111111:user/deployer" || tok.AccountID != awsfake.DevAccountID {
		t.Fatalf("session %q, account %q", tok.Session, tok.AccountID)
	}
	if life := time.Until(tok.Expires); life < 14*time.Minute || life > 15*time.Minute {
		t.Errorf("credentials live %s, want 15m", life)
	}
	if id, err := stsClient(srv, staticKeys(tok.AccessKeyID, tok.SecretAccessKey, tok.SessionToken)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil || aws.ToString(id.Arn) != tok.Session {
		t.Fatalf("GetCallerIdentity with the issued keys: %v %v", id, err)
	}

	// Expired in the client's eyes: the SDK renews.
	path := writeLoginCache(t, tok, time.Now().Add(-time.Minute))
	p := logincreds.New(signinClient(srv), path)
	creds, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if creds.AccessKeyID == tok.AccessKeyID || creds.AccountID != awsfake.DevAccountID {
		t.Fatalf("refresh returned %s (account %s), the old key or no account", creds.AccessKeyID, creds.AccountID)
	}
	id, err := stsClient(srv, staticKeys(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != tok.Session {
		t.Fatalf("GetCallerIdentity with renewed keys: %v %v", id, err)
	}
	if n := srv.Calls("CreateOAuth2Token"); n != 1 {
		t.Errorf("CreateOAuth2Token called %d times, want 1", n)
	}

	// The refresh token rotated: the old one is spent.
	spent := writeLoginCache(t, tok, time.Now().Add(-time.Minute))
	_, err = logincreds.New(signinClient(srv), spent).Retrieve(context.Background())
	api := wantAPIError(t, err, "ValidationException", http.StatusBadRequest)
	var ve *signintypes.ValidationException
	if !errors.As(err, &ve) || ve.Error_ != signintypes.OAuth2ErrorCodeInvalidRequest {
		t.Errorf("spent refresh token: %v, want ValidationException INVALID_REQUEST", api)
	}

	// Past the session's end: TOKEN_EXPIRED, which the SDK words as an
	// ended session.
	data, _ := os.ReadFile(path)
	var cached map[string]any
	json.Unmarshal(data, &cached)
	cached["accessToken"].(map[string]any)["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	data, _ = json.Marshal(cached)
	os.WriteFile(path, data, 0o600)
	clock.Advance(12*time.Hour + time.Second)
	_, err = p.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "login session has expired, please reauthenticate") {
		t.Fatalf("refresh after the session: %v, want the SDK's ended-session error", err)
	}
	// Credentials already handed out live on, until their own expiry.
	clock.Set(fakeStart.Add(time.Minute))
	if _, err := stsClient(srv, staticKeys(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("renewed keys before their expiry: %v", err)
	}
}

func staticKeys(id, secret, token string) aws.CredentialsProvider {
	return static(awsfake.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token})
}

// TestLoginSessionEndsEarly: EndLoginSessions refuses every later refresh
// with AccessDeniedException TOKEN_EXPIRED, as a session past its length.
func TestLoginSessionEndsEarly(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	tok := srv.IssueLoginToken()
	srv.EndLoginSessions()
	_, err := loginRefresh(srv, signerFromPEM(t, tok.DPoPKey), tok.ClientID, tok.RefreshToken)
	wantAPIError(t, err, "AccessDeniedException", http.StatusBadRequest)
	var denied *signintypes.AccessDeniedException
	if !errors.As(err, &denied) || denied.Error_ != signintypes.OAuth2ErrorCodeTokenExpired || aws.ToString(denied.Message) != "The refresh token has expired." {
		t.Fatalf("got %v, want AccessDeniedException TOKEN_EXPIRED", err)
	}
}

// dpopSigner signs proofs as an aws login client does.
type dpopSigner struct {
	key *ecdsa.PrivateKey
	// mutate, when set, changes the proof's header and claims before
	// signing.
	mutate func(hdr, claims map[string]any)
	// jti, when set, is used for every proof.
	jti string
}

func newDPoPSigner(t *testing.T) *dpopSigner {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &dpopSigner{key: key}
}

func signerFromPEM(t *testing.T, p string) *dpopSigner {
	block, _ := pem.Decode([]byte(p))
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return &dpopSigner{key: key}
}

func (d *dpopSigner) proof(method, htu string) string {
	pt, _ := d.key.PublicKey.Bytes()
	hdr := map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": map[string]string{
		"kty": "EC", "crv": "P-256",
		"x": base64.RawURLEncoding.EncodeToString(pt[1:33]), "y": base64.RawURLEncoding.EncodeToString(pt[33:]),
	}}
	jti := d.jti
	if jti == "" {
		jti = base64.RawURLEncoding.EncodeToString(randomN(16))
	}
	claims := map[string]any{"jti": jti, "htm": method, "htu": htu, "iat": time.Now().Unix()}
	if d.mutate != nil {
		d.mutate(hdr, claims)
	}
	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	msg := enc(hdr) + "." + enc(claims)
	sum := sha256.Sum256([]byte(msg))
	r, s, _ := ecdsa.Sign(rand.Reader, d.key, sum[:])
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return msg + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func randomN(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// option adds the proof to every CreateOAuth2Token request of a client.
func (d *dpopSigner) option() func(*signin.Options) {
	return signin.WithAPIOptions(func(st *middleware.Stack) error {
		return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("dpop", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				req.Header.Set("DPoP", d.proof(req.Method, req.URL.String()))
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
	})
}

// pkce returns a verifier and its S256 challenge, unpadded base64url.
func pkce() (string, string) {
	v := base64.RawURLEncoding.EncodeToString(randomN(48))
	sum := sha256.Sum256([]byte(v))
	return v, base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizeURL(base, client, redirect, state, challenge string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {client}, "state": {state},
		"code_challenge_method": {"SHA-256"}, "scope": {"openid"}, "redirect_uri": {redirect}}
	return base + "/v1/authorize?" + q.Encode() + "&code_challenge=" + challenge
}

func redeem(srv *awsfake.Server, d *dpopSigner, client, code, verifier, redirect string) (*signin.CreateOAuth2TokenOutput, error) {
	in := &signintypes.CreateOAuth2TokenRequestBody{ClientId: aws.String(client), GrantType: aws.String("authorization_code"),
		Code: aws.String(code), CodeVerifier: aws.String(verifier)}
	if redirect != "" {
		in.RedirectUri = aws.String(redirect)
	}
	return signinClient(srv, d.option()).CreateOAuth2Token(context.Background(), &signin.CreateOAuth2TokenInput{TokenInput: in})
}

func loginRefresh(srv *awsfake.Server, d *dpopSigner, client, rt string) (*signin.CreateOAuth2TokenOutput, error) {
	return signinClient(srv, d.option()).CreateOAuth2Token(context.Background(), &signin.CreateOAuth2TokenInput{
		TokenInput: &signintypes.CreateOAuth2TokenRequestBody{ClientId: aws.String(client), GrantType: aws.String("refresh_token"), RefreshToken: aws.String(rt)}})
}

// TestLoginAuthorizationCode plays aws login end to end: the person allows
// the authorization, the browser lands on the loopback redirect with code
// and state, the code and PKCE verifier (with a DPoP proof) buy
// credentials, a refresh token bound to that key, and an id token naming
// the session. Each way the exchange can be wrong is refused as AWS does.
func TestLoginAuthorizationCode(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	redirect := "http://127.0.0.1:45678/oauth/callback"
	verifier, challenge := pkce()
	next, err := srv.Authorize(authorizeURL(srv.URL(), awsfake.LoginClientSameDevice, redirect, "st-1", challenge))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(next)
	if !strings.HasPrefix(next, redirect+"?") || u.Query().Get("state") != "st-1" || u.Query().Get("code") == "" {
		t.Fatalf("redirect %s", next)
	}
	code := u.Query().Get("code")
	d := newDPoPSigner(t)

	_, err = redeem(srv, d, awsfake.LoginClientSameDevice, code, "not-the-verifier", redirect)
	wantAPIError(t, err, "ValidationException", http.StatusBadRequest)
	_, err = redeem(srv, d, awsfake.LoginClientSameDevice, code, verifier, "http://127.0.0.1:1/other")
	wantAPIError(t, err, "ValidationException", http.StatusBadRequest)
	_, err = redeem(srv, d, awsfake.LoginClientCrossDevice, code, verifier, redirect)
	wantAPIError(t, err, "ValidationException", http.StatusBadRequest)
	_, err = signinClient(srv).CreateOAuth2Token(context.Background(), &signin.CreateOAuth2TokenInput{TokenInput: &signintypes.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(awsfake.LoginClientSameDevice), GrantType: aws.String("authorization_code"), Code: aws.String(code),
		CodeVerifier: aws.String(verifier), RedirectUri: aws.String(redirect)}})
	if api := wantAPIError(t, err, "ValidationException", http.StatusBadRequest); !strings.Contains(api.ErrorMessage(), "DPoP header is missing") {
		t.Errorf("without DPoP: %v", api)
	}

	out, err := redeem(srv, d, awsfake.LoginClientSameDevice, code, verifier, redirect)
	if err != nil {
		t.Fatalf("redeem: %v", err)
	}
	o := out.TokenOutput
	if aws.ToString(o.TokenType) != "aws_sigv4" || aws.ToInt32(o.ExpiresIn) != 900 || aws.ToString(o.RefreshToken) == "" || o.AccessToken == nil {
		t.Fatalf("token output %+v", o)
	}
	claims := jwtClaims(t, aws.ToString(o.IdToken))
	if claims["sub"] != "arn:aws:iam::111111111111:user/deployer" || claims["aud"] != awsfake.LoginClientSameDevice {
		t.Errorf("id token claims %v", claims)
	}
	if at := int64(claims["auth_time"].(float64)); time.Since(time.Unix(at, 0)).Abs() > time.Minute {
		t.Errorf("auth_time %d is not the sign-in, just now", at)
	}
	// A code works once.
	_, err = redeem(srv, d, awsfake.LoginClientSameDevice, code, verifier, redirect)
	wantAPIError(t, err, "ValidationException", http.StatusBadRequest)

	// The refresh token is bound to the key that redeemed the code.
	_, err = loginRefresh(srv, newDPoPSigner(t), awsfake.LoginClientSameDevice, aws.ToString(o.RefreshToken))
	if api := wantAPIError(t, err, "ValidationException", http.StatusBadRequest); !strings.Contains(api.ErrorMessage(), "bound") {
		t.Errorf("other key: %v", api)
	}
	r2, err := loginRefresh(srv, d, awsfake.LoginClientSameDevice, aws.ToString(o.RefreshToken))
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if r2.TokenOutput.IdToken != nil {
		t.Errorf("a refresh returned an id token")
	}

	// A code not redeemed within its life: AUTHCODE_EXPIRED.
	verifier2, challenge2 := pkce()
	next, _ = srv.Authorize(authorizeURL(srv.URL(), awsfake.LoginClientSameDevice, redirect, "st-2", challenge2))
	u, _ = url.Parse(next)
	clock.Advance(6 * time.Minute)
	_, err = redeem(srv, d, awsfake.LoginClientSameDevice, u.Query().Get("code"), verifier2, redirect)
	var denied *signintypes.AccessDeniedException
	if !errors.As(err, &denied) || denied.Error_ != signintypes.OAuth2ErrorCodeAuthcodeExpired {
		t.Errorf("stale code: %v, want AccessDeniedException AUTHCODE_EXPIRED", err)
	}
}

func jwtClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("id token %q is not a JWT", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestLoginDPoPProofs: each way a proof can be wrong is refused.
func TestLoginDPoPProofs(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	tok := srv.IssueLoginToken()
	cases := []struct {
		name   string
		mutate func(hdr, claims map[string]any)
		want   string
	}{
		{"wrong type", func(h, _ map[string]any) { h["typ"] = "JWT" }, "typ dpop+jwt"},
		{"wrong method", func(_, c map[string]any) { c["htm"] = "GET" }, "htm"},
		{"wrong URL", func(_, c map[string]any) { c["htu"] = "https://us-east-1.signin.aws.amazon.com/v1/token" }, "htu"},
		{"old", func(_, c map[string]any) { c["iat"] = time.Now().Add(-time.Hour).Unix() }, "iat"},
		{"no jti", func(_, c map[string]any) { delete(c, "jti") }, "jti"},
		{"other key in the header", func(h, _ map[string]any) {
			other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			pt, _ := other.PublicKey.Bytes()
			h["jwk"].(map[string]string)["x"] = base64.RawURLEncoding.EncodeToString(pt[1:33])
			h["jwk"].(map[string]string)["y"] = base64.RawURLEncoding.EncodeToString(pt[33:])
		}, "signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := signerFromPEM(t, tok.DPoPKey)
			d.mutate = c.mutate
			_, err := loginRefresh(srv, d, tok.ClientID, tok.RefreshToken)
			if api := wantAPIError(t, err, "ValidationException", http.StatusBadRequest); !strings.Contains(api.ErrorMessage(), c.want) {
				t.Errorf("message %q does not name %q", api.ErrorMessage(), c.want)
			}
		})
	}
	// A replayed proof (same jti) is refused, even for a good token.
	d := signerFromPEM(t, tok.DPoPKey)
	d.jti = "the-same-id"
	out, err := loginRefresh(srv, d, tok.ClientID, tok.RefreshToken)
	if err != nil {
		t.Fatalf("first proof: %v", err)
	}
	_, err = loginRefresh(srv, d, tok.ClientID, aws.ToString(out.TokenOutput.RefreshToken))
	if api := wantAPIError(t, err, "ValidationException", http.StatusBadRequest); !strings.Contains(api.ErrorMessage(), "used before") {
		t.Errorf("replay: %v", api)
	}
}

// TestLoginPages: a person in a real browser: the authorize page shows
// the allow form and a bad request plainly; allowing redirects with code
// and state; with AutoApprove the page redirects at once; the
// cross-device client lands on a page with the code to paste.
func TestLoginPages(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, challenge := pkce()
	redirect := "http://127.0.0.1:45678/oauth/callback"
	au := authorizeURL(srv.URL(), awsfake.LoginClientSameDevice, redirect, "st", challenge)

	resp, err := noFollow.Get(au)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Signed in as arn:aws:iam::111111111111:user/deployer") || !strings.Contains(string(body), `value="allow"`) {
		t.Fatalf("authorize page %d:\n%s", resp.StatusCode, body)
	}
	form, _ := url.ParseQuery(strings.SplitN(au, "?", 2)[1])
	form.Set("decision", "allow")
	resp, err = noFollow.PostForm(srv.URL()+"/v1/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), redirect) || loc.Query().Get("code") == "" || loc.Query().Get("state") != "st" {
		t.Fatalf("allow: %d to %s", resp.StatusCode, loc)
	}
	form.Set("decision", "deny")
	resp, err = noFollow.PostForm(srv.URL()+"/v1/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc.Query().Get("error") != "access_denied" {
		t.Errorf("deny redirects to %s", loc)
	}

	for _, bad := range []string{
		authorizeURL(srv.URL(), "arn:aws:signin:::devtools/other", redirect, "st", challenge),
		authorizeURL(srv.URL(), awsfake.LoginClientSameDevice, "https://evil.example/cb", "st", challenge),
		authorizeURL(srv.URL(), awsfake.LoginClientSameDevice, redirect, "", challenge),
		authorizeURL(srv.URL(), awsfake.LoginClientSameDevice, redirect, "st", challenge+"="),
	} {
		resp, err := noFollow.Get(bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, resp.StatusCode)
		}
		if _, err := srv.Authorize(bad); !errors.Is(err, awsfake.ErrBadAuthorization) {
			t.Errorf("Authorize(%s) = %v", bad, err)
		}
	}

	// Cross-device: the browser ends on the confirmation page, whose code
	// decodes to the state and the authorization code.
	cross := srv.URL() + "/v1/sessions/confirmation"
	verifier, challenge := pkce()
	next, err := srv.Authorize(authorizeURL(srv.URL(), awsfake.LoginClientCrossDevice, cross, "st-x", challenge))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(next)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	_, shown, ok := strings.Cut(string(body), "Enter this authorization code in your terminal: ")
	if !ok {
		t.Fatalf("confirmation page:\n%s", body)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Fields(strings.SplitN(shown, "<", 2)[0])[0])
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.ParseQuery(string(raw))
	if q.Get("state") != "st-x" {
		t.Fatalf("pasted code holds %q", raw)
	}
	if _, err := redeem(srv, newDPoPSigner(t), awsfake.LoginClientCrossDevice, q.Get("code"), verifier, cross); err != nil {
		t.Fatalf("redeem the pasted code: %v", err)
	}

	// AutoApprove: the page redirects at once.
	auto, _ := start(t, awsfake.Options{AutoApprove: true})
	resp, err = noFollow.Get(authorizeURL(auto.URL(), awsfake.LoginClientSameDevice, redirect, "st", challenge))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), redirect+"?") {
		t.Errorf("auto-approved page: %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestLoginFaults: faults aimed at the sign-in OAuth API hit
// CreateOAuth2Token in its own error shapes, and leave the console
// federation endpoint (also "signin" at AWS) alone.
func TestLoginFaults(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	tok := srv.IssueLoginToken()
	if _, err := srv.Faults().Add(awsfake.Fault{Kind: awsfake.FaultThrottle, Service: awsfake.ServiceLogin, Count: 1}); err != nil {
		t.Fatal(err)
	}
	d := signerFromPEM(t, tok.DPoPKey)
	_, err := loginRefresh(srv, d, tok.ClientID, tok.RefreshToken)
	var throttled *signintypes.TooManyRequestsError
	if !errors.As(err, &throttled) {
		t.Fatalf("throttled refresh: %v (%T)", err, err)
	}
	if _, err := loginRefresh(srv, d, tok.ClientID, tok.RefreshToken); err != nil {
		t.Fatalf("the refresh token was spent by the throttled call: %v", err)
	}
	if _, err := srv.Faults().Add(awsfake.Fault{Kind: awsfake.FaultUnavailable, Service: awsfake.ServiceSignin}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Authorize(authorizeURL(srv.URL(), awsfake.LoginClientSameDevice, "http://127.0.0.1:1/cb", "s", strings.Repeat("A", 43))); err != nil {
		t.Fatalf("a federation fault hit aws login: %v", err)
	}
	resp, err := http.Get(authorizeURL(srv.URL(), awsfake.LoginClientSameDevice, "http://127.0.0.1:1/cb", "s", strings.Repeat("A", 43)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("authorize page under a federation fault: %d", resp.StatusCode)
	}
}
