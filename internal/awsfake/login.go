package awsfake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The sign-in service's OAuth API behind `aws login` (AWS CLI 2.32 and
// later): a browser authorization (authorization code + PKCE) at
// /v1/authorize, and CreateOAuth2Token at /v1/token, which trades the code,
// and later each refresh token, for short-lived credentials. Every token
// request carries a DPoP proof (RFC 9449) signed with the client's P-256
// key; refresh tokens are bound to the key that redeemed the code.
const (
	loginAuthorizePath    = "/v1/authorize"
	loginTokenPath        = "/v1/token"
	loginConfirmationPath = "/v1/sessions/confirmation"

	// LoginClientSameDevice and LoginClientCrossDevice are the two OAuth
	// clients of aws login: the browser on this machine redirects to a
	// loopback listener, or (aws login --remote) shows a code to paste.
	LoginClientSameDevice  = "arn:aws:signin:::devtools/same-device"
	LoginClientCrossDevice = "arn:aws:signin:::devtools/cross-device"

	// loginTokenType is the only token type the service issues.
	loginTokenType = "aws_sigv4"
	// dpopMaxAge is how far a proof's iat may be from the fake's wall
	// clock, either way.
	dpopMaxAge = 5 * time.Minute
)

type loginState struct {
	codes    map[string]*loginCode
	refresh  map[string]*loginRefresh
	sessions []*loginSession
	// jtis are the DPoP proof ids seen, until they are too old to be
	// accepted anyway (real time).
	jtis map[string]time.Time
	// idKey signs the id tokens, as the service signs its own.
	idKey *ecdsa.PrivateKey
}

func newLoginState() loginState {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return loginState{codes: map[string]*loginCode{}, refresh: map[string]*loginRefresh{}, jtis: map[string]time.Time{}, idKey: key}
}

// loginSession is one console sign-in for the CLI: it starts when the
// person allows the authorization and bounds every refresh after it.
type loginSession struct {
	who      principal
	clientID string
	signedIn time.Time // fake time
	end      time.Time // fake time
	// key is the RFC 7638 thumbprint of the DPoP key the code was
	// redeemed with; refreshes must prove the same key.
	key string
}

type loginCode struct {
	clientID    string
	redirectURI string
	challenge   string
	session     *loginSession
	expires     time.Time
	used        bool
}

type loginRefresh struct {
	session *loginSession
	spent   bool
}

// loginError is a sign-in service error in its REST-JSON shape: the type
// in the x-amzn-ErrorType header, and a body with the OAuth2 error code
// and a message, which the SDKs read into the exception's Error_ and
// Message.
type loginError struct {
	status  int
	typ     string
	code    string
	message string
}

func (e *loginError) Error() string { return e.typ + " (" + e.code + "): " + e.message }

// errInvalidGrant is what the service says of a code or refresh token it
// will not take: unknown, spent, or redeemed by another client.
func errInvalidGrant() *loginError {
	return &loginError{http.StatusBadRequest, "ValidationException", "INVALID_REQUEST",
		"The provided authorization grant is invalid, expired, revoked, or malformed"}
}

func errLoginRequest(format string, args ...any) *loginError {
	return &loginError{http.StatusBadRequest, "ValidationException", "INVALID_REQUEST", fmt.Sprintf(format, args...)}
}

func errRefreshExpired() *loginError {
	return &loginError{http.StatusBadRequest, "AccessDeniedException", "TOKEN_EXPIRED", "The refresh token has expired."}
}

func errCodeExpired() *loginError {
	return &loginError{http.StatusBadRequest, "AccessDeniedException", "AUTHCODE_EXPIRED", "The authorization code has expired."}
}

func writeLoginError(w http.ResponseWriter, e *loginError) {
	writeJSONError(w, e.status, e.typ, e.message, map[string]any{"error": e.code})
}

