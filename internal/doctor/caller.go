package doctor

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/awsauth/awsauth/internal/identity"
	"github.com/awsauth/awsauth/internal/session"
)

var errNoReport = errors.New("the credential chain could not be resolved")

// Caller is who STS says the credentials belong to, and when it said so.
type Caller struct {
	Identity identity.Identity
	Creds    aws.Credentials
	// ServerTime is the Date of STS's answer and LocalTime this machine's
	// clock when it arrived; both zero when no answer came.
	ServerTime time.Time
	LocalTime  time.Time

	// session made the calls; checks that call AWS again use its clients.
	session *session.Session
}

// Caller retrieves the credentials and asks STS who they belong to, once.
// On failure it still returns what it learnt (the times of an STS error
// answer), with the typed error from credsource or identity.
func (e *Env) Caller(ctx context.Context) (*Caller, error) {
	e.callerOnce.Do(func() {
		e.caller, e.callerErr = e.fetchCaller(ctx)
	})
	return e.caller, e.callerErr
}

func (e *Env) fetchCaller(ctx context.Context) (*Caller, error) {
	c := &Caller{}
	trace, err := e.Trace(ctx)
	if err != nil {
		return c, err
	}
	s, err := session.ForTrace(trace, e.request(), e.sessionDeps())
	if err != nil {
		return c, err
	}
	c.session = s
	e.debugf("doctor: retrieving credentials from %s", trace.Source())
	creds, err := s.Retrieve(ctx)
	if err != nil {
		return c, err
	}
	c.Creds = creds
	e.debugf("doctor: calling sts:GetCallerIdentity")
	api := &datedSTS{client: s.STSWith(creds), now: e.now}
	id, err := identity.Get(ctx, api)
	c.ServerTime, c.LocalTime = api.dates()
	if err != nil {
		return c, err
	}
	c.Identity = id
	return c, nil
}

// datedSTS is an [identity.API] that notes the Date header of STS's raw
// HTTP answer, success or error, and the local clock when it arrived.
type datedSTS struct {
	client *sts.Client
	now    func() time.Time

	mu            sync.Mutex
	server, local time.Time
}

func (d *datedSTS) GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	record := middleware.DeserializeMiddlewareFunc("awsauthServerDate", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleDeserialize(ctx, in)
		// Added last, this runs next to the transport: it sees the raw
		// answer before the operation's deserializer turns an error
		// status into an error.
		if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
			if t, perr := smithyhttp.ParseTime(resp.Header.Get("Date")); perr == nil {
				d.mu.Lock()
				d.server, d.local = t, d.now()
				d.mu.Unlock()
			}
		}
		return out, md, err
	})
	optFns = append(optFns, sts.WithAPIOptions(func(s *middleware.Stack) error {
		return s.Deserialize.Add(record, middleware.After)
	}))
	return d.client.GetCallerIdentity(ctx, in, optFns...)
}

func (d *datedSTS) dates() (server, local time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.server, d.local
}
