package awsconfig

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// warnings finds the places where the SDKs disagree with each other, or
// where the setup will surprise its owner.
func warnings(t *Trace, inv *Inventory, env sysenv.Env, sc *config.SharedConfig) []Warning {
	var ws []Warning
	container := env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "" || env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != ""
	if container && t.Source() != KindContainer && t.Source() != KindEnv {
		ws = append(ws, Warning{
			ID: "container-shadowed",
			Message: fmt.Sprintf("a container credentials endpoint is set, but profile %s supplies credentials first (%s), in every SDK",
				t.Profile, t.Source()),
			Fix: fmt.Sprintf("remove the credentials from profile %s, or run the tool with AWS_SHARED_CREDENTIALS_FILE=/dev/null (awsauth exec does this for you)", t.Profile),
		})
	}
	if p, ok := inv.Profile(t.Profile); ok && usesProfile(t) && p.InConfig && !p.InCredentials && env.Get("AWS_SDK_LOAD_CONFIG") == "" {
		ws = append(ws, Warning{
			ID:      "js-sdk-v2-load-config",
			Message: fmt.Sprintf("profile %s is defined only in %s, which tools on the JS SDK v2 (older CDK, Serverless) read only with AWS_SDK_LOAD_CONFIG=1", t.Profile, inv.Files.Config),
			Fix:     "export AWS_SDK_LOAD_CONFIG=1   (awsauth exec sets it for the child)",
		})
	}
	if r, d := env.Get("AWS_REGION"), env.Get("AWS_DEFAULT_REGION"); r != "" && r != d && t.RegionFrom != "--region" {
		got := d
		if got == "" {
			got = sc.Region
		}
		if got != r {
			shown := got
			if shown == "" {
				shown = "no region"
			}
			ws = append(ws, Warning{
				ID:      "botocore-region",
				Message: fmt.Sprintf("AWS_REGION=%s, but boto3 and the AWS CLI v1 read AWS_DEFAULT_REGION and will use %s", r, shown),
				Fix:     "export AWS_DEFAULT_REGION=" + r,
			})
		}
	}
	if t.Region == "" {
		ws = append(ws, Warning{
			ID:      "no-region",
			Message: "no region is configured: most AWS calls will fail",
			Fix:     fmt.Sprintf("pass --region, export AWS_REGION and AWS_DEFAULT_REGION, or add \"region = ...\" to profile %s in %s", t.Profile, inv.Files.Config),
		})
	}
	if p, d := env.Get("AWS_PROFILE"), env.Get("AWS_DEFAULT_PROFILE"); p != "" && d != "" && p != d {
		ws = append(ws, Warning{
			ID:      "profile-env-conflict",
			Message: fmt.Sprintf("AWS_PROFILE=%s and AWS_DEFAULT_PROFILE=%s disagree; the AWS CLI v1 and older SDKs read AWS_DEFAULT_PROFILE", p, d),
			Fix:     "unset AWS_DEFAULT_PROFILE",
		})
	}
	for i := 0; i+1 < len(t.Hops); i++ {
		if t.Hops[i].Kind == KindAssumeRole && isRoleSession(t.Hops[i+1]) {
			ws = append(ws, Warning{
				ID:      "role-chaining",
				Message: fmt.Sprintf("profile %s assumes a role with credentials of another role (%s): AWS caps such chained sessions at 1 hour", t.Hops[i].Profile, t.Hops[i+1].Kind),
				Fix:     "run long deployments under awsauth exec, which renews the session before it ends",
			})
			break
		}
	}
	return append(ws, divergenceWarnings(t, inv, env, t.Warnings, ws)...)
}

func usesProfile(t *Trace) bool {
	for _, h := range t.Hops {
		if h.Profile != "" {
			return true
		}
	}
	return false
}

// isRoleSession reports whether h hands out the credentials of an IAM role
// session, so that assuming a role with them is role chaining.
func isRoleSession(h Hop) bool {
	switch h.Kind {
	case KindAssumeRole, KindWebIdentity, KindSSO, KindSSOLegacy, KindContainer, KindIMDS:
		return true
	case KindStatic, KindEnv:
		return h.Static.SessionToken != ""
	}
	return false
}
