// Package credsource builds an [aws.CredentialsProvider] for a resolved
// [awsconfig.Trace] out of the SDK's own providers (stscreds, ssocreds,
// processcreds, endpointcreds, ec2rolecreds), so that awsauth signs and
// fetches exactly as the SDKs do. IAM Identity Center tokens and aws login
// sessions are renewed by awsauth's own code (ssotoken, logintoken), under
// the lock the shared cache needs. It never caches credentials: that is
// the keeper's job.
package credsource

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/ssotoken"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// Deps is what building providers needs from the outside world.
type Deps struct {
	Env        sysenv.Env
	HTTPClient *http.Client
	// MFAToken asks the person for an MFA code; nil means no one can answer.
	MFAToken func(serial string) (string, error)
	// Now stamps role session names; nil means time.Now.
	Now func() time.Time
	// Clients builds the STS, SSO, SSO OIDC and sign-in clients the
	// providers call. Required.
	Clients Clients
}

// Clients builds the AWS clients the SDK's providers call. The session
// package is the one implementation: every client awsauth makes is built
// there, with the same HTTP client, retryer and endpoint overrides.
type Clients interface {
	STS(region string, creds aws.CredentialsProvider) *sts.Client
	SSO(region string) *sso.Client
	SSOOIDC(region string) *ssooidc.Client
	Signin(region string) *signin.Client
}

func (d Deps) httpClient() *http.Client {
	if d.HTTPClient != nil {
		return d.HTTPClient
	}
	return http.DefaultClient
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// New builds the provider for trace, innermost hop first.
func New(trace *awsconfig.Trace, d Deps) (aws.CredentialsProvider, error) {
	if len(trace.Hops) == 0 {
		return nil, &NoCredentialsError{Trace: trace}
	}
	var p aws.CredentialsProvider
	for i := len(trace.Hops) - 1; i >= 0; i-- {
		next, err := build(trace, i, p, d)
		if err != nil {
			return nil, err
		}
		p = &hopProvider{hop: trace.Hops[i], inner: next}
	}
	return p, nil
}

func build(trace *awsconfig.Trace, i int, inner aws.CredentialsProvider, d Deps) (aws.CredentialsProvider, error) {
	h := trace.Hops[i]
	switch h.Kind {
	case awsconfig.KindEnv, awsconfig.KindStatic:
		if !h.Static.HasKeys() {
			return nil, &NoCredentialsError{Trace: trace, Why: h.Reason + ", but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set"}
		}
		c := h.Static
		if h.Expires != nil {
			c.CanExpire, c.Expires = true, *h.Expires
		}
		return staticProvider{c}, nil

	case awsconfig.KindAssumeRole:
		if inner == nil {
			return nil, fmt.Errorf("profile %s: role %s has no source credentials", h.Profile, h.RoleARN)
		}
		source := aws.CredentialsProvider(aws.NewCredentialsCache(inner))
		mfaSerial := h.MFASerial
		if mfaSerial != "" && i+1 < len(trace.Hops) && isLongTermKeys(trace.Hops[i+1]) {
			// One MFA code for the whole run: trade it for an MFA session
			// of the IAM user once, and assume the role with that session
			// (it carries aws:MultiFactorAuthPresent), so renewing the role
			// never asks again.
			source = aws.NewCredentialsCache(&mfaSession{
				client: d.Clients.STS(trace.Region, source), serial: mfaSerial, profile: h.Profile,
				token: d.MFAToken, duration: mfaSessionDuration,
			})
			mfaSerial = ""
		}
		client := d.Clients.STS(trace.Region, source)
		return stscreds.NewAssumeRoleProvider(client, h.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = h.RoleSessionName
			if o.RoleSessionName == "" {
				o.RoleSessionName = "awsauth-" + strconv.FormatInt(d.now().UnixNano(), 10)
			}
			if h.ExternalID != "" {
				o.ExternalID = aws.String(h.ExternalID)
			}
			// AWS's own default when no duration is asked for, and the
			// AWS CLI's; the Go SDK would ask for 15 minutes. One hour is
			// always allowed: no role's maximum is shorter.
			o.Duration = time.Hour
			if h.Duration > 0 {
				o.Duration = h.Duration
			}
			if mfaSerial != "" {
				o.SerialNumber = aws.String(mfaSerial)
				serial := mfaSerial
				o.TokenProvider = func() (string, error) {
					if d.MFAToken == nil {
						return "", &MFARequiredError{Serial: serial, Profile: h.Profile}
					}
					return d.MFAToken(serial)
				}
			}
		}), nil

	case awsconfig.KindWebIdentity:
		if h.RoleARN == "" {
			return nil, fmt.Errorf("web identity token file %s is set but no role ARN is (AWS_ROLE_ARN or role_arn)", h.WebIdentityTokenFile)
		}
		client := d.Clients.STS(trace.Region, aws.AnonymousCredentials{})
		return stscreds.NewWebIdentityRoleProvider(client, h.RoleARN, stscreds.IdentityTokenFile(h.WebIdentityTokenFile),
			func(o *stscreds.WebIdentityRoleOptions) {
				o.RoleSessionName = h.RoleSessionName
				if o.RoleSessionName == "" {
					o.RoleSessionName = "awsauth-" + strconv.FormatInt(d.now().UnixNano(), 10)
				}
			}), nil

	case awsconfig.KindSSO, awsconfig.KindSSOLegacy:
		return ssoProvider(trace, h, d), nil

	case awsconfig.KindLogin:
		return newLoginCredentials(trace, h, d), nil

	case awsconfig.KindProcess:
		return processcreds.NewProvider(h.CredentialProcess, func(o *processcreds.Options) {
			o.Timeout = time.Minute
		}), nil

	case awsconfig.KindContainer:
		if err := checkContainerURI(h.ContainerURI); err != nil {
			return nil, err
		}
		return endpointcreds.New(h.ContainerURI, func(o *endpointcreds.Options) {
			o.HTTPClient = d.httpClient()
			o.AuthorizationToken = h.ContainerAuthToken
			if f := h.ContainerAuthTokenFile; f != "" {
				o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
					return readTokenFile(f)
				})
			}
		}), nil

	case awsconfig.KindIMDS:
		if h.IMDSDisabled {
			return nil, &NoCredentialsError{Trace: trace, Why: "no credentials are configured, and AWS_EC2_METADATA_DISABLED turns off the instance metadata service"}
		}
		client := imds.New(imds.Options{
			HTTPClient: &http.Client{Timeout: 2 * time.Second, Transport: d.httpClient().Transport},
			Endpoint:   d.Env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT"),
			Retryer:    retry.AddWithMaxAttempts(retry.NewStandard(), 1),
		})
		return &imdsProvider{trace: trace, p: ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = client })}, nil
	}
	return nil, fmt.Errorf("credential source %q is not supported", h.Kind)
}

