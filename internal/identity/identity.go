// Package identity asks STS who the credentials belong to, and turns AWS's
// error codes into typed errors the CLI maps to exit codes and fixes.
package identity

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Identity is the answer of sts:GetCallerIdentity.
type Identity struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	UserID  string `json:"user_id"`
}

// API is the one STS call this package makes.
type API interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Get calls sts:GetCallerIdentity and classifies any failure.
func Get(ctx context.Context, api API) (Identity, error) {
	out, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, Classify(err)
	}
	return Identity{
		Account: aws.ToString(out.Account),
		ARN:     aws.ToString(out.Arn),
		UserID:  aws.ToString(out.UserId),
	}, nil
}

// Reason says why AWS refused a request.
type Reason string

// Reasons a request is refused.
const (
	Expired     Reason = "expired"      // ExpiredToken, RequestExpired
	InvalidKey  Reason = "invalid"      // InvalidClientTokenId, UnrecognizedClientException
	BadSecret   Reason = "bad-secret"   // SignatureDoesNotMatch
	Denied      Reason = "denied"       // AccessDenied
	ClockSkew   Reason = "clock-skew"   // RequestTimeTooSkewed, SignatureExpired
	Unreachable Reason = "unreachable"  // network: DNS, refused, timeout
	Other       Reason = "other"        // anything else AWS said
	NotAWS      Reason = "not-an-error" // nil
)

// RejectedError is AWS refusing the credentials or the request.
type RejectedError struct {
	Reason  Reason
	Code    string
	Message string
	Err     error
}

func (e *RejectedError) Error() string {
	if e.Code == "" {
		if e.Err == nil {
			return "AWS rejected the credentials"
		}
		return e.Err.Error()
	}
	if what := trouble(e.Err); what != "" {
		if e.Message == "" {
			return what + ": " + e.Code
		}
		return fmt.Sprintf("%s: %s: %s", what, e.Code, e.Message)
	}
	return fmt.Sprintf("AWS rejected the credentials: %s: %s", e.Code, e.Message)
}

// trouble describes an answer that is AWS's own passing trouble, not a
// verdict on the credentials: throttling, or a server error. It names the
// operation, as the code alone (InternalFailure) does not say which call
// failed. It is "" for any other error.
func trouble(err error) string {
	what := "the request"
	var op *smithy.OperationError
	if errors.As(err, &op) {
		what = op.Service() + " " + op.Operation()
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return "AWS throttled " + what
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() >= 500 {
		return fmt.Sprintf("%s failed on AWS's side (HTTP %d)", what, status.HTTPStatusCode())
	}
	return ""
}

func (e *RejectedError) Unwrap() error { return e.Err }

// Hints gives the fix for each reason AWS refuses a request.
func (e *RejectedError) Hints() []string {
	switch e.Reason {
	case Expired:
		return []string{"the credentials have expired: renew them (awsauth login for IAM Identity Center, or new keys), or run long jobs under awsauth exec"}
	case InvalidKey:
		return []string{"AWS does not know this access key: it was deleted or deactivated, or a session token is missing or belongs to other keys"}
	case BadSecret:
		return []string{"the secret access key does not match the access key id: check both in the profile or environment"}
	case ClockSkew:
		return []string{"this machine's clock is off by more than 5 minutes: sync it (" + ClockSyncCommand(runtime.GOOS) + ") and retry"}
	}
	return nil
}

// ClockSyncCommand is the command that syncs the clock of a system
// (runtime.GOOS) with network time.
func ClockSyncCommand(goos string) string {
	switch goos {
	case "darwin":
		return "sudo sntp -sS time.apple.com"
	case "windows":
		return "w32tm /resync   (in an administrator prompt)"
	}
	return "sudo timedatectl set-ntp true"
}

// UnreachableError is an endpoint that did not answer.
type UnreachableError struct {
	Endpoint string
	Err      error
}

func (e *UnreachableError) Error() string {
	if e.Endpoint != "" {
		return fmt.Sprintf("could not reach %s: %v", e.Endpoint, rootCause(e.Err))
	}
	return fmt.Sprintf("could not reach AWS: %v", rootCause(e.Err))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Classify maps an SDK error to a [RejectedError] or an [UnreachableError];
// other errors are returned unchanged.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var already *RejectedError
	var unreach *UnreachableError
	if errors.As(err, &already) || errors.As(err, &unreach) {
		return err
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		r := Other
		switch api.ErrorCode() {
		case "ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired":
			r = Expired
		case "InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", "InvalidToken":
			r = InvalidKey
		case "SignatureDoesNotMatch", "IncompleteSignature":
			r = BadSecret
		case "AccessDenied", "AccessDeniedException":
			r = Denied
		case "RequestTimeTooSkewed", "SignatureExpired", "RequestInTheFuture":
			r = ClockSkew
		}
		return &RejectedError{Reason: r, Code: api.ErrorCode(), Message: api.ErrorMessage(), Err: err}
	}
	if isNetwork(err) {
		return &UnreachableError{Endpoint: endpointOf(err), Err: err}
	}
	return err
}

func isNetwork(err error) bool {
	var ne net.Error
	var ue *url.Error
	var oe *net.OpError
	var de *net.DNSError
	if errors.As(err, &oe) || errors.As(err, &de) || errors.As(err, &ue) || errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

func endpointOf(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			return u.Scheme + "://" + u.Host
		}
	}
	return ""
}

// rootCause is the innermost error's text, which for network errors is the
// part a person can act on ("connection refused", "i/o timeout").
func rootCause(err error) string {
	if err == nil {
		return "no answer"
	}
	if s, ok := netErrorText(err); ok {
		return s
	}
	for {
		u := errors.Unwrap(err)
		if u == nil {
			s := err.Error()
			if i := strings.LastIndex(s, ": "); i >= 0 && len(s)-i < 60 {
				return s[i+2:]
			}
			return s
		}
		err = u
	}
}