// loginToken answers CreateOAuth2Token.
func (s *Server) loginToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.RawQuery != "" {
		// CreateOAuth2TokenWithIAM and ...WithTokenExchange share the
		// path with a query; they need IAM credentials this fake does not
		// model.
		writeJSONError(w, http.StatusNotFound, "UnknownOperationException", "", nil)
		return
	}
	s.count("CreateOAuth2Token")
	out, lerr := s.createOAuth2Token(r)
	if lerr != nil {
		s.logf("awsfake: signin CreateOAuth2Token: %s %s", lerr.typ, lerr.code)
		writeLoginError(w, lerr)
		return
	}
	s.logf("awsfake: signin CreateOAuth2Token: ok")
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createOAuth2Token(r *http.Request) (any, *loginError) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, errLoginRequest("could not read the request body")
	}
	var in struct {
		ClientID     string `json:"clientId"`
		GrantType    string `json:"grantType"`
		Code         string `json:"code"`
		CodeVerifier string `json:"codeVerifier"`
		RedirectURI  string `json:"redirectUri"`
		RefreshToken string `json:"refreshToken"`
	}
	if json.Unmarshal(body, &in) != nil {
		return nil, errLoginRequest("Invalid JSON request body")
	}
	switch {
	case in.ClientID == "":
		return nil, errLoginRequest("clientId is required")
	case in.GrantType == "":
		return nil, errLoginRequest("grantType is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, lerr := s.checkDPoPLocked(r)
	if lerr != nil {
		return nil, lerr
	}
	switch in.GrantType {
	case "authorization_code":
		if in.Code == "" || in.CodeVerifier == "" {
			return nil, errLoginRequest("code and codeVerifier are required for grantType authorization_code")
		}
		return s.redeemLoginCodeLocked(in.ClientID, in.Code, in.CodeVerifier, in.RedirectURI, key)
	case "refresh_token":
		if in.RefreshToken == "" {
			return nil, errLoginRequest("refreshToken is required for grantType refresh_token")
		}
		return s.redeemLoginRefreshLocked(in.ClientID, in.RefreshToken, key)
	}
	return nil, &loginError{http.StatusBadRequest, "ValidationException", "unsupported_grant_type", "Unsupported grant type: " + in.GrantType}
}

func (s *Server) redeemLoginCodeLocked(clientID, code, verifier, redirectURI, key string) (any, *loginError) {
	c, ok := s.login.codes[code]
	if !ok || c.used || c.clientID != clientID {
		return nil, errInvalidGrant()
	}
	now := s.clock.Now()
	if !now.Before(c.expires) {
		return nil, errCodeExpired()
	}
	sum := sha256.Sum256([]byte(verifier))
	if redirectURI != c.redirectURI || subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.challenge)) != 1 {
		return nil, errInvalidGrant()
	}
	c.used = true
	c.session.key = key
	return s.issueLoginLocked(c.session, true), nil
}

func (s *Server) redeemLoginRefreshLocked(clientID, token, key string) (any, *loginError) {
	rt, ok := s.login.refresh[token]
	if !ok || rt.spent || rt.session.clientID != clientID {
		return nil, errInvalidGrant()
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(rt.session.key)) != 1 {
		return nil, errLoginRequest("Invalid DPoP proof: the key is not the one the refresh token is bound to")
	}
	if !s.clock.Now().Before(rt.session.end) {
		return nil, errRefreshExpired()
	}
	// Refresh tokens rotate: the one just used is spent.
	rt.spent = true
	return s.issueLoginLocked(rt.session, false), nil
}

// issueLoginLocked mints credentials for the session and the next refresh
// token; the id token comes only with the code. The session bounds the
// renewals, not the credentials: those of the last renewal live their
// whole life, like role credentials after an SSO session.
func (s *Server) issueLoginLocked(sess *loginSession, withID bool) map[string]any {
	now := s.clock.Now()
	expires := now.Add(s.scenario.LoginCredentialLifetime)
	c := s.issueLocked(sess.who, expires)
	rt := opaqueToken("lgr", 96)
	s.login.refresh[rt] = &loginRefresh{session: sess}
	out := map[string]any{
		"accessToken": map[string]string{
			"accessKeyId":     c.accessKeyID,
			"secretAccessKey": c.secret,
			"sessionToken":    c.sessionToken,
		},
		"expiresIn":    s.realSeconds(expires.Sub(now)),
		"refreshToken": rt,
		"tokenType":    loginTokenType,
	}
	if withID {
		out["idToken"] = s.idTokenLocked(sess, now)
	}
	return out
}

// idTokenLocked is an OpenID Connect id token naming the signed-in
// identity in sub (the login_session the CLI writes into the profile),
// with real times.
func (s *Server) idTokenLocked(sess *loginSession, now time.Time) string {
	iat := realExpiry(s.clock, now)
	claims := map[string]any{
		"iss":       "https://signin.aws.amazon.com",
		"sub":       sess.who.arn(),
		"aud":       sess.clientID,
		"iat":       iat.Unix(),
		"auth_time": realExpiry(s.clock, sess.signedIn).Unix(),
		"exp":       iat.Add(5 * time.Minute).Unix(),
	}
	return signJWT(s.login.idKey, map[string]any{"alg": "ES256", "typ": "JWT"}, claims)
}

