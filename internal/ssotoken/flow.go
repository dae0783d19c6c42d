package ssotoken

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// OIDC is the part of the SSO OIDC API that login and refresh use.
type OIDC interface {
	RegisterClient(ctx context.Context, in *ssooidc.RegisterClientInput, optFns ...func(*ssooidc.Options)) (*ssooidc.RegisterClientOutput, error)
	StartDeviceAuthorization(ctx context.Context, in *ssooidc.StartDeviceAuthorizationInput, optFns ...func(*ssooidc.Options)) (*ssooidc.StartDeviceAuthorizationOutput, error)
	CreateToken(ctx context.Context, in *ssooidc.CreateTokenInput, optFns ...func(*ssooidc.Options)) (*ssooidc.CreateTokenOutput, error)
}

// Session names an IAM Identity Center session: an [sso-session] section,
// or for a legacy profile, its start URL and region alone.
type Session struct {
	Name     string // "" for legacy profiles
	StartURL string
	Region   string
	Scopes   []string
}

// CacheKey is the key of the session's token file.
func (s Session) CacheKey() string { return CacheKey(s.Name, s.StartURL) }

// String names the session for messages.
func (s Session) String() string {
	if s.Name != "" {
		return "sso-session " + s.Name
	}
	return s.StartURL
}

// DefaultScopes is what an sso-session registers for when its config names
// none, as the AWS CLI v2 does; it is what makes a token refreshable.
var DefaultScopes = []string{"sso:account:access"}

// Prompt is what the person must do to approve a login.
type Prompt struct {
	VerificationURI         string
	VerificationURIComplete string
	UserCode                string
	ExpiresAt               time.Time
}

// Flow runs IAM Identity Center logins and refreshes against OIDC, keeping
// the result in Store.
type Flow struct {
	OIDC  OIDC
	Store *Store
	Now   func() time.Time
	// Sleep waits d or until ctx ends; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Prompt shows the person the code and URL; it must not block.
	Prompt func(Prompt)
	// ClientName is the registered client's name prefix.
	ClientName string
}

const (
	defaultInterval = 5 * time.Second
	slowDownDelay   = 5 * time.Second // RFC 8628 section 3.5
)

// ReloginError means only a new browser login can continue.
type ReloginError struct {
	Session Session
	Why     string
	Err     error
}

func (e *ReloginError) Error() string {
	return fmt.Sprintf("%s needs a new login: %s", e.Session, e.Why)
}

func (e *ReloginError) Unwrap() error { return e.Err }

// DeviceFlowError is a login that ended without a token.
type DeviceFlowError struct {
	Reason string // "expired", "denied"
	Err    error
}

func (e *DeviceFlowError) Error() string {
	switch e.Reason {
	case "expired":
		return "the login code expired before it was approved"
	case "denied":
		return "the login was denied in the browser"
	}
	return "login failed: " + e.Err.Error()
}

func (e *DeviceFlowError) Unwrap() error { return e.Err }

