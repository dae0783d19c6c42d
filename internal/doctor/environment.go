package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

// EnvConflicts: the AWS_* variables do not contradict each other.
var EnvConflicts = Check{
	ID:    "env-conflicts",
	Title: "No conflicting AWS_* variables",
	Run: func(ctx context.Context, e *Env) Result {
		env := e.Lookup
		id, secret, token := env.Get("AWS_ACCESS_KEY_ID"), env.Get("AWS_SECRET_ACCESS_KEY"), env.Get("AWS_SESSION_TOKEN")
		profile, defProfile := env.Get("AWS_PROFILE"), env.Get("AWS_DEFAULT_PROFILE")
		keys := id != "" && secret != ""
		if !keys && profile == "" && defProfile == "" && token == "" {
			return Result{Status: Skip, Detail: "no AWS_PROFILE, AWS_DEFAULT_PROFILE or keys in the environment"}
		}
		type finding struct{ detail, fix string }
		var found []finding
		if keys && profile != "" {
			found = append(found, finding{
				fmt.Sprintf("AWS_ACCESS_KEY_ID and AWS_PROFILE=%s are both set: the Go SDK, boto3 and the AWS CLI use the keys, the JS SDK v3 (the CDK CLI) uses profile %s, so tools in one deployment may act as different identities", profile, profile),
				"unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN   (or: unset AWS_PROFILE)",
			})
		}
		switch {
		case token != "" && id == "":
			found = append(found, finding{
				"AWS_SESSION_TOKEN is set without AWS_ACCESS_KEY_ID: a leftover of earlier keys, which a tool may still send with other keys",
				"unset AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION",
			})
		case keys && strings.HasPrefix(id, "ASIA") && token == "":
			found = append(found, finding{
				"AWS_ACCESS_KEY_ID is a temporary key (ASIA...) but AWS_SESSION_TOKEN is not set: AWS rejects it without its session token",
				"unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY   (or export the AWS_SESSION_TOKEN issued with them)",
			})
		case keys && token != "" && env.Get("AWS_CREDENTIAL_EXPIRATION") == "":
			found = append(found, finding{
				"AWS_SESSION_TOKEN is set without AWS_CREDENTIAL_EXPIRATION: these temporary keys may be stale, and nothing can tell when they end or renew them",
				"unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN, then run from a profile: awsauth exec --profile NAME -- cdk deploy",
			})
		}
		switch {
		case profile != "" && defProfile != "" && profile != defProfile:
			found = append(found, finding{
				fmt.Sprintf("AWS_PROFILE=%s and AWS_DEFAULT_PROFILE=%s disagree: boto3 and the AWS CLI v1 take AWS_DEFAULT_PROFILE, the Go SDK and the JS SDK v3 (the CDK CLI) take AWS_PROFILE", profile, defProfile),
				"unset AWS_DEFAULT_PROFILE",
			})
		case profile == "" && defProfile != "":
			found = append(found, finding{
				fmt.Sprintf("AWS_DEFAULT_PROFILE=%s without AWS_PROFILE: the JS SDK v3 (the CDK CLI) ignores it and uses [default]", defProfile),
				fmt.Sprintf("export AWS_PROFILE=%s; unset AWS_DEFAULT_PROFILE", defProfile),
			})
		}
		if len(found) > 0 {
			r := Result{Status: Warn, Detail: found[0].detail, Fix: found[0].fix}
			for _, f := range found[1:] {
				r.Detail += "; also, " + f.detail
				r.Fix += "; " + f.fix
			}
			return r
		}
		var set []string
		for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION"} {
			if env.Get(k) != "" {
				set = append(set, k)
			}
		}
		return Result{Status: OK, Detail: strings.Join(set, ", ") + " agree"}
	},
}