// signJWT signs header.payload with ES256 (raw r||s, RFC 7518).
func signJWT(key *ecdsa.PrivateKey, header, claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	msg := enc(header) + "." + enc(claims)
	sum := sha256.Sum256([]byte(msg))
	r, sig, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	raw := make([]byte, 64)
	r.FillBytes(raw[:32])
	sig.FillBytes(raw[32:])
	return msg + "." + base64.RawURLEncoding.EncodeToString(raw)
}

// checkDPoPLocked verifies the request's DPoP proof as far as the SDKs
// make one: an ES256 JWT of type dpop+jwt carrying its P-256 public key,
// signed by it, for this method and URL, issued within minutes, never
// replayed. It returns the key's RFC 7638 thumbprint.
func (s *Server) checkDPoPLocked(r *http.Request) (string, *loginError) {
	proof := r.Header.Get("DPoP")
	if proof == "" {
		return "", errLoginRequest("Invalid DPoP proof: the DPoP header is missing")
	}
	bad := func(why string) (string, *loginError) { return "", errLoginRequest("Invalid DPoP proof: %s", why) }
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return bad("not a JWT")
	}
	var hdr struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
		JWK *struct {
			Kty string `json:"kty"`
			Crv string `json:"crv"`
			X   string `json:"x"`
			Y   string `json:"y"`
		} `json:"jwk"`
	}
	var claims struct {
		JTI string `json:"jti"`
		HTM string `json:"htm"`
		HTU string `json:"htu"`
		IAT *int64 `json:"iat"`
	}
	if !decodeSegment(parts[0], &hdr) || !decodeSegment(parts[1], &claims) {
		return bad("the header or payload is not base64url JSON")
	}
	if hdr.Typ != "dpop+jwt" || hdr.Alg != "ES256" || hdr.JWK == nil || hdr.JWK.Kty != "EC" || hdr.JWK.Crv != "P-256" {
		return bad("want typ dpop+jwt, alg ES256 and an EC P-256 jwk")
	}
	x, errX := base64.RawURLEncoding.DecodeString(hdr.JWK.X)
	y, errY := base64.RawURLEncoding.DecodeString(hdr.JWK.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return bad("the jwk coordinates are not 32 bytes of base64url")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return bad("the jwk is not a point on P-256")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return bad("the signature is not 64 bytes of base64url (r||s)")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return bad("the signature does not verify")
	}
	if claims.HTM != r.Method {
		return bad("htm is not " + r.Method)
	}
	if want := "http://" + r.Host + r.URL.Path; !sameHTU(claims.HTU, want) {
		return bad("htu is not " + want)
	}
	wall := wallNow()
	if claims.IAT == nil {
		return bad("iat is missing")
	}
	if iat := time.Unix(*claims.IAT, 0); iat.Before(wall.Add(-dpopMaxAge)) || iat.After(wall.Add(dpopMaxAge)) {
		return bad("iat is not within 5 minutes of now")
	}
	if claims.JTI == "" {
		return bad("jti is missing")
	}
	for j, seen := range s.login.jtis {
		if wall.Sub(seen) > 2*dpopMaxAge {
			delete(s.login.jtis, j)
		}
	}
	if _, replay := s.login.jtis[claims.JTI]; replay {
		return bad("the proof was used before (jti)")
	}
	s.login.jtis[claims.JTI] = wall
	return jwkThumbprint(hdr.JWK.X, hdr.JWK.Y), nil
}

// sameHTU compares a proof's htu with the URL the request came to,
// ignoring query and fragment (RFC 9449 section 4.3).
func sameHTU(htu, want string) bool {
	u, err := url.Parse(htu)
	if err != nil {
		return false
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String() == want
}

func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	return err == nil && json.Unmarshal(b, v) == nil
}

// jwkThumbprint is the RFC 7638 thumbprint of an EC P-256 key.
func jwkThumbprint(x, y string) string {
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// loginAuthorization is a validated /v1/authorize request.
type loginAuthorization struct {
	clientID, redirectURI, state, challenge string
}

// parseAuthorize checks an authorization request as the service does
// before it shows the sign-in page.
func parseAuthorize(q url.Values, base string) (loginAuthorization, error) {
	a := loginAuthorization{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), state: q.Get("state"), challenge: q.Get("code_challenge")}
	switch {
	case q.Get("response_type") != "code":
		return a, errors.New("response_type must be code")
	case a.clientID != LoginClientSameDevice && a.clientID != LoginClientCrossDevice:
		return a, fmt.Errorf("unknown client_id %q", a.clientID)
	case q.Get("code_challenge_method") != "SHA-256":
		return a, errors.New("code_challenge_method must be SHA-256")
	case len(a.challenge) != 43 || strings.ContainsAny(a.challenge, "+/="):
		return a, errors.New("code_challenge must be the unpadded base64url SHA-256 of the code verifier")
	case a.state == "":
		return a, errors.New("state is required")
	case q.Get("scope") != "openid":
		return a, errors.New("scope must be openid")
	}
	if a.clientID == LoginClientCrossDevice {
		if a.redirectURI != base+loginConfirmationPath {
			return a, fmt.Errorf("redirect_uri must be %s for the cross-device client", base+loginConfirmationPath)
		}
		return a, nil
	}
	u, err := url.Parse(a.redirectURI)
	if err != nil || u.Scheme != "http" || u.Port() == "" || u.RawQuery != "" || u.Fragment != "" {
		return a, errors.New("redirect_uri must be an http loopback URL with a port")
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return a, errors.New("redirect_uri must point at a loopback address")
	}
	return a, nil
}

