package awsfake

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"
)

const (
	grantDeviceCode   = "urn:ietf:params:oauth:grant-type:device_code"
	grantRefreshToken = "refresh_token"
	devicePath        = "/device"
)

type oidcState struct {
	clients   map[string]*oidcClient
	devices   map[string]*deviceAuth // by device code
	userCodes map[string]*deviceAuth // by user code
	access    map[string]*accessToken
	refresh   map[string]*refreshToken
}

func newOIDCState() oidcState {
	return oidcState{
		clients:   map[string]*oidcClient{},
		devices:   map[string]*deviceAuth{},
		userCodes: map[string]*deviceAuth{},
		access:    map[string]*accessToken{},
		refresh:   map[string]*refreshToken{},
	}
}

type oidcClient struct {
	id, secret string
	name       string
	scopes     []string
	expires    time.Time
}

type deviceState int

const (
	devicePending deviceState = iota
	deviceApproved
	deviceDenied
	deviceRedeemed
)

type deviceAuth struct {
	deviceCode string
	userCode   string
	clientID   string
	expires    time.Time
	state      deviceState
	lastPoll   time.Time
	approvedAt time.Time
}

// ssoSession is one Identity Center sign-in: it starts when the person
// approves the device code and bounds every token derived from it.
type ssoSession struct {
	end     time.Time
	revoked bool
}

type accessToken struct {
	session *ssoSession
	expires time.Time
}

type refreshToken struct {
	session  *ssoSession
	clientID string
	revoked  bool
}

// sessionForAccessTokenLocked returns the live session behind a bearer
// token, or nil when the token is unknown, expired or logged out.
func (s *Server) sessionForAccessTokenLocked(token string) *ssoSession {
	if token == "" {
		return nil
	}
	at, ok := s.oidc.access[token]
	if !ok || at.session.revoked || !s.clock.Now().Before(at.expires) {
		return nil
	}
	return at.session
}

// oidcError is an SSO OIDC error. The SDKs pick the exception from the
// x-amzn-ErrorType header; the body carries the OAuth error and
// error_description members the exception shapes define.
type oidcError struct {
	status int
	typ    string
	code   string
	desc   string
}

func oidcErr(typ, code, desc string) *oidcError {
	status := http.StatusBadRequest
	if typ == "InvalidClientException" {
		status = http.StatusUnauthorized
	}
	return &oidcError{status: status, typ: typ, code: code, desc: desc}
}

func errInvalidRequest(desc string) *oidcError {
	return oidcErr("InvalidRequestException", "invalid_request", desc)
}

type oidcHandler func(r *http.Request, body []byte) (any, *oidcError)

func (s *Server) oidcOp(w http.ResponseWriter, r *http.Request, op string, h oidcHandler) {
	if r.Method != http.MethodPost || r.URL.RawQuery != "" {
		// CreateTokenWithIAM shares /token but adds ?aws_iam=t; it needs
		// IAM credentials this fake does not model.
		writeJSONError(w, http.StatusNotFound, "UnknownOperationException", "", nil)
		return
	}
	s.count(op)
	body, err := io.ReadAll(r.Body)
	var (
		out  any
		oerr *oidcError
	)
	if err != nil {
		oerr = errInvalidRequest("could not read the request body")
	} else {
		out, oerr = h(r, body)
	}
	if oerr != nil {
		s.logf("awsfake: oidc %s: %s", op, oerr.typ)
		writeJSONError(w, oerr.status, oerr.typ, "", map[string]any{"error": oerr.code, "error_description": oerr.desc})
		return
	}
	s.logf("awsfake: oidc %s: ok", op)
	writeJSON(w, http.StatusOK, out)
}

func decodeJSON(body []byte, v any) *oidcError {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errInvalidRequest("Invalid JSON request body")
	}
	return nil
}

// realSeconds converts a fake duration into whole real seconds, rounding
// down so a client never believes in a longer life than the fake allows.
func (s *Server) realSeconds(fake time.Duration) int64 {
	secs := math.Floor(fake.Seconds() / clockSpeed(s.clock))
	if secs < 0 {
		return 0
	}
	return int64(secs)
}

