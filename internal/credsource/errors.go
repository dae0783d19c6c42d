package credsource

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/identity"
)

// NoCredentialsError means the chain found nothing to authenticate with.
type NoCredentialsError struct {
	Trace *awsconfig.Trace
	Why   string
	Err   error
}

func (e *NoCredentialsError) Error() string {
	if e.Why != "" {
		return "no AWS credentials found: " + e.Why
	}
	return "no AWS credentials found"
}

func (e *NoCredentialsError) Unwrap() error { return e.Err }

// Hints gives the common ways to get credentials.
func (e *NoCredentialsError) Hints() []string {
	h := []string{
		"set up IAM Identity Center: aws configure sso, then awsauth login --profile NAME",
		"or pick a configured profile: awsauth profiles, then awsauth status --profile NAME",
	}
	if e.Trace != nil && e.Trace.Files.Config != "" {
		h = append(h, "awsauth looked in "+e.Trace.Files.Config+" and "+e.Trace.Files.Credentials)
	}
	return h
}

// LoginRequiredError means a session must be signed in again: an IAM
// Identity Center session, or an aws login session (Hop.Kind is
// [awsconfig.KindLogin]). Hop is the hop that signs in, whose profile the
// login command takes.
type LoginRequiredError struct {
	Hop       awsconfig.Hop
	CachePath string
	Why       string
	Err       error
}

func (e *LoginRequiredError) Error() string {
	if e.Hop.Kind == awsconfig.KindLogin {
		return fmt.Sprintf("profile %s needs a new aws login: %s", e.Hop.Profile, e.Why)
	}
	return fmt.Sprintf("profile %s needs a new IAM Identity Center login: %s", e.Hop.Profile, e.Why)
}

func (e *LoginRequiredError) Unwrap() error { return e.Err }

// Hints gives the login command, awsauth's and the AWS CLI's.
func (e *LoginRequiredError) Hints() []string {
	cli := "aws sso login"
	if e.Hop.Kind == awsconfig.KindLogin {
		cli = "aws login"
	}
	return []string{
		fmt.Sprintf("run: awsauth login --profile %s   (or: %s --profile %s)", e.Hop.Profile, cli, e.Hop.Profile),
	}
}

// MFARequiredError means a role needs an MFA code and nobody can type one.
type MFARequiredError struct {
	Serial  string
	Profile string
}

func (e *MFARequiredError) Error() string {
	if e.Profile == "" {
		return fmt.Sprintf("an MFA code for %s is needed, and no terminal is attached to ask for it", e.Serial)
	}
	return fmt.Sprintf("profile %s needs an MFA code for %s, and no terminal is attached to ask for it", e.Profile, e.Serial)
}

// Hints says where to run it.
func (e *MFARequiredError) Hints() []string {
	return []string{"run the command in a terminal so awsauth can prompt for the code"}
}

// HopError is a failure of one link of the chain.
type HopError struct {
	Hop awsconfig.Hop
	Err error
}

func (e *HopError) Error() string {
	what := string(e.Hop.Kind)
	if e.Hop.Profile != "" {
		what = "profile " + e.Hop.Profile + " (" + what + ")"
	}
	return fmt.Sprintf("%s: %v", what, e.Err)
}

func (e *HopError) Unwrap() error { return e.Err }

// Hints gives the fix for the common failures of each kind of hop.
func (e *HopError) Hints() []string {
	var rej *identity.RejectedError
	if errors.As(e.Err, &rej) {
		switch {
		case e.Hop.Kind == awsconfig.KindAssumeRole && rej.Reason == identity.Denied:
			return []string{fmt.Sprintf("the source identity may not assume %s: check the role's trust policy and the source's sts:AssumeRole permission", e.Hop.RoleARN)}
		case rej.Reason == identity.Expired:
			return []string{"the source credentials have expired: renew them (awsauth login, or new keys) and retry"}
		case rej.Reason == identity.InvalidKey || rej.Reason == identity.BadSecret:
			return []string{"the source access key is unknown to AWS or its secret is wrong: check the keys of the profile"}
		}
	}
	if len(hint.All(e.Err)) > 0 {
		// The failure knows its own fix, which says more than the
		// kind's general one.
		return nil
	}
	switch e.Hop.Kind {
	case awsconfig.KindProcess:
		return []string{"run the credential_process command by hand to see its error; it must print JSON with Version 1, AccessKeyId and SecretAccessKey"}
	case awsconfig.KindContainer:
		return []string{"check AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN"}
	case awsconfig.KindWebIdentity:
		return []string{"check that the web identity token file exists and that the role trusts its issuer"}
	case awsconfig.KindLogin:
		return []string{fmt.Sprintf("sign in again: awsauth login --profile %s   (or: aws login --profile %s)", e.Hop.Profile, e.Hop.Profile)}
	}
	return nil
}

func wrapHopError(h awsconfig.Hop, err error) error {
	var hopErr *HopError
	var login *LoginRequiredError
	var none *NoCredentialsError
	var mfa *MFARequiredError
	if errors.As(err, &login) || errors.As(err, &none) || errors.As(err, &mfa) {
		return err
	}
	if errors.As(err, &hopErr) {
		return err
	}
	return &HopError{Hop: h, Err: identity.Classify(err)}
}

// withHint attaches a hint to err.
func withHint(err error, hints ...string) error { return hint.With(err, hints...) }

func isUnauthorized(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "UnauthorizedException" || api.ErrorCode() == "InvalidGrantException")
}

func readTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read container authorization token file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