// ErrBadAuthorization is returned by Authorize and DenyAuthorization for a
// URL that is not a valid authorization request of this fake.
var ErrBadAuthorization = errors.New("awsfake: not a valid aws login authorization request")

// Authorize plays the person who opens the authorization URL aws login
// shows, signs in to the console as the scenario's login user and allows
// the CLI: a sign-in session starts now, and the returned URL is where the
// browser is sent next, the client's redirect_uri with code and state (for
// the cross-device client, the page that shows the code to paste).
func (s *Server) Authorize(authorizeURL string) (redirect string, err error) {
	u, err := url.Parse(authorizeURL)
	if err != nil || u.Path != loginAuthorizePath {
		return "", ErrBadAuthorization
	}
	a, err := parseAuthorize(u.Query(), u.Scheme+"://"+u.Host)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadAuthorization, err)
	}
	if s.scenario.LoginUserName == "" {
		return "", errors.New("awsfake: the scenario has no IAM user to sign in as")
	}
	return s.approveLogin(a), nil
}

// DenyAuthorization plays the person refusing: the browser is sent to the
// redirect_uri with error=access_denied.
func (s *Server) DenyAuthorization(authorizeURL string) (redirect string, err error) {
	u, err := url.Parse(authorizeURL)
	if err != nil || u.Path != loginAuthorizePath {
		return "", ErrBadAuthorization
	}
	a, err := parseAuthorize(u.Query(), u.Scheme+"://"+u.Host)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadAuthorization, err)
	}
	return withQuery(a.redirectURI, url.Values{"error": {"access_denied"}, "error_description": {"The user denied the request"}, "state": {a.state}}), nil
}

// loginPrincipal is who a sign-in makes credentials for: the login user's
// session, as GetCallerIdentity reports it (the user's ARN).
func (s *Server) loginPrincipal() principal {
	u, _ := s.scenario.User(s.scenario.LoginUserName)
	return principal{kind: kindUserSession, account: u.AccountID, userName: u.Name}
}

func (s *Server) approveLogin(a loginAuthorization) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	sess := &loginSession{
		who:      s.loginPrincipal(),
		clientID: a.clientID,
		signedIn: now,
		end:      now.Add(s.scenario.LoginSessionDuration),
	}
	s.login.sessions = append(s.login.sessions, sess)
	code := opaqueToken("lgc", 32)
	s.login.codes[code] = &loginCode{clientID: a.clientID, redirectURI: a.redirectURI, challenge: a.challenge,
		session: sess, expires: now.Add(s.scenario.LoginCodeLifetime)}
	s.logf("awsfake: aws login authorized for %s", sess.who.arn())
	return withQuery(a.redirectURI, url.Values{"code": {code}, "state": {a.state}})
}

func withQuery(base string, q url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q.Encode()
}

// loginAuthorizePage serves the sign-in page: GET shows it (or, with
// AutoApprove, redirects at once as a browser already signed in to the
// console does), POST takes the person's decision and redirects.
func (s *Server) loginAuthorizePage(w http.ResponseWriter, r *http.Request) {
	var q url.Values
	switch r.Method {
	case http.MethodGet:
		q = r.URL.Query()
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			loginPage(w, http.StatusBadRequest, "The form could not be read.", nil)
			return
		}
		q = r.PostForm
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	a, err := parseAuthorize(q, baseURL(r))
	if err != nil {
		loginPage(w, http.StatusBadRequest, "This sign-in request is not valid: "+err.Error()+".", nil)
		return
	}
	if s.scenario.LoginUserName == "" {
		loginPage(w, http.StatusForbidden, "Nobody can sign in: the scenario has no IAM user.", nil)
		return
	}
	decision := q.Get("decision")
	if r.Method == http.MethodGet && s.auto {
		decision = "allow"
	}
	switch decision {
	case "allow":
		http.Redirect(w, r, s.approveLogin(a), http.StatusFound)
	case "deny":
		http.Redirect(w, r, withQuery(a.redirectURI, url.Values{"error": {"access_denied"}, "error_description": {"The user denied the request"}, "state": {a.state}}), http.StatusFound)
	default:
		hidden := url.Values{}
		for _, k := range []string{"response_type", "client_id", "state", "code_challenge_method", "code_challenge", "scope", "redirect_uri"} {
			hidden.Set(k, q.Get(k))
		}
		who := s.loginPrincipal().arn()
		loginPage(w, http.StatusOK, "Signed in as "+who+". Allow the AWS CLI and SDKs to use this sign-in on your computer?", hidden)
	}
}