func (s *Server) registerClient(_ *http.Request, body []byte) (any, *oidcError) {
	var in struct {
		ClientName string   `json:"clientName"`
		ClientType string   `json:"clientType"`
		Scopes     []string `json:"scopes"`
		GrantTypes []string `json:"grantTypes"`
	}
	if e := decodeJSON(body, &in); e != nil {
		return nil, e
	}
	if in.ClientName == "" {
		return nil, errInvalidRequest("clientName is required")
	}
	if in.ClientType != "public" {
		return nil, oidcErr("InvalidClientMetadataException", "invalid_client_metadata", "Invalid client type")
	}
	for _, sc := range in.Scopes {
		if sc == "" || strings.ContainsAny(sc, " \t") {
			return nil, oidcErr("InvalidScopeException", "invalid_scope", "Invalid scope requested")
		}
	}
	for _, g := range in.GrantTypes {
		switch g {
		case grantDeviceCode, grantRefreshToken, "authorization_code":
		default:
			return nil, oidcErr("InvalidClientMetadataException", "invalid_client_metadata", "Invalid grant type")
		}
	}
	now := s.clock.Now()
	c := &oidcClient{
		id:      opaqueToken("", 16),
		secret:  opaqueToken("", 96),
		name:    in.ClientName,
		scopes:  append([]string(nil), in.Scopes...),
		expires: now.Add(s.scenario.ClientRegistrationLifetime),
	}
	s.mu.Lock()
	s.oidc.clients[c.id] = c
	s.mu.Unlock()
	return map[string]any{
		"clientId":              c.id,
		"clientSecret":          c.secret,
		"clientIdIssuedAt":      realExpiry(s.clock, now).Unix(),
		"clientSecretExpiresAt": realExpiry(s.clock, c.expires).Unix(),
	}, nil
}

// clientLocked authenticates an OIDC client.
func (s *Server) clientLocked(id, secret string) (*oidcClient, *oidcError) {
	c, ok := s.oidc.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(c.secret)) != 1 {
		return nil, oidcErr("InvalidClientException", "invalid_client", "Invalid client provided")
	}
	if !s.clock.Now().Before(c.expires) {
		return nil, oidcErr("InvalidClientException", "invalid_client", "Client registration has expired")
	}
	return c, nil
}

// userCodeAlphabet leaves out vowels and look-alikes so codes are easy to
// read out and never spell words.
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

func newUserCode() string {
	b := randomBytes(8)
	out := make([]byte, 0, 9)
	for i, v := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, userCodeAlphabet[int(v)%len(userCodeAlphabet)])
	}
	return string(out)
}

func (s *Server) startDeviceAuthorization(r *http.Request, body []byte) (any, *oidcError) {
	var in struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		StartURL     string `json:"startUrl"`
	}
	if e := decodeJSON(body, &in); e != nil {
		return nil, e
	}
	if in.StartURL == "" {
		return nil, errInvalidRequest("startUrl is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, e := s.clientLocked(in.ClientID, in.ClientSecret); e != nil {
		return nil, e
	}
	now := s.clock.Now()
	d := &deviceAuth{
		deviceCode: opaqueToken("", 48),
		clientID:   in.ClientID,
		expires:    now.Add(s.scenario.DeviceCodeLifetime),
	}
	for {
		d.userCode = newUserCode()
		if _, taken := s.oidc.userCodes[d.userCode]; !taken {
			break
		}
	}
	if s.auto {
		d.state, d.approvedAt = deviceApproved, now
	}
	s.oidc.devices[d.deviceCode] = d
	s.oidc.userCodes[d.userCode] = d

	interval := int64(math.Ceil(s.scenario.DevicePollInterval.Seconds() / clockSpeed(s.clock)))
	if interval < 1 {
		interval = 1
	}
	verify := baseURL(r) + devicePath
	return map[string]any{
		"deviceCode":              d.deviceCode,
		"userCode":                d.userCode,
		"verificationUri":         verify,
		"verificationUriComplete": verify + "?user_code=" + d.userCode,
		"expiresIn":               s.realSeconds(d.expires.Sub(now)),
		"interval":                interval,
	}, nil
}

func baseURL(r *http.Request) string {
	return "http://" + r.Host
}

func (s *Server) createToken(_ *http.Request, body []byte) (any, *oidcError) {
	var in struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
		GrantType    string `json:"grantType"`
		DeviceCode   string `json:"deviceCode"`
		RefreshToken string `json:"refreshToken"`
	}
	if e := decodeJSON(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	client, e := s.clientLocked(in.ClientID, in.ClientSecret)
	if e != nil {
		return nil, e
	}
	switch in.GrantType {
	case grantDeviceCode:
		return s.redeemDeviceCodeLocked(client, in.DeviceCode)
	case grantRefreshToken:
		return s.redeemRefreshTokenLocked(client, in.RefreshToken)
	case "":
		return nil, errInvalidRequest("grantType is required")
	default:
		return nil, oidcErr("UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type: "+in.GrantType)
	}
}

