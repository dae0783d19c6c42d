package awsfake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// principalKind separates the identities STS distinguishes: long-term IAM
// user keys, IAM user session keys (GetSessionToken), and role sessions.
type principalKind int

const (
	kindUser principalKind = iota
	kindUserSession
	kindRoleSession
)

// principal is who a set of keys authenticates as.
type principal struct {
	kind    principalKind
	account string
	// userName is set for users and user sessions.
	userName string
	// roleName is the IAM role name as it appears in the assumed-role ARN
	// (for portal credentials, the AWSReservedSSO_ name).
	roleName    string
	sessionName string
	// mfa records that the credentials were obtained with MFA, which
	// satisfies aws:MultiFactorAuthPresent on a later AssumeRole.
	mfa bool
}

func (p principal) arn() string {
	if p.kind == kindRoleSession {
		return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", p.account, p.roleName, p.sessionName)
	}
	return fmt.Sprintf("arn:aws:iam::%s:user/%s", p.account, p.userName)
}

func (p principal) userID() string {
	if p.kind == kindRoleSession {
		return roleID(p.account, p.roleName) + ":" + p.sessionName
	}
	return userID(p.account, p.userName)
}

// credential is one access key the fake has issued or was configured with.
type credential struct {
	accessKeyID  string
	secret       string
	sessionToken string // empty for long-term keys
	who          principal
	expires      time.Time // fake time; zero for long-term keys
}

func (c *credential) expired(now time.Time) bool {
	return !c.expires.IsZero() && !now.Before(c.expires)
}

// Credentials is a key pair as a client would hold it. Expires is in real
// time (see the package documentation) and zero for long-term keys.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expires         time.Time
}

// base32 without padding in AWS's upper-case alphabet, used for key ids.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never fails (it would crash the program instead).
	_, _ = rand.Read(b)
	return b
}

// randomID returns n characters of [A-Z2-7].
func randomID(n int) string {
	return idEncoding.EncodeToString(randomBytes(n))[:n]
}

// stableID derives n characters of [A-Z2-7] from parts, so the same role or
// user always gets the same unique id, as it does on AWS.
func stableID(n int, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return idEncoding.EncodeToString(sum[:])[:n]
}

// newTemporaryAccessKeyID returns an id in AWS's format for temporary keys.
func newTemporaryAccessKeyID() string { return "ASIA" + randomID(16) }

// newSecretAccessKey returns 40 characters like an AWS secret key.
func newSecretAccessKey() string {
	return base64.StdEncoding.EncodeToString(randomBytes(30))
}

// newSessionToken returns an opaque token in the shape of a modern STS
// session token (which starts with the base64 of "!\n\torigin_ec").
func newSessionToken() string {
	return "IQoJb3JpZ2luX2Vj" + base64.StdEncoding.EncodeToString(randomBytes(300))
}

// opaqueToken returns a URL-safe random token with a recognisable prefix.
func opaqueToken(prefix string, n int) string {
	return prefix + base64.RawURLEncoding.EncodeToString(randomBytes(n))
}

func roleID(account, role string) string { return "AROA" + stableID(17, "role", account, role) }
func userID(account, user string) string { return "AIDA" + stableID(17, "user", account, user) }

// ssoRoleName is the name Identity Center gives the IAM role it provisions
// for a permission set: AWSReservedSSO_<set>_<16 hex>.
func ssoRoleName(account, permissionSet string) string {
	sum := sha256.Sum256([]byte("sso\x00" + account + "\x00" + permissionSet))
	return "AWSReservedSSO_" + permissionSet + "_" + hex.EncodeToString(sum[:8])
}

// newRequestID returns a UUID-shaped request id like AWS's.
func newRequestID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// issueLocked creates temporary keys for who that live until the fake
// instant expires. The caller holds s.mu.
func (s *Server) issueLocked(who principal, expires time.Time) *credential {
	c := &credential{
		accessKeyID:  newTemporaryAccessKeyID(),
		secret:       newSecretAccessKey(),
		sessionToken: newSessionToken(),
		who:          who,
		expires:      expires,
	}
	s.keys[c.accessKeyID] = c
	return c
}

// UserCredentials returns the long-term keys of the scenario's IAM user
// called name, which is how a test gets hold of a secret it did not write.
func (s *Server) UserCredentials(name string) (Credentials, error) {
	u, ok := s.scenario.User(name)
	if !ok {
		return Credentials{}, fmt.Errorf("awsfake: no IAM user %q in the scenario", name)
	}
	return Credentials{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey}, nil
}

// RevokeKeys makes STS reject accessKeyID as unknown from now on, as AWS
// does for a deleted user key or a revoked role session.
func (s *Server) RevokeKeys(accessKeyID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.keys[accessKeyID]
	delete(s.keys, accessKeyID)
	return ok
}

// KeyExpiry returns when the temporary keys accessKeyID stop working, in
// real time, and false for keys the fake did not issue and for long-term
// keys. A proxy in front of another service (moto) uses it to hold keys
// from the fake's SSO portal to the same expiry the fake itself enforces.
func (s *Server) KeyExpiry(accessKeyID string) (time.Time, bool) {
	s.mu.Lock()
	c, ok := s.keys[accessKeyID]
	s.mu.Unlock()
	if !ok || c.expires.IsZero() {
		return time.Time{}, false
	}
	return realExpiry(s.clock, c.expires), true
}