// loginConfirmationPage is where the cross-device client's browser lands:
// it shows the code to paste into the terminal, the base64 of
// state=...&code=....
func (s *Server) loginConfirmationPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("error") != "" {
		loginPage(w, http.StatusOK, "The request was denied. You can close this window.", nil)
		return
	}
	if q.Get("code") == "" || q.Get("state") == "" {
		loginPage(w, http.StatusBadRequest, "There is no authorization code to show.", nil)
		return
	}
	code := base64.StdEncoding.EncodeToString([]byte("state=" + url.QueryEscape(q.Get("state")) + "&code=" + url.QueryEscape(q.Get("code"))))
	loginPage(w, http.StatusOK, "Enter this authorization code in your terminal: "+code, nil)
}

// loginPage writes a minimal HTML page; every value is escaped. With
// hidden set it is the allow/deny form of an authorization request.
func loginPage(w http.ResponseWriter, status int, message string, hidden url.Values) {
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>awsauth fake AWS: sign in for aws login</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto">
<h1>AWS sign-in</h1>
<p>` + htmlEscape(message) + `</p>
`)
	if hidden != nil {
		b.WriteString(`<form method="post" action="` + loginAuthorizePath + `">` + "\n")
		for k, vs := range hidden {
			b.WriteString(`<input type="hidden" name="` + htmlEscape(k) + `" value="` + htmlEscape(vs[0]) + `">` + "\n")
		}
		b.WriteString(`<p><button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></p>
</form>
`)
	}
	b.WriteString("</body>\n</html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, b.String())
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// EndLoginSessions ends every aws login session now, as if each had
// reached its configured length: refreshes are refused with TOKEN_EXPIRED
// and only a new sign-in starts a session again. Credentials already handed
// out live on.
func (s *Server) EndLoginSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	for _, sess := range s.login.sessions {
		sess.end = earlier(sess.end, now)
	}
}

// LoginToken is what a finished aws login leaves in its cache: the
// credentials (Expires in real time), the refresh token bound to DPoPKey,
// the id token, and the session (the id token's subject) it belongs to.
type LoginToken struct {
	Session         string
	AccountID       string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expires         time.Time
	RefreshToken    string
	IDToken         string
	ClientID        string
	// DPoPKey is the client's private key, PEM ("EC PRIVATE KEY"), as
	// the cache holds it.
	DPoPKey string
}

// IssueLoginToken performs a whole aws login without HTTP, as if the
// person had signed in and allowed it just now. Tests use it to seed the
// login cache when the sign-in itself is not what they test.
func (s *Server) IssueLoginToken() LoginToken {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		panic(err)
	}
	pt, _ := key.PublicKey.Bytes() // 0x04 || x || y
	thumb := jwkThumbprint(base64.RawURLEncoding.EncodeToString(pt[1:33]), base64.RawURLEncoding.EncodeToString(pt[33:]))

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	who := s.loginPrincipal()
	sess := &loginSession{
		who:      who,
		clientID: LoginClientSameDevice,
		signedIn: now,
		end:      now.Add(s.scenario.LoginSessionDuration),
		key:      thumb,
	}
	s.login.sessions = append(s.login.sessions, sess)
	out := s.issueLoginLocked(sess, true)
	at := out["accessToken"].(map[string]string)
	return LoginToken{
		Session:         who.arn(),
		AccountID:       who.account,
		AccessKeyID:     at["accessKeyId"],
		SecretAccessKey: at["secretAccessKey"],
		SessionToken:    at["sessionToken"],
		Expires:         realExpiry(s.clock, s.keys[at["accessKeyId"]].expires),
		RefreshToken:    out["refreshToken"].(string),
		IDToken:         out["idToken"].(string),
		ClientID:        LoginClientSameDevice,
		DPoPKey:         string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})),
	}
}