func (s *Server) redeemDeviceCodeLocked(client *oidcClient, code string) (any, *oidcError) {
	d, ok := s.oidc.devices[code]
	if !ok || d.clientID != client.id || d.state == deviceRedeemed {
		return nil, oidcErr("InvalidGrantException", "invalid_grant", "Invalid device code provided")
	}
	now := s.clock.Now()
	if !now.Before(d.expires) {
		return nil, oidcErr("ExpiredTokenException", "expired_token", "Device code has expired")
	}
	// Polls are checked against the interval before anything else, so a
	// client that hammers the endpoint learns to slow down even once the
	// person has approved.
	last := d.lastPoll
	d.lastPoll = now
	if !last.IsZero() && now.Sub(last) < s.scenario.DevicePollInterval {
		return nil, oidcErr("SlowDownException", "slow_down", "Client is polling too quickly")
	}
	switch d.state {
	case deviceDenied:
		return nil, oidcErr("AccessDeniedException", "access_denied", "The user denied the authorization request")
	case devicePending:
		return nil, oidcErr("AuthorizationPendingException", "authorization_pending", "Authorization is still pending")
	}
	d.state = deviceRedeemed
	sess := &ssoSession{end: d.approvedAt.Add(s.scenario.SSOSessionDuration)}
	return s.issueTokensLocked(client, sess), nil
}

func (s *Server) redeemRefreshTokenLocked(client *oidcClient, token string) (any, *oidcError) {
	rt, ok := s.oidc.refresh[token]
	if !ok || rt.revoked || rt.clientID != client.id || rt.session.revoked {
		return nil, oidcErr("InvalidGrantException", "invalid_grant", "Invalid refresh token provided")
	}
	if !s.clock.Now().Before(rt.session.end) {
		return nil, oidcErr("InvalidGrantException", "invalid_grant", "Invalid refresh token provided")
	}
	// Refresh tokens rotate: the one just used is spent.
	rt.revoked = true
	return s.issueTokensLocked(client, rt.session), nil
}

// issueTokensLocked mints an access token (never outliving the session)
// and, for clients registered with scopes, as AWS does for sso-session
// configurations, a refresh token.
func (s *Server) issueTokensLocked(client *oidcClient, sess *ssoSession) map[string]any {
	now := s.clock.Now()
	expires := now.Add(s.scenario.AccessTokenLifetime)
	if sess.end.Before(expires) {
		expires = sess.end
	}
	at := opaqueToken("aoa", 120)
	s.oidc.access[at] = &accessToken{session: sess, expires: expires}
	out := map[string]any{
		"accessToken": at,
		"tokenType":   "Bearer",
		"expiresIn":   s.realSeconds(expires.Sub(now)),
	}
	if len(client.scopes) > 0 {
		rt := opaqueToken("aor", 120)
		s.oidc.refresh[rt] = &refreshToken{session: sess, clientID: client.id}
		out["refreshToken"] = rt
	}
	return out
}

// ErrUnknownUserCode is returned by Approve and Deny for a user code the
// fake never issued, or one that can no longer be acted on.
var ErrUnknownUserCode = errors.New("awsfake: unknown or spent user code")

// Approve plays the person who opens the verification URI, signs in and
// allows the device: the next CreateToken poll for the code succeeds and
// the SSO session starts now.
func (s *Server) Approve(userCode string) error {
	return s.decide(userCode, deviceApproved)
}

// Deny plays the person refusing the request: the next poll fails with
// access_denied.
func (s *Server) Deny(userCode string) error {
	return s.decide(userCode, deviceDenied)
}

// EndSSOSessions ends every SSO session now, as if each had reached its
// configured length: access tokens expire, refresh tokens are refused, and
// only a new device login starts a session again. Role credentials already
// handed out live on. Tests use it to end a session without waiting for it.
func (s *Server) EndSSOSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	// Every session issued at least one access token, which points to it.
	for _, at := range s.oidc.access {
		at.session.end = earlier(at.session.end, now)
		at.expires = earlier(at.expires, now)
	}
}

func (s *Server) decide(userCode string, st deviceState) error {
	userCode = normalizeUserCode(userCode)
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.oidc.userCodes[userCode]
	if !ok || d.state != devicePending {
		return ErrUnknownUserCode
	}
	now := s.clock.Now()
	if !now.Before(d.expires) {
		return fmt.Errorf("awsfake: user code %s has expired", userCode)
	}
	d.state = st
	if st == deviceApproved {
		d.approvedAt = now
	}
	s.logf("awsfake: device code %s %s", userCode, map[deviceState]string{deviceApproved: "approved", deviceDenied: "denied"}[st])
	return nil
}

// normalizeUserCode accepts what people type: lower case, no dash, spaces.
func normalizeUserCode(c string) string {
	c = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(c))
	if len(c) == 8 {
		c = c[:4] + "-" + c[4:]
	}
	return c
}
