package awsfake

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// WebIdentityClaims are the JWT claims AssumeRoleWithWebIdentity looks at.
type WebIdentityClaims struct {
	Issuer   string
	Subject  string
	Audience string
	// Expires is checked against the fake's clock; zero means no exp claim.
	Expires time.Time
}

// WebIdentityToken mints an unsigned JWT carrying claims, for writing the
// file AWS_WEB_IDENTITY_TOKEN_FILE points at. The fake checks a token's
// shape and expiry but, like a test double should, not its signature.
func WebIdentityToken(claims WebIdentityClaims) string {
	header := map[string]string{"alg": "RS256", "typ": "JWT", "kid": "awsfake"}
	payload := map[string]any{"iss": claims.Issuer, "sub": claims.Subject, "aud": claims.Audience}
	if !claims.Expires.IsZero() {
		payload["exp"] = claims.Expires.Unix()
		payload["iat"] = claims.Expires.Add(-time.Hour).Unix()
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v) // maps of strings and numbers always marshal
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(payload) + "." + base64.RawURLEncoding.EncodeToString([]byte("awsfake-unsigned"))
}

// parseWebIdentityToken accepts a compact JWT with a JSON payload that names
// an issuer and a subject; anything else is not a valid JWT to AWS either.
func parseWebIdentityToken(raw string) (WebIdentityClaims, bool) {
	parts := strings.Split(strings.TrimSpace(raw), ".")
	if len(parts) != 3 || parts[2] == "" {
		return WebIdentityClaims{}, false
	}
	for _, p := range parts[:2] {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p, "="))
		if err != nil || !json.Valid(b) {
			return WebIdentityClaims{}, false
		}
	}
	b, _ := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	var payload struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp *json.Number    `json:"exp"`
	}
	if err := json.Unmarshal(b, &payload); err != nil || payload.Iss == "" || payload.Sub == "" {
		return WebIdentityClaims{}, false
	}
	c := WebIdentityClaims{Issuer: payload.Iss, Subject: payload.Sub}
	// aud is a string or a list of strings in JWTs.
	var one string
	var many []string
	if json.Unmarshal(payload.Aud, &one) == nil {
		c.Audience = one
	} else if json.Unmarshal(payload.Aud, &many) == nil && len(many) > 0 {
		c.Audience = many[0]
	}
	if payload.Exp != nil {
		f, err := payload.Exp.Float64()
		if err != nil {
			return WebIdentityClaims{}, false
		}
		c.Expires = time.Unix(int64(f), 0)
	}
	return c, true
}
