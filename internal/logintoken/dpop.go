package logintoken

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
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The proof of possession (RFC 9449) every CreateOAuth2Token request
// carries: a JWT of type dpop+jwt, signed ES256 (raw r||s) by the session's
// P-256 key, whose public half is in its header, for the method and URL of
// the request. The Go SDK builds the same for its own renewals, but keeps
// it internal.

// newKey makes the P-256 key a new sign-in binds its tokens to.
func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// encodeKey writes key as the cache holds it: PEM "EC PRIVATE KEY" (SEC 1),
// in 64-character lines, as the AWS CLI writes it and the SDKs read it.
func encodeKey(key *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), nil
}

// proof signs a DPoP proof for a request of method to htu at now.
func proof(key *ecdsa.PrivateKey, method, htu string, now time.Time) (string, error) {
	pt, err := key.PublicKey.Bytes() // 0x04 || x || y
	if err != nil || len(pt) != 65 {
		return "", fmt.Errorf("dpop key: not a P-256 key")
	}
	jti := make([]byte, 16)
	rand.Read(jti)
	header, err := json.Marshal(map[string]any{
		"typ": "dpop+jwt",
		"alg": "ES256",
		"jwk": map[string]string{
			"kty": "EC",
			"crv": "P-256",
			"x":   base64.RawURLEncoding.EncodeToString(pt[1:33]),
			"y":   base64.RawURLEncoding.EncodeToString(pt[33:]),
		},
	})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(map[string]any{
		"jti": base64.RawURLEncoding.EncodeToString(jti),
		"htm": method,
		"htu": htu,
		"iat": now.Unix(),
	})
	if err != nil {
		return "", err
	}
	msg := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	sum := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return msg + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// withDPoP adds a fresh proof to every attempt of a CreateOAuth2Token
// call, for the URL the request is finally sent to.
func withDPoP(key *ecdsa.PrivateKey, now func() time.Time) func(*signin.Options) {
	return signin.WithAPIOptions(func(st *middleware.Stack) error {
		return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("awsauthDPoP",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				req, ok := in.Request.(*smithyhttp.Request)
				if !ok {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("dpop: unexpected transport %T", in.Request)
				}
				p, err := proof(key, req.Method, req.URL.String(), now())
				if err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("sign the DPoP proof: %w", err)
				}
				req.Header.Set("DPoP", p)
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	})
}