func (f *Flow) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Flow) sleep(ctx context.Context, d time.Duration) error {
	if f.Sleep != nil {
		return f.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Login runs the device authorization flow for s and caches the token. When
// another process finishes a login for s while this one waits for the login
// lock, its token is returned instead of asking the person twice; reused
// says so. The token lock is taken only to write the token, so that
// renewals elsewhere never wait for the person to approve.
func (f *Flow) Login(ctx context.Context, s Session) (tok *Token, reused bool, err error) {
	before := f.cachedAccessToken(s)
	unlock, err := f.Store.LoginLock(ctx, s.CacheKey())
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	if t, ok := f.replacedSince(s, before); ok {
		return t, true, nil
	}

	reg, auth, err := f.authorize(ctx, s)
	if err != nil {
		return nil, false, err
	}
	interval := time.Duration(auth.Interval) * time.Second
	if interval <= 0 {
		interval = defaultInterval
	}
	deadline := f.now().Add(time.Duration(auth.ExpiresIn) * time.Second)
	if f.Prompt != nil {
		f.Prompt(Prompt{
			VerificationURI:         aws.ToString(auth.VerificationUri),
			VerificationURIComplete: aws.ToString(auth.VerificationUriComplete),
			UserCode:                aws.ToString(auth.UserCode),
			ExpiresAt:               deadline,
		})
	}
	for {
		out, err := f.OIDC.CreateToken(ctx, &ssooidc.CreateTokenInput{
			GrantType:    aws.String("urn:ietf:params:oauth:grant-type:device_code"),
			ClientId:     aws.String(reg.ClientID),
			ClientSecret: aws.String(reg.ClientSecret),
			DeviceCode:   auth.DeviceCode,
		})
		if err == nil {
			t := f.tokenFrom(s, reg, out)
			if err := f.writeToken(ctx, s, t); err != nil {
				return nil, false, err
			}
			return t, false, nil
		}
		var pending *types.AuthorizationPendingException
		var slow *types.SlowDownException
		var expired *types.ExpiredTokenException
		var denied *types.AccessDeniedException
		switch {
		case errors.As(err, &pending):
		case errors.As(err, &slow):
			interval += slowDownDelay
		case errors.As(err, &expired):
			return nil, false, &DeviceFlowError{Reason: "expired", Err: err}
		case errors.As(err, &denied):
			return nil, false, &DeviceFlowError{Reason: "denied", Err: err}
		default:
			if ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
			return nil, false, fmt.Errorf("create token: %w", err)
		}
		if !f.now().Before(deadline) {
			return nil, false, &DeviceFlowError{Reason: "expired", Err: errors.New("device code lifetime passed")}
		}
		if err := f.sleep(ctx, interval); err != nil {
			return nil, false, err
		}
	}
}

// writeToken caches t under the token lock.
func (f *Flow) writeToken(ctx context.Context, s Session, t *Token) error {
	unlock, err := f.Store.Lock(ctx, s.CacheKey())
	if err != nil {
		return err
	}
	defer unlock()
	return f.Store.WriteToken(s.CacheKey(), t)
}

// authorize starts the device authorization. A cached registration the
// service no longer knows (revoked, or made against another endpoint) is
// dropped and replaced once, so nobody has to clear a cache by hand.
func (f *Flow) authorize(ctx context.Context, s Session) (*Registration, *ssooidc.StartDeviceAuthorizationOutput, error) {
	for attempt := 0; ; attempt++ {
		reg, err := f.registration(ctx, s)
		if err != nil {
			return nil, nil, err
		}
		auth, err := f.OIDC.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
			ClientId:     aws.String(reg.ClientID),
			ClientSecret: aws.String(reg.ClientSecret),
			StartUrl:     aws.String(s.StartURL),
		})
		if err == nil {
			return reg, auth, nil
		}
		if !isInvalidClient(err) || attempt > 0 {
			return nil, nil, fmt.Errorf("start device authorization: %w", err)
		}
		if err := f.Store.DeleteRegistration(RegistrationKey(s.StartURL, s.Region, s.Name, s.scopes())); err != nil {
			return nil, nil, err
		}
	}
}

// cachedAccessToken is the access token in the cache now, or "".
func (f *Flow) cachedAccessToken(s Session) string {
	t, err := f.Store.ReadToken(s.CacheKey())
	if err != nil {
		return ""
	}
	return t.AccessToken
}

// replacedSince returns the cached token when another process wrote a new,
// valid one since the cache held before.
func (f *Flow) replacedSince(s Session, before string) (*Token, bool) {
	t, err := f.Store.ReadToken(s.CacheKey())
	if err != nil || t.AccessToken == before || !t.Valid(f.now()) {
		return nil, false
	}
	return t, true
}

func (s Session) scopes() []string {
	if s.Name == "" {
		return nil // legacy profiles register without scopes, as the CLI does
	}
	if len(s.Scopes) == 0 {
		return DefaultScopes
	}
	return s.Scopes
}

// registration returns a valid cached client registration, or makes one.
func (f *Flow) registration(ctx context.Context, s Session) (*Registration, error) {
	key := RegistrationKey(s.StartURL, s.Region, s.Name, s.scopes())
	if r := f.Store.ReadRegistration(key); r != nil && r.Valid(f.now().Add(time.Hour)) {
		return r, nil
	}
	name := f.ClientName
	if name == "" {
		name = "awsauth"
	}
	if s.Name != "" {
		name += "-" + s.Name
	}
	in := &ssooidc.RegisterClientInput{ClientName: aws.String(name), ClientType: aws.String("public")}
	if sc := s.scopes(); len(sc) > 0 {
		in.Scopes = sc
	}
	out, err := f.OIDC.RegisterClient(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("register client: %w", err)
	}
	r := &Registration{
		ClientID:     aws.ToString(out.ClientId),
		ClientSecret: aws.ToString(out.ClientSecret),
		ExpiresAt:    Timestamp{time.Unix(out.ClientSecretExpiresAt, 0).UTC()},
		Scopes:       in.Scopes,
	}
	if err := f.Store.WriteRegistration(key, r); err != nil {
		return nil, err
	}
	return r, nil
}

