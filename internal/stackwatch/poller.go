package stackwatch

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

// API is the part of the CloudFormation API a [Poller] calls. A
// *cloudformation.Client implements it.
type API interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	DescribeStackEvents(ctx context.Context, in *cloudformation.DescribeStackEventsInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error)
	ListStackResources(ctx context.Context, in *cloudformation.ListStackResourcesInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error)
	GetTemplate(ctx context.Context, in *cloudformation.GetTemplateInput, optFns ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error)
}

// Poll intervals. A poll costs one DescribeStacks and one DescribeStackEvents
// per active stack; CloudFormation's describe calls share a low request
// rate per account, which CDK itself polls too.
const (
	DefaultMinInterval = 2 * time.Second
	DefaultMaxInterval = 15 * time.Second
	DefaultMaxBackoff  = time.Minute
	// maxPages bounds the event pages read for one stack in one poll
	// (100 events each), in case a NextToken never ends.
	maxPages = 200
)

// Poller drives a [Model] with the CloudFormation API until the watched
// operation ends.
type Poller struct {
	// API is the CloudFormation client. Required.
	API API
	// Stack is the stack's name or id. Required.
	Stack string
	// Model receives what the API reports; nil means New(Stack, Options{}).
	Model *Model

	// Now is the model's clock: the frame of the events' timestamps, used
	// for elapsed and running times. Nil means time.Now.
	Now func() time.Time
	// Sleep waits between polls; nil means a timer that ctx cancels.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter spreads error back-off; nil adds up to a fifth at random.
	Jitter func(time.Duration) time.Duration

	// MinInterval, MaxInterval and MaxBackoff default to
	// [DefaultMinInterval], [DefaultMaxInterval] and [DefaultMaxBackoff].
	MinInterval, MaxInterval, MaxBackoff time.Duration

	// OnUpdate, when set, is called after every poll, failed ones too.
	OnUpdate func(Update)

	seen     bool     // the stack has been described at least once
	id       string   // its ARN, once seen
	prepared []string // stacks whose resources and template were read
	interval time.Duration
	backoff  time.Duration
}

// Update is what one poll found.
type Update struct {
	Snapshot Snapshot
	// Events are the events new in this poll, oldest first.
	Events []Event
	// Err is a transient error (throttling, network) that the poller will
	// retry after Next; nil when the poll succeeded.
	Err error
	// Next is the wait before the next poll; zero after the last one.
	Next time.Duration
}

// NotFoundError is returned when the stack did not exist when the watch
// began.
type NotFoundError struct {
	Stack string
	Err   error
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("stack %s does not exist", e.Stack) }
func (e *NotFoundError) Unwrap() error { return e.Err }

// FailedError is returned by [Poller.Run] when the operation failed; its
// snapshot has the root cause and the next step.
type FailedError struct {
	Snapshot Snapshot
}

func (e *FailedError) Error() string { return e.Snapshot.Outcome.Summary }

