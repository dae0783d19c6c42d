package logintoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"

	"github.com/awsauth/awsauth/internal/hint"
)

// The OAuth clients of aws login: the browser on this machine redirects to
// a loopback listener (same device), or shows a code the person pastes
// into the terminal (cross device, aws login --remote).
const (
	ClientSameDevice  = "arn:aws:signin:::devtools/same-device"
	ClientCrossDevice = "arn:aws:signin:::devtools/cross-device"
)

// callbackPath is where the browser comes back to on the loopback
// listener, as for the AWS CLI.
const callbackPath = "/oauth/callback"

// LoginOptions configures [Flow.Login].
type LoginOptions struct {
	// Endpoint is the sign-in service's base URL, the one CreateOAuth2Token
	// is sent to (https://REGION.signin.aws.amazon.com): the browser opens
	// its /v1/authorize.
	Endpoint string
	// Remote signs in with the cross-device client: the browser may be on
	// another machine, and shows a code the person pastes (ReadCode)
	// instead of coming back to a loopback listener.
	Remote bool
	// Prompt shows the authorization URL to the person (and may open a
	// browser on it); it must not block.
	Prompt func(authorizeURL string)
	// ReadCode reads the code the person pastes, for Remote; it must
	// return when ctx ends.
	ReadCode func(ctx context.Context) (string, error)
	// Session is the login_session the profile names ("" when it names
	// none): concurrent sign-ins to it are one browser flow, and a
	// sign-in finished elsewhere meanwhile is taken instead of asking the
	// person twice.
	Session string
}

// LoginResult is a finished sign-in.
type LoginResult struct {
	Token *Token
	// Session is the signed-in identity's ARN: the login_session the
	// token is cached under.
	Session string
	// Reused says another process signed in while this one waited.
	Reused bool
}

// LoginError is a sign-in that ended without a token.
type LoginError struct {
	Reason string // "denied", "expired", "state", "code"
	Err    error
}

func (e *LoginError) Error() string {
	switch e.Reason {
	case "denied":
		return "the sign-in was denied in the browser"
	case "expired":
		return "the authorization code expired before it was redeemed"
	case "state":
		return "the browser came back with another sign-in's state: ignored it, nothing was written"
	}
	if e.Err != nil {
		return "sign-in failed: " + e.Err.Error()
	}
	return "sign-in failed"
}

func (e *LoginError) Unwrap() error { return e.Err }

// Login runs the browser sign-in of aws login (authorization code with
// PKCE, tokens bound to a new DPoP key) and caches the token as the AWS CLI
// does, under the lock of the session it is for.
func (f *Flow) Login(ctx context.Context, o LoginOptions) (*LoginResult, error) {
	if o.Session != "" {
		before := f.signedInAt(o.Session)
		unlock, err := f.Store.LoginLock(ctx, o.Session)
		if err != nil {
			return nil, err
		}
		defer unlock()
		if t, ok := f.signedInSince(o.Session, before); ok {
			return &LoginResult{Token: t, Session: o.Session, Reused: true}, nil
		}
	}
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	verifier, challenge := pkce()
	state := rand.Text()
	client := ClientSameDevice
	var code, redirect string
	if o.Remote {
		client, redirect = ClientCrossDevice, strings.TrimRight(o.Endpoint, "/")+"/v1/sessions/confirmation"
		o.Prompt(authorizeURL(o.Endpoint, client, redirect, state, challenge))
		code, err = readPastedCode(ctx, o.ReadCode, state)
	} else {
		code, redirect, err = awaitRedirect(ctx, func(redirect string) {
			o.Prompt(authorizeURL(o.Endpoint, client, redirect, state, challenge))
		}, state)
	}
	if err != nil {
		return nil, err
	}
	at := f.now()
	out, err := f.API.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: &types.CreateOAuth2TokenRequestBody{
		ClientId:     aws.String(client),
		GrantType:    aws.String("authorization_code"),
		Code:         aws.String(code),
		CodeVerifier: aws.String(verifier),
		RedirectUri:  aws.String(redirect),
	}}, withDPoP(key, f.now))
	if err != nil {
		return nil, exchangeError(err)
	}
	t, session, err := tokenFrom(out, client, key, at)
	if err != nil {
		return nil, err
	}
	unlock, err := f.Store.Lock(ctx, session)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := f.Store.Write(session, t); err != nil {
		return nil, err
	}
	return &LoginResult{Token: t, Session: session}, nil
}