func ssoProvider(trace *awsconfig.Trace, h awsconfig.Hop, d Deps) aws.CredentialsProvider {
	s := h.SSO
	home := awsconfig.HomeDir(d.Env)
	cachePath := ssotoken.CachePath(home, ssotoken.CacheKey(s.Session, s.StartURL))
	client := d.Clients.SSO(s.Region)
	sc := &ssoCredentials{hop: h, cachePath: cachePath, now: d.now}
	if s.Session != "" {
		flow := &ssotoken.Flow{OIDC: d.Clients.SSOOIDC(s.Region), Store: ssotoken.NewStore(home), Now: d.Now}
		session := ssotoken.Session{Name: s.Session, StartURL: s.StartURL, Region: s.Region}
		sc.refresh = func(ctx context.Context) error {
			_, err := flow.Refresh(ctx, session)
			return err
		}
	}
	// No SSOTokenProvider: the SDK's renews an expired token without
	// awsauth's cache lock, and refresh tokens rotate, so two processes
	// renewing at once spend the same refresh token and the loser reports
	// an ended session. The SDK only reads the cache; Retrieve renews
	// under the lock.
	sc.p = ssocreds.New(client, s.AccountID, s.RoleName, s.StartURL, func(o *ssocreds.Options) {
		o.CachedTokenFilepath = cachePath
	})
	return sc
}

// checkContainerURI applies the SDK's rule: plain http only to loopback or
// the ECS/EKS link-local hosts.
func checkContainerURI(raw string) error {
	fix := "point AWS_CONTAINER_CREDENTIALS_FULL_URI at an https:// URL, or at http://127.0.0.1 or http://localhost (awsauth exec serves one there), or unset it"
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return withHint(fmt.Errorf("container credentials endpoint %q is not a URL", raw), fix)
	}
	if u.Scheme != "http" {
		return nil
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host == "localhost" {
		return nil
	}
	if ip != nil && (ip.IsLoopback() || ip.Equal(net.IPv4(169, 254, 170, 2)) || ip.Equal(net.IPv4(169, 254, 170, 23)) || ip.Equal(net.ParseIP("fd00:ec2::23"))) {
		return nil
	}
	return withHint(fmt.Errorf("container credentials endpoint host %q is not allowed over http: the SDKs accept only loopback and the ECS/EKS hosts", host), fix)
}

// hopProvider names the hop in errors that come out of it.
type hopProvider struct {
	hop   awsconfig.Hop
	inner aws.CredentialsProvider
}

func (p *hopProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := p.inner.Retrieve(ctx)
	if err != nil {
		return c, wrapHopError(p.hop, err)
	}
	return c, nil
}

type staticProvider struct{ c aws.Credentials }

func (p staticProvider) Retrieve(context.Context) (aws.Credentials, error) { return p.c, nil }

