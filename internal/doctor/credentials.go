package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/credsource"
	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/identity"
)

// Credentials: the chain resolves to a source of credentials.
var Credentials = Check{
	ID:    "credentials",
	Title: "Credentials resolve",
	Run: func(ctx context.Context, e *Env) Result {
		t, err := e.Trace(ctx)
		if err != nil {
			return Result{Status: Fail, Detail: err.Error(), Fix: fixFor(err, nil)}
		}
		if h := t.Hops[0]; h.Kind == awsconfig.KindIMDS && h.IMDSDisabled {
			err := &credsource.NoCredentialsError{Trace: t, Why: "no credentials are configured, and AWS_EC2_METADATA_DISABLED turns off the instance metadata service"}
			return Result{Status: Fail, Detail: err.Error(), Fix: fixFor(err, t)}
		}
		return Result{Status: OK, Detail: describeChain(t)}
	},
}

// STS: the credentials can be retrieved and STS accepts them.
var STS = Check{
	ID:      "sts",
	Title:   "STS accepts the credentials",
	Network: true,
	Run: func(ctx context.Context, e *Env) Result {
		t, err := e.Trace(ctx)
		if err != nil {
			return Result{Status: Skip, Detail: "the chain does not resolve (see credentials)"}
		}
		c, err := e.Caller(ctx)
		if err != nil {
			return Result{Status: Fail, Detail: err.Error(), Fix: fixFor(err, t)}
		}
		return Result{Status: OK, Detail: fmt.Sprintf("%s in account %s", c.Identity.ARN, c.Identity.Account)}
	},
}

// describeChain is the chain in one line: "profile deploy (from AWS_PROFILE):
// assume-role (role arn:...) from sso (role Admin in account 1111...)".
func describeChain(t *awsconfig.Trace) string {
	var b strings.Builder
	if t.Source() == awsconfig.KindEnv && t.Hops[0].Profile == "" {
		b.WriteString("environment keys: ")
	} else {
		b.WriteString("profile " + t.Profile)
		if from := t.ProfileFrom; from != "" && from != "default" {
			b.WriteString(" (from " + from + ")")
		}
		b.WriteString(": ")
	}
	for i, h := range t.Hops {
		if i > 0 {
			b.WriteString(" from ")
		}
		b.WriteString(string(h.Kind))
		if h.Detail != "" {
			b.WriteString(" (" + h.Detail + ")")
		}
	}
	return b.String()
}

// profileFlag is how a command names the profile of t: " --profile P", or ""
// when the SDKs pick it anyway.
func profileFlag(t *awsconfig.Trace) string {
	if t == nil || t.Profile == "" || t.ProfileFrom == "default" {
		return ""
	}
	return " --profile " + t.Profile
}

// deployCmd is the command that runs a deployment under awsauth exec.
func deployCmd(t *awsconfig.Trace) string {
	return "awsauth exec" + profileFlag(t) + " -- cdk deploy"
}

// fixFor turns a failure of resolution, retrieval or STS into the command
// that repairs it; the error's own hints when there is nothing more exact.
func fixFor(err error, t *awsconfig.Trace) string {
	var login *credsource.LoginRequiredError
	var mfa *credsource.MFARequiredError
	var rej *identity.RejectedError
	var unreach *identity.UnreachableError
	var nf *awsconfig.ProfileNotFoundError
	switch {
	case errors.As(err, &login):
		return "awsauth login --profile " + login.Hop.Profile
	case errors.As(err, &mfa):
		return fmt.Sprintf("run it in a terminal, where the code for %s can be typed: awsauth exec --profile %s -- cdk deploy", mfa.Serial, mfa.Profile)
	case errors.As(err, &nf):
		if len(nf.Suggestions) > 0 {
			return fixProfileName(nf, nf.Suggestions[0])
		}
	case errors.As(err, &rej):
		if f := rejectedFix(rej, t); f != "" {
			return f
		}
	case errors.As(err, &unreach):
		if unreach.Endpoint != "" {
			return fmt.Sprintf("check that %s answers from this machine (network, proxy: HTTPS_PROXY), or unset the AWS_ENDPOINT_URL* variable that points there", unreach.Endpoint)
		}
		return "check the network and proxy settings (HTTPS_PROXY), then retry"
	}
	if hs := hint.All(err); len(hs) > 0 {
		return hs[0]
	}
	return "awsauth status -v" + profileFlag(t) + "   (shows every link of the chain and why it was taken)"
}

func fixProfileName(nf *awsconfig.ProfileNotFoundError, suggestion string) string {
	switch nf.From {
	case "--profile":
		return "use --profile " + suggestion
	case "AWS_PROFILE", "AWS_DEFAULT_PROFILE":
		return "export " + nf.From + "=" + suggestion
	}
	return fmt.Sprintf("set source_profile = %s where it names %s in %s", suggestion, nf.Name, nf.Files.Config)
}

// rejectedFix is the fix for AWS refusing the credentials, by where they
// came from.
func rejectedFix(rej *identity.RejectedError, t *awsconfig.Trace) string {
	if rej.Reason == identity.ClockSkew {
		return clockFix("")
	}
	if t == nil || len(t.Hops) == 0 {
		return ""
	}
	last := t.Hops[len(t.Hops)-1]
	switch rej.Reason {
	case identity.Expired:
		switch last.Kind {
		case awsconfig.KindEnv:
			return "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION, then run the deployment from a profile: awsauth exec --profile NAME -- cdk deploy"
		case awsconfig.KindSSO, awsconfig.KindSSOLegacy:
			return "awsauth login --profile " + last.Profile
		case awsconfig.KindStatic:
			return fmt.Sprintf("replace the temporary keys of [%s] in %s, or move the profile to IAM Identity Center: aws configure sso --profile %s", last.Profile, t.Files.Credentials, last.Profile)
		}
	case identity.InvalidKey, identity.BadSecret:
		switch last.Kind {
		case awsconfig.KindEnv:
			return "export the matching AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for ASIA keys), or unset all three and use a profile"
		case awsconfig.KindStatic:
			return fmt.Sprintf("aws configure --profile %s   (enter an active access key and its secret; they go to %s)", last.Profile, t.Files.Credentials)
		}
	}
	return ""
}