// signedInAt is when the cached sign-in of session happened; zero when
// there is none or it does not say.
func (f *Flow) signedInAt(session string) time.Time {
	t, err := f.Store.Read(session)
	if err != nil {
		return time.Time{}
	}
	at, _ := t.SignedIn()
	return at
}

// signedInSince returns the cached token when another process signed in
// after before, and its credentials are good.
func (f *Flow) signedInSince(session string, before time.Time) (*Token, bool) {
	t, err := f.Store.Read(session)
	if err != nil || !t.Valid(f.now()) {
		return nil, false
	}
	at, ok := t.SignedIn()
	if !ok || !at.After(before) {
		return nil, false
	}
	return t, true
}

// pkce returns a code verifier (64 characters, base64url of 48 random
// bytes) and its SHA-256 challenge, unpadded base64url.
func pkce() (verifier, challenge string) {
	b := make([]byte, 48)
	rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeURL is the page the person opens, as the AWS CLI builds it.
func authorizeURL(endpoint, client, redirect, state, challenge string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {client},
		"state":                 {state},
		"code_challenge_method": {"SHA-256"},
		"scope":                 {"openid"},
		"redirect_uri":          {redirect},
	}
	return strings.TrimRight(endpoint, "/") + "/v1/authorize?" + q.Encode() + "&code_challenge=" + challenge
}

// awaitRedirect listens on a loopback port, has the person shown the
// authorization URL for its redirect URI, and waits until the browser
// comes back with the code for state.
func awaitRedirect(ctx context.Context, prompt func(redirect string), state string) (code, redirect string, err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", fmt.Errorf("listen for the browser's redirect: %w", err)
	}
	redirect = "http://" + ln.Addr().String() + callbackPath
	type answer struct {
		code string
		err  error
	}
	got := make(chan answer, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != callbackPath || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var a answer
		switch {
		case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1:
			// Not this sign-in's browser: answer it, keep waiting.
			callbackPage(w, http.StatusBadRequest, "This sign-in is not the one awsauth is waiting for. Start it again from the terminal.")
			return
		case q.Get("error") == "access_denied":
			a.err = &LoginError{Reason: "denied"}
		case q.Get("error") != "":
			a.err = &LoginError{Reason: "code", Err: fmt.Errorf("the sign-in page answered %s", q.Get("error"))}
		case q.Get("code") == "":
			a.err = &LoginError{Reason: "code", Err: errors.New("the browser came back without an authorization code")}
		default:
			a.code = q.Get("code")
		}
		if a.err != nil {
			callbackPage(w, http.StatusOK, "The sign-in did not finish: "+a.err.Error()+". You can close this window.")
		} else {
			callbackPage(w, http.StatusOK, "Signed in. You can close this window and return to the terminal.")
		}
		// The page reaches the browser before the wait below ends and
		// the server goes.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case got <- a:
		default:
		}
	})}
	go srv.Serve(ln)
	defer func() {
		// Let the handler that answered the browser finish its page.
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	prompt(redirect)
	select {
	case a := <-got:
		return a.code, redirect, a.err
	case <-ctx.Done():
		return "", "", ctx.Err()
	}
}

func callbackPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>awsauth login</title></head>\n"+
		"<body style=\"font-family: sans-serif; max-width: 32em; margin: 3em auto\"><p>%s</p></body></html>\n", html.EscapeString(msg))
}