var _ aws.CredentialsProvider = credentials.StaticCredentialsProvider{}

// imdsProvider turns "no instance metadata service here" into "no credentials".
type imdsProvider struct {
	trace *awsconfig.Trace
	p     aws.CredentialsProvider
}

func (p *imdsProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := p.p.Retrieve(ctx)
	if err != nil {
		return c, &NoCredentialsError{Trace: p.trace, Why: "no credentials are configured, and no EC2 instance metadata service answered", Err: err}
	}
	return c, nil
}

// ssoCredentials reports an ended IAM Identity Center session as such.
type ssoCredentials struct {
	hop       awsconfig.Hop
	cachePath string
	p         aws.CredentialsProvider
	now       func() time.Time
	// refresh renews the cached token with its refresh token; nil for
	// legacy profiles, which have none.
	refresh func(ctx context.Context) error
}

func (p *ssoCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := p.p.Retrieve(ctx)
	if err == nil {
		return c, nil
	}
	// The cached token has expired, or the portal refused one that has not
	// (revoked, or signed out elsewhere): renew it once, under the cache
	// lock, and retry, so that a refreshable session recovers without
	// anyone clearing a cache.
	var invalid *ssocreds.InvalidTokenError
	ended := "the SSO session has ended"
	if (isUnauthorized(err) || errors.As(err, &invalid)) && p.refresh != nil {
		rerr := p.refresh(ctx)
		var relogin *ssotoken.ReloginError
		switch {
		case rerr == nil:
			c, err = p.p.Retrieve(ctx)
			if err == nil {
				return c, nil
			}
		case !errors.As(rerr, &relogin):
			// Renewing failed for a passing reason (AWS throttled or
			// failed, the network, the cache lock), not because the
			// session ended: a login would not help, a retry will.
			return c, rerr
		default:
			// Below, the state decides; the refresh said why.
			ended = relogin.Why
		}
	}
	return c, ssoLoginRequired(p.hop, p.cachePath, p.now(), ended, err)
}

// ssoLoginRequired turns the SSO provider's failure err into a
// [LoginRequiredError] saying why, from what the token cache holds, when
// only a new login can cure it; otherwise it returns err. ended is why an
// expired token's session is over (the refresh may have said).
func ssoLoginRequired(hop awsconfig.Hop, cachePath string, now time.Time, ended string, err error) error {
	if tok, rerr := ssotoken.Read(cachePath); rerr != nil {
		var corrupt *ssotoken.CorruptError
		if errors.As(rerr, &corrupt) {
			return &LoginRequiredError{Hop: hop, CachePath: cachePath, Why: corrupt.Error(), Err: err}
		}
		if errors.Is(rerr, ssotoken.ErrNotFound) {
			return &LoginRequiredError{Hop: hop, CachePath: cachePath, Why: "no one has logged in to this SSO session yet", Err: err}
		}
	} else if tok.ExpiresAt != nil && !tok.Valid(now) {
		return &LoginRequiredError{Hop: hop, CachePath: cachePath, Why: ended, Err: err}
	}
	var invalid *ssocreds.InvalidTokenError
	if errors.As(err, &invalid) || isUnauthorized(err) {
		return &LoginRequiredError{Hop: hop, CachePath: cachePath, Why: "the SSO access token was refused", Err: err}
	}
	return err
}

// mfaSessionDuration is how long one MFA code serves: the IAM default for
// GetSessionToken, long enough for any deployment.
const mfaSessionDuration = 12 * time.Hour

// isLongTermKeys reports whether h hands out an IAM user's long-term keys,
// the only credentials sts:GetSessionToken takes.
func isLongTermKeys(h awsconfig.Hop) bool {
	return (h.Kind == awsconfig.KindStatic || h.Kind == awsconfig.KindEnv) && h.Static.SessionToken == ""
}

// mfaSession is sts:GetSessionToken with an MFA code.
type mfaSession struct {
	client   *sts.Client
	serial   string
	profile  string
	token    func(serial string) (string, error)
	duration time.Duration
}

func (m *mfaSession) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if m.token == nil {
		return aws.Credentials{}, &MFARequiredError{Serial: m.serial, Profile: m.profile}
	}
	code, err := m.token(m.serial)
	if err != nil {
		return aws.Credentials{}, err
	}
	out, err := m.client.GetSessionToken(ctx, &sts.GetSessionTokenInput{
		SerialNumber:    aws.String(m.serial),
		TokenCode:       aws.String(code),
		DurationSeconds: aws.Int32(int32(m.duration / time.Second)),
	})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("MFA session for %s: %w", m.serial, err)
	}
	c := out.Credentials
	return aws.Credentials{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), CanExpire: true, Expires: aws.ToTime(c.Expiration),
		Source: "awsauth-mfa-session",
	}, nil
}