func (f *Flow) tokenFrom(s Session, reg *Registration, out *ssooidc.CreateTokenOutput) *Token {
	exp := Timestamp{f.now().Add(time.Duration(out.ExpiresIn) * time.Second).UTC().Truncate(time.Second)}
	regExp := reg.ExpiresAt
	return &Token{
		StartURL:              s.StartURL,
		Region:                s.Region,
		AccessToken:           aws.ToString(out.AccessToken),
		ExpiresAt:             &exp,
		ClientID:              reg.ClientID,
		ClientSecret:          reg.ClientSecret,
		RegistrationExpiresAt: &regExp,
		RefreshToken:          aws.ToString(out.RefreshToken),
	}
}

// Refresh renews the cached access token with its refresh token, without a
// browser. It fails with a [ReloginError] when that is no longer possible.
func (f *Flow) Refresh(ctx context.Context, s Session) (*Token, error) {
	unlock, err := f.Store.Lock(ctx, s.CacheKey())
	if err != nil {
		return nil, err
	}
	defer unlock()
	old, err := f.Store.ReadToken(s.CacheKey())
	if err != nil {
		var corrupt *CorruptError
		if errors.As(err, &corrupt) {
			return nil, &ReloginError{Session: s, Why: corrupt.Error(), Err: err}
		}
		return nil, &ReloginError{Session: s, Why: "no one has logged in to this SSO session yet", Err: err}
	}
	if !old.Refreshable() {
		return nil, &ReloginError{Session: s, Why: "the cached token has no refresh token (legacy SSO profiles cannot refresh: use an sso-session)"}
	}
	if old.RegistrationExpiresAt != nil && !f.now().Before(old.RegistrationExpiresAt.Time) {
		return nil, &ReloginError{Session: s, Why: "the client registration behind the token has expired"}
	}
	out, err := f.OIDC.CreateToken(ctx, &ssooidc.CreateTokenInput{
		GrantType:    aws.String("refresh_token"),
		ClientId:     aws.String(old.ClientID),
		ClientSecret: aws.String(old.ClientSecret),
		RefreshToken: aws.String(old.RefreshToken),
	})
	if err != nil {
		var grant *types.InvalidGrantException
		var client *types.InvalidClientException
		var expired *types.ExpiredTokenException
		var unauthorized *types.UnauthorizedClientException
		if errors.As(err, &grant) || errors.As(err, &client) || errors.As(err, &expired) || errors.As(err, &unauthorized) {
			return nil, &ReloginError{Session: s, Why: "the SSO session has ended (the refresh token was refused)", Err: err}
		}
		// Decided by the state, not by error codes AWS may add or a proxy
		// may garble: the token has expired and its refresh was refused.
		if status, refused := refusedBy(err); refused && !old.Valid(f.now()) {
			return nil, &ReloginError{Session: s, Why: fmt.Sprintf("the SSO session has ended (the expired token's refresh was refused with HTTP %d)", status), Err: err}
		}
		return nil, fmt.Errorf("refresh SSO token: %w", err)
	}
	exp := Timestamp{f.now().Add(time.Duration(out.ExpiresIn) * time.Second).UTC().Truncate(time.Second)}
	t := *old
	t.AccessToken = aws.ToString(out.AccessToken)
	t.ExpiresAt = &exp
	if rt := aws.ToString(out.RefreshToken); rt != "" {
		t.RefreshToken = rt
	}
	if err := f.Store.WriteToken(s.CacheKey(), &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// refusedBy reports whether err is an answer that refuses the request for
// good: an HTTP client error other than throttling (429 or a throttling
// code), whatever its error code says, one the SDK cannot parse included.
func refusedBy(err error) (status int, refused bool) {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		return 0, false
	}
	status = re.HTTPStatusCode()
	if status < 400 || status >= 500 || status == http.StatusTooManyRequests {
		return status, false
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
		return status, false
	}
	return status, true
}

func isInvalidClient(err error) bool {
	var ic *types.InvalidClientException
	return errors.As(err, &ic)
}
