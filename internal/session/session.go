// Package session is the one way awsauth obtains credentials and AWS
// clients. Every command goes through [Open] (or [Cached] for a one-shot
// answer that may come from the file cache): it resolves the profile into a
// [awsconfig.Trace] as the Go SDK would, builds the SDK's own providers for
// it, puts the file cache shared with credential-process in front, and,
// for commands that run for a long time, a keeper that renews in the
// background and knows when only a person can help. The typed clients
// (STS, CloudFormation, SSO, SSO OIDC, sign-in) are built here and nowhere
// else, with the same HTTP client, retryer and endpoint overrides.
//
// The rule for when credentials are renewed lives in [renewal]; this
// package only wires it.
package session

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/credcache"
	"github.com/awsauth/awsauth/internal/credfile"
	"github.com/awsauth/awsauth/internal/credsource"
	"github.com/awsauth/awsauth/internal/keeper"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// Deps is what a session needs from the outside world.
type Deps struct {
	Env        sysenv.Env
	HTTPClient *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MFAToken asks the person for an MFA code; nil means no one can.
	MFAToken func(serial string) (string, error)
	// CacheDir is the credential cache shared with credential-process;
	// "" means the default under the user's cache directory.
	CacheDir string
	// Debugf, when set, receives what the session does (never secrets).
	Debugf func(format string, args ...any)
}

// Clients returns the client builder of d.
func (d Deps) Clients() Clients { return Clients{Env: d.Env, HTTPClient: d.HTTPClient} }

func (d Deps) debugf(format string, args ...any) {
	if d.Debugf != nil {
		d.Debugf(format, args...)
	}
}

func (d Deps) cache() *credcache.Cache {
	dir := d.CacheDir
	if dir == "" {
		dir = credfile.DirFor(d.Env)
	}
	return &credcache.Cache{Dir: dir, Now: d.Now}
}

func (d Deps) credDeps() credsource.Deps {
	return credsource.Deps{Env: d.Env, HTTPClient: d.HTTPClient, Now: d.Now, MFAToken: d.MFAToken, Clients: d.Clients()}
}

// Session is one profile's credential chain, resolved.
type Session struct {
	// Trace is why the SDK chain picks the source it picks.
	Trace *awsconfig.Trace

	req      awsconfig.Request
	deps     Deps
	upstream aws.CredentialsProvider
	creds    aws.CredentialsProvider // what clients sign with
	keeper   *keeper.Keeper
}

// Open resolves req and builds the provider chain for it. It makes no
// network call: credentials are fetched by [Session.Retrieve],
// [Session.Cached] or [Session.Keep].
func Open(ctx context.Context, req awsconfig.Request, deps Deps) (*Session, error) {
	trace, err := awsconfig.Resolve(ctx, req)
	if err != nil {
		return nil, err
	}
	return ForTrace(trace, req, deps)
}

// ForTrace is [Open] for a trace already resolved from req (status and
// doctor resolve first, to report on the configuration even offline).
func ForTrace(trace *awsconfig.Trace, req awsconfig.Request, deps Deps) (*Session, error) {
	if err := credsource.CheckSelfReference(trace, req); err != nil {
		return nil, err
	}
	p, err := credsource.New(trace, deps.credDeps())
	if err != nil {
		return nil, err
	}
	return &Session{Trace: trace, req: req, deps: deps, upstream: p, creds: aws.NewCredentialsCache(p)}, nil
}

// Lookup answers req from the file cache alone: no resolving, no network.
func Lookup(req awsconfig.Request, deps Deps) (aws.Credentials, bool) {
	return deps.cache().Lookup(credsource.CacheKey(req))
}

// Cached returns credentials for req from the file cache, and resolves and
// fetches (saving what it got) only when the cache has nothing fresh; hit
// reports a warm answer. The session is nil on a hit: nothing was resolved.
func Cached(ctx context.Context, req awsconfig.Request, deps Deps) (creds aws.Credentials, hit bool, s *Session, err error) {
	cache := deps.cache()
	key := credsource.CacheKey(req)
	if c, ok := cache.Lookup(key); ok {
		return c, true, nil, nil
	}
	s, err = Open(ctx, req, deps)
	if err != nil {
		return aws.Credentials{}, false, nil, err
	}
	creds, err = s.Cached(ctx)
	return creds, false, s, err
}

// Cached returns the session's credentials from the file cache, fetching
// and saving them when the cache has nothing fresh; parallel callers in
// other processes wait for one upstream call.
func (s *Session) Cached(ctx context.Context) (aws.Credentials, error) {
	c, _, err := s.deps.cache().Get(ctx, credsource.CacheKey(s.req), func(ctx context.Context) (aws.Credentials, error) {
		c, err := s.upstream.Retrieve(ctx)
		if err != nil {
			return c, err
		}
		if !c.HasKeys() {
			return c, errors.New("the source returned no keys")
		}
		return c, nil
	})
	return c, err
}

