package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/awsauth/awsauth/internal/identity"
)

// CDK's defaults for the bootstrap stack, and the context key that changes
// the qualifier.
const (
	defaultQualifier   = "hnb659fds"
	defaultToolkit     = "CDKToolkit"
	qualifierKey       = "@aws-cdk/core:bootstrapQualifier"
	minBootstrapForV2  = 6
	resetListMaxLength = 3
)

// contextAccountRE finds the account of a lookup key such as
// "availability-zones:account=123456789012:region=eu-west-1".
var contextAccountRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?:^|:)account=([0-9]{12})(?::|$)`) })

// CDKContext: cdk.context.json holds no lookups of another account.
var CDKContext = Check{
	ID:    "cdk-context",
	Title: "cdk.context.json is for this account",
	Run: func(ctx context.Context, e *Env) Result {
		path := filepath.Join(e.Dir, "cdk.context.json")
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return Result{Status: Skip, Detail: "no cdk.context.json in " + e.Dir}
		}
		if err != nil {
			return Result{Status: Warn, Detail: err.Error(), Fix: "chmod u+r " + path}
		}
		var lookups map[string]json.RawMessage
		if err := json.Unmarshal(data, &lookups); err != nil {
			return Result{Status: Warn, Detail: fmt.Sprintf("%s is not a JSON object: CDK will refuse it", path), Fix: "cdk context --clear   (run in " + e.Dir + "; lookups are done again on the next synth)"}
		}
		account, from := e.targetAccount(ctx)
		if account == "" {
			return Result{Status: Skip, Detail: "the target account is unknown: pass --expect-account, or drop --offline"}
		}
		var others []string
		accounts := map[string]bool{}
		for k := range lookups {
			m := contextAccountRE().FindStringSubmatch(k)
			if m != nil && m[1] != account {
				others = append(others, k)
				accounts[m[1]] = true
			}
		}
		if len(others) == 0 {
			return Result{Status: OK, Detail: fmt.Sprintf("%d cached values, none for an account other than %s (%s)", len(lookups), account, from)}
		}
		sort.Strings(others)
		var accs []string
		for a := range accounts {
			accs = append(accs, a)
		}
		sort.Strings(accs)
		detail := fmt.Sprintf("%s caches lookups for account %s, not %s (%s): %s; if this app does not deploy there, they are stale values from another environment",
			filepath.Base(path), strings.Join(accs, ", "), account, from, strings.Join(others, ", "))
		return Result{Status: Warn, Detail: detail, Fix: contextFix(others)}
	},
}

// contextFix resets a few keys one by one, or clears the file.
func contextFix(keys []string) string {
	if len(keys) > resetListMaxLength {
		return "cdk context --clear   (the next cdk synth looks every value up again, in the right account)"
	}
	cmds := make([]string, len(keys))
	for i, k := range keys {
		// Quoted for sh: a key comes from the repository and must not be
		// able to end the quote and add a command to the one we suggest.
		cmds[i] = "cdk context --reset '" + strings.ReplaceAll(k, "'", `'\''`) + "'"
	}
	return strings.Join(cmds, " && ")
}

// targetAccount is the account the deployment goes to: the expected one,
// else the one STS names, else the one the configuration names.
func (e *Env) targetAccount(ctx context.Context) (string, string) {
	if e.Expect.Account != "" {
		return e.Expect.Account, "from " + e.Expect.AccountFrom
	}
	t, err := e.Trace(ctx)
	if err != nil {
		return "", ""
	}
	if !e.Offline {
		if c, err := e.Caller(ctx); err == nil {
			return c.Identity.Account, "the credentials' account"
		}
	}
	if a := configuredAccount(t); a != "" {
		return a, "the profile's account"
	}
	return "", ""
}

// cdkApp is what cdk.json says about the bootstrap stack.
type cdkApp struct {
	Qualifier     string
	QualifierFrom string
	Toolkit       string
}

func readCDKJSON(path string) (cdkApp, error) {
	app := cdkApp{Qualifier: defaultQualifier, QualifierFrom: "CDK's default", Toolkit: defaultToolkit}
	data, err := os.ReadFile(path)
	if err != nil {
		return app, err
	}
	var doc struct {
		Context          map[string]any `json:"context"`
		ToolkitStackName string         `json:"toolkitStackName"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return app, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	if q, ok := doc.Context[qualifierKey].(string); ok && q != "" {
		app.Qualifier, app.QualifierFrom = q, qualifierKey+" in cdk.json"
	}
	if doc.ToolkitStackName != "" {
		app.Toolkit = doc.ToolkitStackName
	}
	return app, nil
}