// readPastedCode reads the code the cross-device page showed: the base64
// of "state=...&code=...".
func readPastedCode(ctx context.Context, read func(context.Context) (string, error), state string) (string, error) {
	if read == nil {
		return "", errors.New("nobody can paste the authorization code here (no terminal)")
	}
	text, err := read(ctx)
	if err != nil {
		return "", err
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return "", hint.With(&LoginError{Reason: "code", Err: errors.New("the pasted code is not the one the sign-in page shows (not base64)")},
			"copy the whole code from the browser page and paste it on one line")
	}
	q, err := url.ParseQuery(string(raw))
	if err != nil || q.Get("code") == "" {
		return "", &LoginError{Reason: "code", Err: errors.New("the pasted code holds no authorization code")}
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return "", &LoginError{Reason: "state"}
	}
	return q.Get("code"), nil
}

// exchangeError says why the code bought no token.
func exchangeError(err error) error {
	var denied *types.AccessDeniedException
	if errors.As(err, &denied) {
		switch denied.Error_ {
		case types.OAuth2ErrorCodeAuthcodeExpired:
			return &LoginError{Reason: "expired", Err: err}
		case types.OAuth2ErrorCodeInsufficientPermissions:
			return hint.With(fmt.Errorf("the sign-in was denied: %w", err),
				"the identity you signed in as needs signin:AuthorizeOAuth2Access and signin:CreateOAuth2Token: attach the SignInLocalDevelopmentAccess managed policy (root needs none)")
		}
	}
	return &LoginError{Reason: "code", Err: fmt.Errorf("redeem the authorization code: %w", err)}
}

// tokenFrom is the cache entry of a redeemed code: the session is the id
// token's subject, the account is the ARN's.
func tokenFrom(out *signin.CreateOAuth2TokenOutput, client string, key *ecdsa.PrivateKey, at time.Time) (*Token, string, error) {
	o, err := checkOutput(out)
	if err != nil {
		return nil, "", err
	}
	id := aws.ToString(o.IdToken)
	c, ok := parseClaims(id)
	if !ok || c.Subject == "" {
		return nil, "", errors.New("the sign-in service answered without an id token naming the signed-in identity")
	}
	account := accountOf(c.Subject)
	if account == "" {
		return nil, "", fmt.Errorf("the id token names %q, which is no ARN with an account", c.Subject)
	}
	pemKey, err := encodeKey(key)
	if err != nil {
		return nil, "", err
	}
	tt := aws.ToString(o.TokenType)
	if tt == "" {
		tt = "aws_sigv4"
	}
	return &Token{
		AccessToken: &Credentials{
			AccessKeyID:     aws.ToString(o.AccessToken.AccessKeyId),
			SecretAccessKey: aws.ToString(o.AccessToken.SecretAccessKey),
			SessionToken:    aws.ToString(o.AccessToken.SessionToken),
			AccountID:       account,
			ExpiresAt:       expiry(at, o.ExpiresIn),
		},
		TokenType:    tt,
		ClientID:     client,
		RefreshToken: aws.ToString(o.RefreshToken),
		IDToken:      id,
		DPoPKey:      pemKey,
	}, c.Subject, nil
}

// accountOf is the account field of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || len(parts[4]) != 12 {
		return ""
	}
	return parts[4]
}

// Endpoint is the base URL the client sends CreateOAuth2Token to, which
// the browser's authorization page hangs off too: the configured endpoint
// (AWS_ENDPOINT_URL_SIGNIN), else the region's sign-in endpoint.
func Endpoint(ctx context.Context, client *signin.Client) (string, error) {
	o := client.Options()
	if o.BaseEndpoint != nil {
		return *o.BaseEndpoint, nil
	}
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, signin.EndpointParameters{
		Region:         aws.String(o.Region),
		UseFIPS:        aws.Bool(false),
		UseDualStack:   aws.Bool(false),
		IsControlPlane: aws.Bool(false),
	})
	if err != nil {
		return "", fmt.Errorf("the sign-in endpoint of region %s: %w", o.Region, err)
	}
	return ep.URI.String(), nil
}