// Retrieve fetches credentials from the source itself, past every cache:
// what status and doctor check.
func (s *Session) Retrieve(ctx context.Context) (aws.Credentials, error) {
	return s.upstream.Retrieve(ctx)
}

// CheckOffline reports the failure fetching would end in when it can be
// known without the network (see [credsource.Offline]): what `status
// --offline` answers with.
func (s *Session) CheckOffline() error {
	return credsource.Offline(s.Trace, s.deps.credDeps())
}

// KeepOptions configures [Session.Keep].
type KeepOptions struct {
	// RefreshBefore, when positive, replaces the renewal window of
	// min(15 min, half the lifetime).
	RefreshBefore time.Duration
	// OnEvent receives what the keeper does: renewals, failures, the end
	// of an IAM Identity Center session (the login notice). Commands must
	// tell the person about EventNeedsLogin.
	OnEvent func(keeper.Event)
	// OnNeedsLogin, when set, runs the login itself (exec --auto-login).
	OnNeedsLogin func(ctx context.Context) error
}

// Keep starts a keeper that renews the session's credentials in the
// background until [Session.Close]; the first credentials come from the
// file cache when it holds fresh ones, and every renewal is saved there for
// credential-process. From then on every client of the session signs with
// the kept credentials.
//
// ctx bounds only the start: when it ends (Ctrl-C) while the first
// credentials are fetched — a credential_process that hangs, an MFA prompt,
// a device login waiting for approval — Keep returns ctx's error at once.
// The renewals do not end with ctx: under exec, a Ctrl-C while the command
// runs is the command's.
func (s *Session) Keep(ctx context.Context, o KeepOptions) (*keeper.Keeper, error) {
	provider := &credcache.Provider{
		Cache: s.deps.cache(), Key: credsource.CacheKey(s.req), Next: s.upstream,
		OnSaveError: func(err error) { s.deps.debugf("session: credential cache not written: %v", err) },
	}
	k := keeper.New(keeper.Options{
		Provider:      provider,
		RefreshBefore: o.RefreshBefore,
		NeedsHuman:    NeedsPerson,
		OnNeedsLogin:  o.OnNeedsLogin,
		OnEvent:       o.OnEvent,
		Now:           s.deps.Now,
	})
	started := make(chan error, 1)
	// An MFA prompt reads the terminal and heeds no context: the start
	// runs aside, so that Ctrl-C is answered at once whatever it waits on.
	go func() { started <- k.StartWith(ctx, context.WithoutCancel(ctx)) }()
	select {
	case err := <-started:
		if err != nil {
			return nil, err
		}
	case <-ctx.Done():
		k.Stop()
		return nil, ctx.Err()
	}
	s.keeper, s.creds = k, k
	return k, nil
}

// Close stops the keeper, if any.
func (s *Session) Close() {
	if s.keeper != nil {
		s.keeper.Stop()
	}
}

// STS returns an STS client signing with the session's credentials.
func (s *Session) STS() *sts.Client { return s.deps.Clients().STS(s.Trace.Region, s.creds) }

// STSWith returns an STS client signing with creds, already in hand.
func (s *Session) STSWith(creds aws.Credentials) *sts.Client {
	return s.deps.Clients().STS(s.Trace.Region, Static(creds))
}

// CloudFormation returns a CloudFormation client in region ("" for the
// session's) signing with the session's credentials.
func (s *Session) CloudFormation(region string) *cloudformation.Client {
	if region == "" {
		region = s.Trace.Region
	}
	return s.deps.Clients().CloudFormation(region, s.creds)
}

// CloudFormationWith returns a CloudFormation client in region signing
// with creds, already in hand.
func (s *Session) CloudFormationWith(region string, creds aws.Credentials) *cloudformation.Client {
	return s.deps.Clients().CloudFormation(region, Static(creds))
}

// Static is a provider of credentials already in hand.
func Static(c aws.Credentials) aws.CredentialsProvider { return staticProvider{c} }

type staticProvider struct{ c aws.Credentials }

func (p staticProvider) Retrieve(context.Context) (aws.Credentials, error) { return p.c, nil }

// NeedsPerson reports whether an upstream error can only be cured by a
// person: a new IAM Identity Center login, or an MFA code.
func NeedsPerson(err error) bool {
	var login *credsource.LoginRequiredError
	var mfa *credsource.MFARequiredError
	return errors.As(err, &login) || errors.As(err, &mfa)
}
