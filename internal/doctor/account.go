package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

// Account: the credentials are for the account the deployment expects.
var Account = Check{
	ID:    "account",
	Title: "Account is the expected one",
	Run: func(ctx context.Context, e *Env) Result {
		want := e.Expect.Account
		if want == "" {
			return Result{Status: Skip, Detail: "no account expected: pass --expect-account, or set AWS_ACCOUNT_ID or CDK_DEFAULT_ACCOUNT (environment or .env)"}
		}
		t, err := e.Trace(ctx)
		if err != nil {
			return Result{Status: Skip, Detail: "the chain does not resolve (see credentials)"}
		}
		got, how := "", ""
		if e.Offline {
			got = configuredAccount(t)
			how = "by the configuration"
			if got == "" {
				return Result{Status: Skip, Detail: fmt.Sprintf("--offline, and the configuration of %s names no account", t.Source())}
			}
		} else {
			c, err := e.Caller(ctx)
			if err != nil {
				return Result{Status: Skip, Detail: "STS did not say who the credentials belong to (see sts)"}
			}
			got, how = c.Identity.Account, "by STS"
		}
		if got == want {
			return Result{Status: OK, Detail: fmt.Sprintf("account %s (%s), as %s expects", got, how, e.Expect.AccountFrom)}
		}
		return Result{
			Status: Fail,
			Detail: fmt.Sprintf("the credentials are for account %s (%s), but %s expects %s", got, how, e.Expect.AccountFrom, want),
			Fix:    accountFix(t, want),
		}
	},
}

// accountFix names a profile for the wanted account when one is defined.
func accountFix(t *awsconfig.Trace, want string) string {
	inv, err := awsconfig.Load(t.Files)
	if err == nil {
		for _, p := range inv.Profiles {
			if p.Account == want {
				return fmt.Sprintf("use profile %s (account %s): export AWS_PROFILE=%s   (or: awsauth exec --profile %s -- cdk deploy)", p.Name, want, p.Name, p.Name)
			}
		}
	}
	return fmt.Sprintf("pick a profile for account %s (awsauth profiles lists them), then: awsauth exec --profile NAME -- cdk deploy", want)
}

// configuredAccount is the account the configuration names for the
// outermost role, when it names one.
func configuredAccount(t *awsconfig.Trace) string {
	h := t.Hops[0]
	switch {
	case h.RoleARN != "":
		return arnAccount(h.RoleARN)
	case h.SSO != nil:
		return h.SSO.AccountID
	}
	return ""
}

func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// Region: a region is configured, the one expected, and the same for every
// SDK.
var Region = Check{
	ID:    "region",
	Title: "Region is set and the expected one",
	Run: func(ctx context.Context, e *Env) Result {
		t, err := e.Trace(ctx)
		if err != nil {
			return Result{Status: Skip, Detail: "the chain does not resolve (see credentials)"}
		}
		if t.Region == "" {
			fix := "export AWS_REGION=REGION AWS_DEFAULT_REGION=REGION"
			if w, ok := warning(t, "no-region"); ok {
				fix = w.Fix
			}
			if want := e.Expect.Region; want != "" {
				fix = fmt.Sprintf("export AWS_REGION=%s AWS_DEFAULT_REGION=%s", want, want)
			}
			return Result{Status: Fail, Detail: "no region is configured: CDK and most AWS calls fail without one", Fix: fix}
		}
		from := t.RegionFrom
		if want := e.Expect.Region; want != "" && want != t.Region {
			return Result{
				Status: Fail,
				Detail: fmt.Sprintf("region %s (from %s), but %s expects %s", t.Region, from, e.Expect.RegionFrom, want),
				Fix:    fmt.Sprintf("export AWS_REGION=%s AWS_DEFAULT_REGION=%s", want, want),
			}
		}
		if w, ok := warning(t, "botocore-region"); ok {
			return Result{Status: Warn, Detail: w.Message, Fix: w.Fix}
		}
		d := fmt.Sprintf("region %s (from %s)", t.Region, from)
		if e.Expect.Region != "" {
			d += ", as " + e.Expect.RegionFrom + " expects"
		}
		return Result{Status: OK, Detail: d}
	},
}

// warning returns the trace's warning with id.
func warning(t *awsconfig.Trace, id string) (awsconfig.Warning, bool) {
	for _, w := range t.Warnings {
		if w.ID == id {
			return w, true
		}
	}
	return awsconfig.Warning{}, false
}