func (p *Poller) init() {
	if p.Model == nil {
		p.Model = New(p.Stack, Options{})
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	if p.Jitter == nil {
		p.Jitter = func(d time.Duration) time.Duration {
			if d <= 0 {
				return d
			}
			return d + rand.N(d/5+1)
		}
	}
	if p.MinInterval <= 0 {
		p.MinInterval = DefaultMinInterval
	}
	if p.MaxInterval < p.MinInterval {
		p.MaxInterval = max(DefaultMaxInterval, p.MinInterval)
	}
	if p.MaxBackoff < p.MaxInterval {
		p.MaxBackoff = max(DefaultMaxBackoff, p.MaxInterval)
	}
	if p.interval == 0 {
		p.interval = p.MinInterval
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run polls until the operation ends, ctx is done, or an error that waiting
// will not cure. It returns the last snapshot, and a *[FailedError] when
// the operation failed, a *[NotFoundError] when the stack does not exist,
// or the API's error (wrapped) for refusals such as expired credentials.
// Throttling and network errors are retried with back-off, keeping all
// state.
func (p *Poller) Run(ctx context.Context) (Snapshot, error) {
	p.init()
	for {
		u, err := p.Poll(ctx)
		if err != nil {
			if ctx.Err() != nil || !retryable(err) {
				return u.Snapshot, err
			}
			u.Err = err
			p.backoff = min(max(2*p.backoff, 2*p.MinInterval), p.MaxBackoff)
			u.Next = max(p.interval, p.Jitter(p.backoff))
		} else {
			p.backoff /= 2
			if p.backoff < p.MinInterval {
				p.backoff = 0
			}
			if len(u.Events) > 0 {
				p.interval = p.MinInterval
			} else {
				p.interval = min(p.interval*3/2, p.MaxInterval)
			}
			u.Next = max(p.interval, p.backoff)
		}
		if u.Err == nil && u.Snapshot.Outcome.State != Running {
			u.Next = 0
		}
		if p.OnUpdate != nil {
			p.OnUpdate(u)
		}
		if u.Err == nil {
			switch u.Snapshot.Outcome.State {
			case Succeeded:
				return u.Snapshot, nil
			case Failed:
				return u.Snapshot, &FailedError{Snapshot: u.Snapshot}
			}
		}
		if err := p.Sleep(ctx, u.Next); err != nil {
			return u.Snapshot, err
		}
	}
}

// Poll makes one round of calls: DescribeStacks, then (the first time) the
// stack's resources and template, then new events of every active stack.
// Its error is the first call's that failed; the model keeps everything
// learnt before it.
func (p *Poller) Poll(ctx context.Context) (Update, error) {
	p.init()
	m := p.Model
	var u Update
	name := p.Stack
	if p.id != "" {
		name = p.id
	}
	out, err := p.API.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	switch {
	case err != nil && notFound(err) && !p.seen:
		u.Snapshot = m.Snapshot(p.Now())
		return u, &NotFoundError{Stack: p.Stack, Err: err}
	case err != nil && notFound(err):
		m.MarkDeleted(p.id)
	case err != nil:
		u.Snapshot = m.Snapshot(p.Now())
		return u, fmt.Errorf("describing stack %s: %w", p.Stack, err)
	case len(out.Stacks) == 0:
		u.Snapshot = m.Snapshot(p.Now())
		if !p.seen {
			return u, &NotFoundError{Stack: p.Stack}
		}
		m.MarkDeleted(p.id)
	default:
		s := out.Stacks[0]
		if !p.seen {
			p.seen, p.id = true, aws.ToString(s.StackId)
		}
		m.ObserveStack(s)
	}

	done := map[string]bool{}
	for {
		var next *Target
		for _, t := range m.Targets() {
			if !done[t.StackID] {
				next = &t
				break
			}
		}
		if next == nil {
			break
		}
		done[next.StackID] = true
		if err := p.prepare(ctx, next.StackID); err != nil {
			u.Snapshot = m.Snapshot(p.Now())
			return u, err
		}
		evs, err := p.events(ctx, *next)
		if err != nil {
			if notFound(err) {
				m.MarkDeleted(next.StackID)
				continue
			}
			u.Snapshot = m.Snapshot(p.Now())
			return u, fmt.Errorf("reading the events of stack %s: %w", stackLabel(next.StackID), err)
		}
		u.Events = append(u.Events, m.ObserveEvents(evs)...)
		m.Polled(next.StackID)
	}
	u.Snapshot = m.Snapshot(p.Now())
	return u, nil
}

func stackLabel(id string) string {
	if n := stackNameFromARN(id); n != "" {
		return n
	}
	return id
}

// prepare reads a stack's resources and template once, so the total is
// known before the events name every resource. It fails only on errors
// worth retrying; a stack that cannot be listed is watched without.
func (p *Poller) prepare(ctx context.Context, stackID string) error {
	if slices.Contains(p.prepared, stackID) {
		return nil
	}
	var rs []types.StackResourceSummary
	var token *string
	for range maxPages {
		out, err := p.API.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(stackID), NextToken: token})
		if err != nil {
			if retryable(err) {
				return fmt.Errorf("listing the resources of stack %s: %w", stackLabel(stackID), err)
			}
			rs = nil
			break
		}
		rs = append(rs, out.StackResourceSummaries...)
		if token = out.NextToken; aws.ToString(token) == "" {
			break
		}
	}
	tpl, err := p.API.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stackID), TemplateStage: types.TemplateStageProcessed})
	if err != nil && retryable(err) {
		return fmt.Errorf("reading the template of stack %s: %w", stackLabel(stackID), err)
	}
	p.Model.ObserveResources(stackID, rs)
	if err == nil {
		if ids, ok := TemplateResources(aws.ToString(tpl.TemplateBody)); ok {
			p.Model.DeclareResources(stackID, ids)
		}
	}
	p.prepared = append(p.prepared, stackID)
	return nil
}

// events pages back through a stack's events, newest first, until a page
// holds the newest event already seen or one older than the operation. A
// failure part-way returns nothing, so no page is ever skipped.
func (p *Poller) events(ctx context.Context, t Target) ([]types.StackEvent, error) {
	var all []types.StackEvent
	var token *string
	for range maxPages {
		out, err := p.API.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(t.StackID), NextToken: token})
		if err != nil {
			return nil, err
		}
		all = append(all, out.StackEvents...)
		stop := false
		for i := range out.StackEvents {
			e := &out.StackEvents[i]
			if (t.LastEventID != "" && aws.ToString(e.EventId) == t.LastEventID) ||
				(!t.Since.IsZero() && aws.ToTime(e.Timestamp).Before(t.Since)) {
				stop = true
				break
			}
		}
		if token = out.NextToken; stop || aws.ToString(token) == "" {
			break
		}
	}
	return all, nil
}

// notFound reports CloudFormation's answer for a stack that does not exist:
// ValidationError "Stack with id X does not exist" (DescribeStackEvents
// says "Stack [X] does not exist").
func notFound(err error) bool {
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist")
}

// retryable reports errors that waiting may cure: throttling, server-side
// failures and anything that never got an answer from the service (network
// errors, timeouts, garbled responses).
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return false
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return true
	}
	switch ae.ErrorCode() {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
		"InternalFailure", "InternalError", "ServiceUnavailable", "RequestTimeout":
		return true
	}
	var hs interface{ HTTPStatusCode() int }
	return errors.As(err, &hs) && hs.HTTPStatusCode() >= 500
}