// CDKBootstrap: the target account and region are bootstrapped for this app.
//
// The stack and its BootstrapVersion output are read through CloudFormation.
// The SSM parameter /cdk-bootstrap/QUALIFIER/version that `cdk deploy`
// also reads is not: the stack's own Qualifier parameter stands in for it.
var CDKBootstrap = Check{
	ID:      "cdk-bootstrap",
	Title:   "CDK bootstrap stack is in place",
	Network: true,
	Run: func(ctx context.Context, e *Env) Result {
		cdkJSON := filepath.Join(e.Dir, "cdk.json")
		if !fileExists(cdkJSON) {
			return Result{Status: Skip, Detail: "no cdk.json in " + e.Dir + ": not a CDK app"}
		}
		app, err := readCDKJSON(cdkJSON)
		if err != nil {
			return Result{Status: Warn, Detail: err.Error(), Fix: "fix the JSON syntax of " + cdkJSON}
		}
		t, err := e.Trace(ctx)
		if err != nil {
			return Result{Status: Skip, Detail: "the chain does not resolve (see credentials)"}
		}
		c, err := e.Caller(ctx)
		if err != nil {
			return Result{Status: Skip, Detail: "no working credentials to look with (see sts)"}
		}
		region := t.Region
		if e.Expect.Region != "" {
			region = e.Expect.Region
		}
		if region == "" {
			return Result{Status: Skip, Detail: "no region to look in (see region)"}
		}
		env := "aws://" + c.Identity.Account + "/" + region
		bootstrap := "cdk bootstrap " + env
		if app.Qualifier != defaultQualifier {
			bootstrap += " --qualifier " + app.Qualifier
		}
		if app.Toolkit != defaultToolkit {
			bootstrap += " --toolkit-stack-name " + app.Toolkit
		}

		client := c.session.CloudFormationWith(region, c.Creds)
		e.debugf("doctor: cloudformation:DescribeStacks %s in %s", app.Toolkit, region)
		out, err := client.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(app.Toolkit)})
		var api smithy.APIError
		switch {
		case err != nil && errors.As(err, &api) && api.ErrorCode() == "ValidationError" && strings.Contains(api.ErrorMessage(), "does not exist"):
			return Result{Status: Fail, Detail: fmt.Sprintf("%s is not bootstrapped: there is no %s stack; cdk deploy stops at once", env, app.Toolkit), Fix: bootstrap}
		case err != nil:
			err = identity.Classify(err)
			var rej *identity.RejectedError
			if errors.As(err, &rej) && rej.Reason == identity.Denied {
				return Result{Status: Warn, Detail: fmt.Sprintf("may not read the %s stack in %s: %v", app.Toolkit, env, err),
					Fix: "allow cloudformation:DescribeStacks on arn:aws:cloudformation:" + region + ":" + c.Identity.Account + ":stack/" + app.Toolkit + "/* to " + c.Identity.ARN}
			}
			fix := "aws cloudformation describe-stacks --stack-name " + app.Toolkit + " --region " + region + "   (shows the error in full)"
			var unreach *identity.UnreachableError
			if errors.As(err, &unreach) {
				fix = fixFor(err, t)
			}
			return Result{Status: Warn, Detail: fmt.Sprintf("could not read the %s stack in %s: %v", app.Toolkit, env, err), Fix: fix}
		case len(out.Stacks) == 0:
			return Result{Status: Fail, Detail: fmt.Sprintf("%s is not bootstrapped: there is no %s stack", env, app.Toolkit), Fix: bootstrap}
		}
		return bootstrapResult(out.Stacks[0], app, env, region, bootstrap)
	},
}

func bootstrapResult(s cfntypes.Stack, app cdkApp, env, region, bootstrap string) Result {
	st := string(s.StackStatus)
	switch {
	case st == "ROLLBACK_COMPLETE" || strings.HasSuffix(st, "_FAILED") || strings.HasPrefix(st, "DELETE_"):
		return Result{Status: Fail, Detail: fmt.Sprintf("the %s stack in %s is %s: cdk deploy cannot use it", app.Toolkit, env, st),
			Fix: fmt.Sprintf("aws cloudformation delete-stack --stack-name %s --region %s && %s", app.Toolkit, region, bootstrap)}
	case strings.HasSuffix(st, "_IN_PROGRESS"):
		return Result{Status: Warn, Detail: fmt.Sprintf("the %s stack in %s is %s: wait for it before deploying", app.Toolkit, env, st),
			Fix: fmt.Sprintf("aws cloudformation wait stack-update-complete --stack-name %s --region %s", app.Toolkit, region)}
	}
	for _, p := range s.Parameters {
		if aws.ToString(p.ParameterKey) == "Qualifier" {
			if q := aws.ToString(p.ParameterValue); q != "" && q != app.Qualifier {
				return Result{Status: Fail,
					Detail: fmt.Sprintf("the %s stack in %s was bootstrapped with qualifier %s, but this app uses %s (%s): cdk deploy looks for /cdk-bootstrap/%s/version and the cdk-%s-* roles", app.Toolkit, env, q, app.Qualifier, app.QualifierFrom, app.Qualifier, app.Qualifier),
					Fix:    fmt.Sprintf("set \"%s\": \"%s\" under \"context\" in cdk.json   (or: %s)", qualifierKey, q, bootstrap)}
			}
		}
	}
	version := -1
	for _, o := range s.Outputs {
		if aws.ToString(o.OutputKey) == "BootstrapVersion" {
			if v, err := strconv.Atoi(aws.ToString(o.OutputValue)); err == nil {
				version = v
			}
		}
	}
	switch {
	case version < 0:
		return Result{Status: Fail, Detail: fmt.Sprintf("the %s stack in %s has no BootstrapVersion output: it is the legacy CDK v1 bootstrap, which CDK v2 cannot deploy with", app.Toolkit, env), Fix: bootstrap}
	case version < minBootstrapForV2:
		return Result{Status: Fail, Detail: fmt.Sprintf("the %s stack in %s is bootstrap version %d; CDK v2 needs %d or newer", app.Toolkit, env, version, minBootstrapForV2), Fix: bootstrap}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("%s: %s is %s, bootstrap version %d, qualifier %s (the SSM parameter /cdk-bootstrap/%s/version is not read)", env, app.Toolkit, st, version, app.Qualifier, app.Qualifier)}
}
