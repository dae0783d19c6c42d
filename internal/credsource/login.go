package credsource

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/awspath"
	"github.com/awsauth/awsauth/internal/logintoken"
	"github.com/awsauth/awsauth/internal/renewal"
)

// loginCredentials hands out the credentials of an aws login session,
// renewed through its refresh token (logintoken.Flow.Renew) rather than by
// the SDK's logincreds provider, which renews only once they have expired
// and without a lock, and reports the end of the session as the need for
// a new sign-in ([LoginRequiredError]).
type loginCredentials struct {
	hop  awsconfig.Hop
	flow *logintoken.Flow
	now  func() time.Time

	mu sync.Mutex
	// handed is the access key this provider last handed out: a caller
	// asking again wants newer credentials, so the cached ones are taken
	// only when another process has renewed them since.
	handed string
}

func newLoginCredentials(trace *awsconfig.Trace, h awsconfig.Hop, d Deps) *loginCredentials {
	return &loginCredentials{
		hop: h,
		flow: &logintoken.Flow{
			API:   d.Clients.Signin(trace.Region),
			Store: &logintoken.Store{Dir: awspath.LoginCacheDir(d.Env)},
			Now:   d.Now,
		},
		now: d.now,
	}
}

func (p *loginCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tok, err := p.flow.Renew(ctx, p.hop.LoginSession, p.reuse)
	if err != nil {
		var relogin *logintoken.ReloginError
		if errors.As(err, &relogin) {
			return aws.Credentials{}, &LoginRequiredError{Hop: p.hop, CachePath: p.flow.Store.Path(p.hop.LoginSession), Why: relogin.Why, Err: err}
		}
		return aws.Credentials{}, err
	}
	c := tok.AccessToken
	p.handed = c.AccessKeyID
	return aws.Credentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		AccountID: c.AccountID, CanExpire: true, Expires: c.ExpiresAt.Time, Source: "awsauth-login",
	}, nil
}

// reuse takes the cached credentials when they are not the ones this
// provider handed out last and are fresh by the renewal rule, their
// lifetime counted from when the file was written (never longer than the
// service's 15 minutes).
func (p *loginCredentials) reuse(t *logintoken.Token, mod time.Time) bool {
	if !t.Valid(p.now()) || t.AccessToken.AccessKeyID == p.handed {
		return false
	}
	expires := t.Expires()
	obtained := mod
	if floor := expires.Add(-logintoken.MaxCredentialLifetime); obtained.Before(floor) {
		obtained = floor
	}
	return renewal.Fresh(obtained, expires, p.now())
}