// SDKLoadConfig: tools on the JS SDK v2 find the profile.
var SDKLoadConfig = Check{
	ID:    "sdk-load-config",
	Title: "JS SDK v2 tools find the profile",
	Run: func(ctx context.Context, e *Env) Result {
		t, err := e.Trace(ctx)
		if err != nil {
			return Result{Status: Skip, Detail: "the chain does not resolve (see credentials)"}
		}
		if w, ok := warning(t, "js-sdk-v2-load-config"); ok {
			return Result{Status: Warn, Detail: w.Message, Fix: w.Fix}
		}
		if t.Source() == awsconfig.KindEnv || t.Source() == awsconfig.KindWebIdentity && t.Hops[0].Profile == "" || !t.ProfileExists {
			return Result{Status: Skip, Detail: "no profile is in use"}
		}
		if e.Lookup.Get("AWS_SDK_LOAD_CONFIG") != "" {
			return Result{Status: OK, Detail: "AWS_SDK_LOAD_CONFIG is set: JS SDK v2 tools read " + t.Files.Config}
		}
		return Result{Status: OK, Detail: fmt.Sprintf("profile %s is in %s, which JS SDK v2 tools read", t.Profile, t.Files.Credentials)}
	},
}

// CIOIDC: CI runs on short-lived web identity credentials, not stored keys.
var CIOIDC = Check{
	ID:    "ci-oidc",
	Title: "CI uses OIDC, not stored keys",
	Run: func(ctx context.Context, e *Env) Result {
		ci := ciName(e)
		if ci == "" {
			return Result{Status: Skip, Detail: "not running in CI (CI, GITHUB_ACTIONS, GITLAB_CI are unset)"}
		}
		t, err := e.Trace(ctx)
		if err != nil {
			return Result{Status: Skip, Detail: "the chain does not resolve (see credentials)"}
		}
		h := t.Hops[len(t.Hops)-1]
		if (h.Kind == awsconfig.KindEnv || h.Kind == awsconfig.KindStatic) && strings.HasPrefix(h.Static.AccessKeyID, "AKIA") {
			where := "AWS_ACCESS_KEY_ID"
			if h.Kind == awsconfig.KindStatic {
				where = "profile " + h.Profile
			}
			return Result{
				Status: Warn,
				Detail: fmt.Sprintf("%s runs on long-term IAM user keys (%s): stored keys leak and never expire", ci, where),
				Fix:    oidcFix(ci),
			}
		}
		return Result{Status: OK, Detail: fmt.Sprintf("%s runs on %s credentials, not long-term keys", ci, t.Source())}
	},
}

func oidcFix(ci string) string {
	switch ci {
	case "GitHub Actions":
		return "in the workflow: permissions: {id-token: write}, then uses: aws-actions/configure-aws-credentials@v4 with role-to-assume: arn:aws:iam::ACCOUNT:role/ROLE and aws-region: REGION; then delete the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY secrets"
	case "GitLab CI":
		return "in .gitlab-ci.yml: id_tokens: {AWS_ID_TOKEN: {aud: sts.amazonaws.com}}, write $AWS_ID_TOKEN to a file and export AWS_WEB_IDENTITY_TOKEN_FILE=that-file AWS_ROLE_ARN=arn:aws:iam::ACCOUNT:role/ROLE; then delete the stored keys"
	}
	return "give the job an OIDC token and export AWS_WEB_IDENTITY_TOKEN_FILE=TOKEN-FILE AWS_ROLE_ARN=arn:aws:iam::ACCOUNT:role/ROLE instead of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
}

// ciName names the CI system the environment says it is, or "".
func ciName(e *Env) string {
	env := e.Lookup
	switch {
	case env.Get("GITHUB_ACTIONS") == "true":
		return "GitHub Actions"
	case env.Get("GITLAB_CI") != "":
		return "GitLab CI"
	}
	switch strings.ToLower(env.Get("CI")) {
	case "true", "1", "yes":
		return "CI"
	}
	return ""
}

func inCI(e *Env) bool { return ciName(e) != "" }
