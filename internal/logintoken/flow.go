package logintoken

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"

	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/ssotoken"
)

// API is the part of the sign-in service that sign-ins and renewals use.
type API interface {
	CreateOAuth2Token(ctx context.Context, in *signin.CreateOAuth2TokenInput, optFns ...func(*signin.Options)) (*signin.CreateOAuth2TokenOutput, error)
}

// Flow signs in to aws login sessions and renews them against the sign-in
// service, keeping the result in Store.
type Flow struct {
	API   API
	Store *Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (f *Flow) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// ReloginError means only a new sign-in (aws login) can continue.
type ReloginError struct {
	Session string
	Why     string
	Err     error
}

func (e *ReloginError) Error() string {
	return fmt.Sprintf("login session %s needs a new sign-in: %s", e.Session, e.Why)
}

func (e *ReloginError) Unwrap() error { return e.Err }

// Reuse decides, under the lock, whether the cached token can be handed
// out as it is instead of renewed; mod is when the file was last written
// (zero when unknown).
type Reuse func(t *Token, mod time.Time) bool

// Renew returns the session's token with credentials renewed through the
// refresh token, unless reuse accepts the cached one (another process may
// have renewed it meanwhile). It holds the session's lock throughout, and
// fails with a [ReloginError] when only a new sign-in can help.
func (f *Flow) Renew(ctx context.Context, session string, reuse Reuse) (*Token, error) {
	unlock, err := f.Store.Lock(ctx, session)
	if err != nil {
		return nil, err
	}
	defer unlock()
	old, mod, err := readFile(f.Store.Path(session))
	if err != nil {
		return nil, ReadError(session, f.Store.Dir, err)
	}
	if reuse != nil && reuse(old, mod) {
		return old, nil
	}
	key, err := parseKey(old.DPoPKey)
	if err != nil {
		return nil, &ReloginError{Session: session, Why: "the cached dpopKey cannot be read", Err: err}
	}
	at := f.now()
	out, err := f.API.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
		ClientId:     aws.String(old.ClientID),
		GrantType:    aws.String("refresh_token"),
		RefreshToken: aws.String(old.RefreshToken),
	}}, withDPoP(key, f.now))
	if err != nil {
		if t, ok := f.renewedElsewhere(session, old); ok {
			return t, nil
		}
		return nil, renewError(session, old, err)
	}
	t, err := updated(old, out, at)
	if err != nil {
		return nil, err
	}
	if err := f.Store.Write(session, t); err != nil {
		return nil, err
	}
	return t, nil
}

// renewedElsewhere returns the cached token when a tool that renews
// without awsauth's lock (an SDK) spent the refresh token first and wrote
// what it got.
func (f *Flow) renewedElsewhere(session string, old *Token) (*Token, bool) {
	t, err := f.Store.Read(session)
	if err != nil || t.RefreshToken == old.RefreshToken || !t.Valid(f.now()) {
		return nil, false
	}
	return t, true
}

// ReadError is err, an error of reading session's cache in dir, as a
// [ReloginError] saying why when only a new sign-in can help (nobody signed
// in, a damaged or incomplete file).
func ReadError(session, dir string, err error) error {
	var corrupt *CorruptError
	var incomplete *IncompleteError
	switch {
	case errors.Is(err, ErrNotFound):
		return &ReloginError{Session: session, Why: "no one has signed in to login session " + session + " on this machine (no token in " + dir + ")", Err: err}
	case errors.As(err, &corrupt), errors.As(err, &incomplete):
		return &ReloginError{Session: session, Why: err.Error(), Err: err}
	}
	return err
}

// renewError turns a refused renewal into what the person can do.
func renewError(session string, old *Token, err error) error {
	var denied *types.AccessDeniedException
	var invalid *types.ValidationException
	switch {
	case errors.As(err, &denied):
		switch denied.Error_ {
		case types.OAuth2ErrorCodeTokenExpired:
			return &ReloginError{Session: session, Why: EndedWhy(old), Err: err}
		case types.OAuth2ErrorCodeUserCredentialsChanged:
			return &ReloginError{Session: session, Why: "the aws login session has ended: the password changed after the sign-in", Err: err}
		case types.OAuth2ErrorCodeInsufficientPermissions:
			return hint.With(fmt.Errorf("renewing the aws login credentials was denied: %w", err),
				"the signed-in identity needs signin:CreateOAuth2Token: attach the SignInLocalDevelopmentAccess managed policy to it (root needs none)")
		}
	case errors.As(err, &invalid) && invalid.Error_ == types.OAuth2ErrorCodeInvalidRequest:
		return &ReloginError{Session: session, Why: "the sign-in service refused the refresh token (revoked, signed out, or spent elsewhere)", Err: err}
	}
	return fmt.Errorf("renew the aws login credentials: %w", err)
}

// EndedWhy says that t's session has ended, and when it began when that
// is known.
func EndedWhy(t *Token) string {
	if at, ok := t.SignedIn(); ok {
		return fmt.Sprintf("the aws login session has ended (signed in at %s; a session lasts at most %s)", at.Format(time.RFC3339), human(MaxSession))
	}
	return fmt.Sprintf("the aws login session has ended (a session lasts at most %s after the sign-in)", human(MaxSession))
}

func human(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return d.String()
}

// updated is old with the renewed credentials and the rotated refresh
// token of out, obtained at at.
func updated(old *Token, out *signin.CreateOAuth2TokenOutput, at time.Time) (*Token, error) {
	o, err := checkOutput(out)
	if err != nil {
		return nil, err
	}
	t := *old
	c := *old.AccessToken
	c.AccessKeyID = aws.ToString(o.AccessToken.AccessKeyId)
	c.SecretAccessKey = aws.ToString(o.AccessToken.SecretAccessKey)
	c.SessionToken = aws.ToString(o.AccessToken.SessionToken)
	c.ExpiresAt = expiry(at, o.ExpiresIn)
	t.AccessToken = &c
	t.RefreshToken = aws.ToString(o.RefreshToken)
	if tt := aws.ToString(o.TokenType); tt != "" {
		t.TokenType = tt
	}
	if id := aws.ToString(o.IdToken); id != "" {
		t.IDToken = id
	}
	return &t, nil
}

// expiry is at plus the service's expiresIn, to the second, never later.
func expiry(at time.Time, in *int32) *ssotoken.Timestamp {
	return &ssotoken.Timestamp{Time: at.Add(time.Duration(aws.ToInt32(in)) * time.Second).UTC().Truncate(time.Second)}
}

// checkOutput refuses a token response without what the cache needs.
func checkOutput(out *signin.CreateOAuth2TokenOutput) (*types.CreateOAuth2TokenResponseBody, error) {
	if out == nil || out.TokenOutput == nil {
		return nil, errors.New("the sign-in service answered without a token")
	}
	o := out.TokenOutput
	switch {
	case o.AccessToken == nil || aws.ToString(o.AccessToken.AccessKeyId) == "" ||
		aws.ToString(o.AccessToken.SecretAccessKey) == "" || aws.ToString(o.AccessToken.SessionToken) == "":
		return nil, errors.New("the sign-in service answered without credentials")
	case o.ExpiresIn == nil || *o.ExpiresIn <= 0:
		return nil, errors.New("the sign-in service answered without the credentials' lifetime (expiresIn)")
	case aws.ToString(o.RefreshToken) == "":
		return nil, errors.New("the sign-in service answered without a refresh token")
	}
	return o, nil
}
