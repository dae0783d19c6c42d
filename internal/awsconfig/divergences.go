package awsconfig

import (
	"fmt"
	"strings"

	"github.com/awsauth/awsauth/internal/sysenv"
)

//go:generate go run ../../cmd/gen-sdk-differences -o ../../docs/sdk-differences.md

// SDK names an AWS SDK, or a tool with its own resolution code.
type SDK string

// The SDKs and tools whose resolution the table describes. The AWS CLI v1
// is botocore, as boto3 is; the AWS CLI v2 carries its own fork of it.
const (
	SDKGo     SDK = "go"     // Go SDK v2: Terraform, awsauth itself
	SDKBoto3  SDK = "boto3"  // botocore
	SDKCLIv1  SDK = "cli1"   // botocore
	SDKCLIv2  SDK = "cli2"   // the AWS CLI v2's botocore fork
	SDKJS     SDK = "js3"    // JS SDK v3: the CDK, Amplify
	SDKJava   SDK = "java2"  // Java SDK v2
	SDKDotNet SDK = "dotnet" // .NET SDK
)

// SDKs lists every SDK the table speaks of, in the order the docs show them.
var SDKs = []SDK{SDKGo, SDKBoto3, SDKCLIv1, SDKCLIv2, SDKJS, SDKJava, SDKDotNet}

// Name is how the docs and warnings call the SDK.
func (s SDK) Name() string {
	switch s {
	case SDKGo:
		return "Go SDK v2 (Terraform)"
	case SDKBoto3:
		return "boto3"
	case SDKCLIv1:
		return "AWS CLI v1"
	case SDKCLIv2:
		return "AWS CLI v2"
	case SDKJS:
		return "JS SDK v3 (CDK)"
	case SDKJava:
		return "Java SDK v2"
	case SDKDotNet:
		return ".NET SDK"
	}
	return string(s)
}

// Example is a setup that shows a divergence: the shared files, the
// environment and the --profile given (empty: none). The tests in
// tests/clients hand it to each real SDK against a fake AWS whose accounts,
// users (deployer with AKIAIOSFODNN7EXAMPLE in 111111111111, builder with
// AKIAI44QH8DHBEXAMPLE in 222222222222) and roles (Admin, ReadOnly in each
// account) it names; an instance role session "instance" (ReadOnly in
// 111111111111) answers on the EC2 metadata endpoint. $TOKEN_FILE stands
// for a web identity token file and $META for the metadata server.
type Example struct {
	Config      string
	Credentials string
	Env         []string
	Profile     string
}

// Outcome is what some SDKs do with a divergence's example.
type Outcome struct {
	SDKs []SDK
	// Does says it in words, for the docs and the warning.
	Does string
	// Tested is true when tests/clients checks the fields below against
	// the real SDK on the example; false when the row was read from the
	// SDK's source and not run here.
	Tested bool
	// Identity is the ARN the SDK ends up calling AWS as (a prefix: role
	// session names differ per run); empty when it fails.
	Identity string
	// AssumeRole and WebIdentity count the STS calls made to get there.
	AssumeRole, WebIdentity int
	// Fails is a fragment of the error the SDK reports, when it fails.
	Fails string
	// Region is the region the SDK signs with, for rows about regions.
	Region string
}

// Divergence is one profile or environment shape that the SDKs resolve
// differently: a different source, number of AssumeRole calls or identity,
// or one accepting what another rejects.
type Divergence struct {
	// ID is stable: it is the warning's id in awsauth status --json and
	// the anchor in docs/sdk-differences.md.
	ID string
	// Title names the shape in a few words.
	Title string
	// Shape says exactly when the row applies.
	Shape    string
	Example  Example
	Outcomes []Outcome
	// Fix makes every SDK agree.
	Fix string
	// Cause is the awsauth explain cause that covers the error some SDK
	// reports for this shape, when one does.
	Cause string
	// Quiet rows are documented but not warned about: the shape is common
	// and harmless for most people. QuietWhy says why.
	Quiet    bool
	QuietWhy string

	// detect reports whether a resolved profile has the shape, naming the
	// profile the warning is about.
	detect func(d *detection) (profile string, ok bool)
}

// Divergences is the table. docs/sdk-differences.md is generated from it
// (go generate ./internal/awsconfig) and tests/clients checks every tested
// outcome against the real SDKs.
func Divergences() []Divergence { return divergences }

// Outcome returns what sdk does in the row, if the row says.
func (d Divergence) Outcome(sdk SDK) (Outcome, bool) {
	for _, o := range d.Outcomes {
		for _, s := range o.SDKs {
			if s == sdk {
				return o, true
			}
		}
	}
	return Outcome{}, false
}

const (
	notTested  = "from source, not tested here"
	notChecked = "not checked"
)

// Identities in the examples, as the fake AWS names them.
const (
	userDeployer  = "arn:aws:iam::111111111111:user/deployer"
	userBuilder   = "arn:aws:iam::222222222222:user/builder"
	prodAdmin     = "arn:aws:sts::222222222222:assumed-role/Admin/"
	devReadOnly   = "arn:aws:sts::111111111111:assumed-role/ReadOnly/"
	instanceRole  = "arn:aws:sts::111111111111:assumed-role/ReadOnly/instance"
	containerRole = "arn:aws:sts::111111111111:assumed-role/ReadOnly/container"
	webIdentityCI = "arn:aws:sts::111111111111:assumed-role/ReadOnly/ci"
)

const (
	deployerKeys = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
	builderKeys  = "aws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n"
	botocore     = "boto3, the AWS CLI v1 and v2"
	webIDEnv     = "AWS_WEB_IDENTITY_TOKEN_FILE=$TOKEN_FILE"
	webIDRoleEnv = "AWS_ROLE_ARN=arn:aws:iam::111111111111:role/ReadOnly"
	webIDNameEnv = "AWS_ROLE_SESSION_NAME=ci"
)

var botocoreSDKs = []SDK{SDKBoto3, SDKCLIv1, SDKCLIv2}

var divergences = []Divergence{
	{
		ID:    "source-profile-keys-and-role",
		Title: "A source profile with static keys and a role of its own",
		Shape: "a role profile's source_profile has aws_access_key_id/aws_secret_access_key and also role_arn (with its own source_profile or credential_source)",
		Example: Example{
			Config: "[profile app]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = base\nduration_seconds = 7200\nregion = us-east-1\n\n" +
				"[profile base]\nrole_arn = arn:aws:iam::111111111111:role/Admin\nsource_profile = deployer\n",
			Credentials: "[deployer]\n" + deployerKeys + "\n[base]\n" + builderKeys,
			Env:         []string{"AWS_PROFILE=app"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, AssumeRole: 2,
				Does:  "assumes base's role with base's keys, then app's role with that session: two AssumeRole calls, and app's session is a chained one, capped at 1 hour (duration_seconds = 7200 fails)",
				Fails: "exceeds the 1 hour session limit for roles assumed by role chaining"},
			{SDKs: []SDK{SDKBoto3, SDKCLIv1, SDKCLIv2, SDKJS}, Tested: true, AssumeRole: 1, Identity: prodAdmin,
				Does: "stops at base's keys and assumes app's role with them: one AssumeRole call, a session of up to the role's maximum"},
			{SDKs: []SDK{SDKJava}, AssumeRole: 2,
				Does: "role_arn comes before keys: assumes base's role from base's own source_profile (deployer), ignoring base's keys, then app's role (" + notTested + ")"},
			{SDKs: []SDK{SDKDotNet}, Does: notChecked},
		},
		Fix:   "give the source profile either keys or a role, not both: move base's keys into a profile of their own and point source_profile at it",
		Cause: "role_chaining_duration_limit",
		detect: func(d *detection) (string, bool) {
			for i := 1; i+1 < len(d.t.Hops); i++ {
				h, next := d.t.Hops[i], d.t.Hops[i+1]
				if d.t.Hops[i-1].Kind == KindAssumeRole && h.Kind == KindAssumeRole && next.Kind == KindStatic &&
					next.Profile == h.Profile && d.inv.get(h.Profile, "source_profile") != h.Profile {
					return h.Profile, true
				}
			}
			return "", false
		},
	},
	{
		ID:    "role-arn-with-own-keys",
		Title: "role_arn and static keys in one profile, without source_profile",
		Shape: "a profile has role_arn and aws_access_key_id/aws_secret_access_key, but neither source_profile nor credential_source",
		Example: Example{
			Config:      "[profile app]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nregion = us-east-1\n",
			Credentials: "[app]\n" + builderKeys,
			Env:         []string{"AWS_PROFILE=app"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, AssumeRole: 1, Identity: prodAdmin,
				Does: "assumes the role with the profile's own keys"},
			{SDKs: botocoreSDKs, Tested: true, Fails: "Partial credentials found in assume-role, missing: source_profile or credential_source",
				Does: "refuses the profile: partial credentials found in assume-role, missing source_profile or credential_source"},
			{SDKs: []SDK{SDKJS}, Tested: true, Identity: userBuilder,
				Does: "ignores role_arn and calls AWS as the keys' IAM user"},
			{SDKs: []SDK{SDKJava}, Does: "ignores role_arn without a source and uses the keys (" + notTested + ")"},
			{SDKs: []SDK{SDKDotNet}, Does: notChecked},
		},
		Fix:   "add \"source_profile = <the profile itself>\" to assume the role with its own keys (every SDK accepts that), or remove role_arn",
		Cause: "profile_settings_conflict",
		detect: func(d *detection) (string, bool) {
			for i := 0; i+1 < len(d.t.Hops); i++ {
				h, next := d.t.Hops[i], d.t.Hops[i+1]
				if h.Kind == KindAssumeRole && next.Kind == KindStatic && next.Profile == h.Profile &&
					d.inv.get(h.Profile, "source_profile") == "" && d.inv.get(h.Profile, "credential_source") == "" {
					return h.Profile, true
				}
			}
			return "", false
		},
	},
	{
		ID:    "web-identity-profile-with-keys",
		Title: "web_identity_token_file and static keys in one profile",
		Shape: "a profile has role_arn and web_identity_token_file, and also aws_access_key_id/aws_secret_access_key",
		Example: Example{
			Config:      "[profile app]\nrole_arn = arn:aws:iam::111111111111:role/ReadOnly\nweb_identity_token_file = $TOKEN_FILE\nrole_session_name = ci\nregion = us-east-1\n",
			Credentials: "[app]\n" + builderKeys,
			Env:         []string{"AWS_PROFILE=app"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, AssumeRole: 1, Identity: webIdentityCI,
				Does: "signs AssumeRole with the static keys; the web identity token is never read"},
			{SDKs: botocoreSDKs, Tested: true, WebIdentity: 1, Identity: webIdentityCI,
				Does: "calls AssumeRoleWithWebIdentity with the token; the keys are ignored"},
			{SDKs: []SDK{SDKJS}, Tested: true, Identity: userBuilder,
				Does: "uses the static keys as they are: no role at all"},
			{SDKs: []SDK{SDKJava}, Does: "role_arn with web_identity_token_file comes first: web identity (" + notTested + ")"},
			{SDKs: []SDK{SDKDotNet}, Does: notChecked},
		},
		Fix: "remove the static keys from the web identity profile",
		detect: func(d *detection) (string, bool) {
			return d.anyProfile(func(p string) bool {
				return d.inv.get(p, "web_identity_token_file") != "" && d.inv.get(p, "role_arn") != "" && d.hasKeys(p)
			})
		},
	},
	{
		ID:    "process-and-static-keys",
		Title: "credential_process and static keys in one profile",
		Shape: "a profile has credential_process and also aws_access_key_id/aws_secret_access_key",
		Example: Example{
			Config: "[profile app]\n" + deployerKeys +
				"credential_process = /bin/sh -c 'echo {\\\"Version\\\":1,\\\"AccessKeyId\\\":\\\"AKIAI44QH8DHBEXAMPLE\\\",\\\"SecretAccessKey\\\":\\\"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\\\"}'\nregion = us-east-1\n",
			Env: []string{"AWS_PROFILE=app"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo, SDKJS}, Tested: true, Identity: userDeployer,
				Does: "uses the static keys; credential_process never runs"},
			{SDKs: botocoreSDKs, Tested: true, Identity: userBuilder,
				Does: "runs credential_process when the keys are in the config file (as here); uses the keys when they are in the credentials file"},
			{SDKs: []SDK{SDKJava}, Does: "runs credential_process wherever the keys are (" + notTested + ")"},
			{SDKs: []SDK{SDKDotNet}, Does: notChecked},
		},
		Fix: "keep one of the two: remove the keys, or remove credential_process",
		detect: func(d *detection) (string, bool) {
			return d.anyProfile(func(p string) bool { return d.inv.get(p, "credential_process") != "" && d.hasKeys(p) })
		},
	},
	{
		ID:    "process-and-role",
		Title: "credential_process in a role profile",
		Shape: "a profile has role_arn with source_profile, and also credential_process",
		Example: Example{
			Config:      "[profile app]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = deployer\ncredential_process = /bin/false\nregion = us-east-1\n",
			Credentials: "[deployer]\n" + deployerKeys,
			Env:         []string{"AWS_PROFILE=app"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, Fails: "only one credential type may be specified per profile",
				Does: "refuses the profile: only one credential type may be specified per profile"},
			{SDKs: []SDK{SDKBoto3, SDKCLIv1, SDKCLIv2, SDKJS}, Tested: true, AssumeRole: 1, Identity: prodAdmin,
				Does: "assumes the role from source_profile; credential_process is ignored"},
			{SDKs: []SDK{SDKJava}, AssumeRole: 1, Does: "assumes the role; credential_process is ignored (" + notTested + ")"},
			{SDKs: []SDK{SDKDotNet}, Does: notChecked},
		},
		Fix:   "remove credential_process from the role profile (or put it in a profile of its own and name that one in source_profile)",
		Cause: "profile_settings_conflict",
	},
	{
		ID:    "source-profile-and-credential-source",
		Title: "source_profile and credential_source in one profile",
		Shape: "a role profile has both source_profile and credential_source",
		Example: Example{
			Config:      "[profile app]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = deployer\ncredential_source = Ec2InstanceMetadata\nregion = us-east-1\n",
			Credentials: "[deployer]\n" + deployerKeys,
			Env:         []string{"AWS_PROFILE=app"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, Fails: "only one credential type may be specified per profile",
				Does: "refuses the profile: only one credential type may be specified per profile"},
			{SDKs: botocoreSDKs, Tested: true, Fails: "contains both source_profile and credential_source",
				Does: "refuses the profile: it contains both source_profile and credential_source"},
			{SDKs: []SDK{SDKJS}, Tested: true, Identity: instanceRole,
				Does: "does not see a role profile, skips it, and goes on down its chain: here it calls AWS as the EC2 instance role, without the role"},
			{SDKs: []SDK{SDKJava}, Does: "refuses the profile: it has both source_profile and credential_source (" + notTested + ")"},
			{SDKs: []SDK{SDKDotNet}, Does: notChecked},
		},
		Fix:   "keep one: source_profile (credentials from another profile) or credential_source (from the environment, container or instance)",
		Cause: "profile_settings_conflict",
	},
	{
		ID:    "credential-source-environment-empty",
		Title: "credential_source = Environment without keys in the environment",
		Shape: "a role profile has credential_source = Environment, and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set",
		Example: Example{
			Config: "[profile app]\nrole_arn = arn:aws:iam::222222222222:role/Admin\ncredential_source = Environment\nregion = us-east-1\n",
			Env:    []string{"AWS_PROFILE=app"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, Fails: "static credentials are empty",
				Does: "fails when it first needs credentials: static credentials are empty"},
			{SDKs: botocoreSDKs, Tested: true, Fails: "No credentials found in credential_source referenced in profile",
				Does: "fails: no credentials found in credential_source referenced in profile app"},
			{SDKs: []SDK{SDKJS}, Tested: true, Identity: instanceRole,
				Does: "skips the profile and goes on down its chain: here it calls AWS as the EC2 instance role, without the role"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix:   "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY before running the tool, or use source_profile instead",
		Cause: "no_credentials_found",
		detect: func(d *detection) (string, bool) {
			for _, h := range d.t.Hops {
				if h.Kind == KindEnv && h.Profile != "" && !h.Static.HasKeys() {
					return h.Profile, true
				}
			}
			return "", false
		},
	},
	{
		ID:    "web-identity-env-vs-role-profile",
		Title: "Web identity in the environment and a role profile in AWS_PROFILE",
		Shape: "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are set, and AWS_PROFILE names a profile with role_arn",
		Example: Example{
			Config:      "[profile app]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = deployer\nregion = us-east-1\n",
			Credentials: "[deployer]\n" + deployerKeys,
			Env:         []string{"AWS_PROFILE=app", webIDEnv, webIDRoleEnv, webIDNameEnv},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, WebIdentity: 1, Identity: webIdentityCI,
				Does: "takes the web identity from the environment; profile app is not used (only --profile would win)"},
			{SDKs: []SDK{SDKBoto3, SDKCLIv1, SDKCLIv2, SDKJS}, Tested: true, AssumeRole: 1, Identity: prodAdmin,
				Does: "assumes profile app's role; the web identity variables are not used"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix: "unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN in the shell that should use the profile, or unset AWS_PROFILE where the web identity should be used",
		detect: func(d *detection) (string, bool) {
			if d.envWebIdentity() && d.profileFromEnv() && d.inv.get(d.t.Profile, "role_arn") != "" {
				return d.t.Profile, true
			}
			return "", false
		},
	},
	{
		ID:    "web-identity-env-vs-profile",
		Title: "Web identity in the environment and a profile with credentials of its own",
		Shape: "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are set, and the selected profile (AWS_PROFILE or [default]) has keys, SSO or credential_process",
		Example: Example{
			Config:      "[profile app]\nregion = us-east-1\n",
			Credentials: "[app]\n" + builderKeys,
			Env:         []string{"AWS_PROFILE=app", webIDEnv, webIDRoleEnv, webIDNameEnv},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo, SDKBoto3, SDKCLIv1, SDKCLIv2}, Tested: true, WebIdentity: 1, Identity: webIdentityCI,
				Does: "takes the web identity from the environment"},
			{SDKs: []SDK{SDKJS}, Tested: true, Identity: userBuilder,
				Does: "uses the profile's own credentials; the web identity variables are not used"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix: "unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN, or run the tools where the profile's credentials are not in the shared files",
		detect: func(d *detection) (string, bool) {
			p := d.t.Profile
			if !d.envWebIdentity() || !d.t.ProfileExists || d.inv.get(p, "role_arn") != "" {
				return "", false
			}
			if d.hasKeys(p) || d.inv.get(p, "credential_process") != "" || d.inv.get(p, "sso_session") != "" || d.inv.get(p, "sso_start_url") != "" {
				return p, true
			}
			return "", false
		},
	},
	{
		ID:    "env-keys-beat-profile",
		Title: "Keys in the environment and a profile in AWS_PROFILE",
		Shape: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set, and so is AWS_PROFILE (no --profile)",
		Example: Example{
			Config:      "[profile app]\nregion = us-east-1\n",
			Credentials: "[app]\n" + builderKeys,
			Env:         []string{"AWS_PROFILE=app", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo, SDKBoto3, SDKCLIv1, SDKCLIv2}, Tested: true, Identity: userDeployer,
				Does: "uses the keys from the environment"},
			{SDKs: []SDK{SDKJS}, Tested: true, Identity: userBuilder,
				Does: "uses profile app (AWS_PROFILE turns its environment provider off)"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix: "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN, or unset AWS_PROFILE",
		// resolve.go reports this one as it picks the environment's keys.
		detect: func(d *detection) (string, bool) {
			if d.t.Source() == KindEnv && d.t.Hops[0].Profile == "" && d.profileFromEnv() {
				return d.t.Profile, true
			}
			return "", false
		},
	},
	{
		ID:    "aws-default-profile",
		Title: "AWS_DEFAULT_PROFILE without AWS_PROFILE",
		Shape: "AWS_DEFAULT_PROFILE is set and AWS_PROFILE is not",
		Example: Example{
			Config:      "[default]\nregion = us-east-1\n",
			Credentials: "[default]\n" + deployerKeys + "\n[builder]\n" + builderKeys,
			Env:         []string{"AWS_DEFAULT_PROFILE=builder", "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo, SDKBoto3, SDKCLIv1, SDKCLIv2}, Tested: true, Identity: userBuilder,
				Does: "uses the profile AWS_DEFAULT_PROFILE names (when it does not exist, the Go SDK quietly goes on to the container and instance credentials, and the others fail)"},
			{SDKs: []SDK{SDKJS}, Tested: true, Identity: userDeployer,
				Does: "ignores AWS_DEFAULT_PROFILE and uses [default]"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix: "export AWS_PROFILE with the same name (and unset AWS_DEFAULT_PROFILE)",
		detect: func(d *detection) (string, bool) {
			if d.t.ProfileFrom == "AWS_DEFAULT_PROFILE" && d.t.Profile != "default" {
				return d.t.Profile, true
			}
			return "", false
		},
	},
	{
		ID:    "aws-profile-missing",
		Title: "AWS_PROFILE names a profile that does not exist",
		Shape: "AWS_PROFILE is set to a name neither shared file defines",
		Example: Example{
			Config: "[default]\nregion = us-east-1\n",
			Env:    []string{"AWS_PROFILE=nope", "AWS_REGION=us-east-1"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, Fails: "failed to get shared config profile, nope",
				Does: "fails: failed to get shared config profile"},
			{SDKs: botocoreSDKs, Tested: true, Fails: "The config profile (nope) could not be found",
				Does: "fails: the config profile could not be found"},
			{SDKs: []SDK{SDKJS}, Tested: true, Identity: instanceRole,
				Does: "goes on down its chain: here it calls AWS as the EC2 instance role (in a container, the task role)"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix:   "fix the name in AWS_PROFILE (awsauth profiles lists them), or unset it",
		Cause: "profile_not_found",
	},
	{
		ID:    "partial-static-keys",
		Title: "aws_access_key_id without aws_secret_access_key",
		Shape: "a profile has one of aws_access_key_id and aws_secret_access_key but not the other",
		Example: Example{
			Config:      "[profile app]\nregion = us-east-1\n",
			Credentials: "[app]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\n",
			Env:         []string{"AWS_PROFILE=app"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, Fails: "partial credentials found for profile app",
				Does: "refuses the profile: partial credentials found"},
			{SDKs: botocoreSDKs, Tested: true, Fails: "Partial credentials found in shared-credentials-file",
				Does: "fails: partial credentials found in shared-credentials-file"},
			{SDKs: []SDK{SDKJS}, Tested: true, Identity: instanceRole,
				Does: "skips the profile and goes on down its chain: here it calls AWS as the EC2 instance role"},
			{SDKs: []SDK{SDKJava}, Does: "fails: profile property aws_secret_access_key was not configured (" + notTested + ")"},
			{SDKs: []SDK{SDKDotNet}, Does: notChecked},
		},
		Fix:   "add the missing key to the profile, or remove the one that is there",
		Cause: "profile_settings_conflict",
	},
	{
		ID:    "sso-session-and-legacy-settings",
		Title: "sso_session with different legacy sso_start_url or sso_region",
		Shape: "a profile has sso_session and also sso_start_url or sso_region that differ from the sso-session's",
		Example: Example{
			Config: "[profile app]\nsso_session = corp\nsso_start_url = https://other.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = us-east-1\n\n" +
				"[sso-session corp]\nsso_start_url = https://awsauth-demo.awsapps.com/start\nsso_region = us-east-1\n",
			Env: []string{"AWS_PROFILE=app"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, Fails: "must match sso_region in sso-session",
				Does: "refuses the profile: sso_region in the profile must match sso_region in the sso-session"},
			{SDKs: botocoreSDKs, Tested: true, Fails: "The value for sso_start_url is inconsistent between profile (https://other.awsapps.com/start) and sso-session",
				Does: "refuses the profile: the value for sso_start_url is inconsistent between profile and sso-session"},
			{SDKs: []SDK{SDKJS}, Tested: true, Identity: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_",
				Does: "uses the sso-session's settings and ignores the profile's"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix:   "remove sso_start_url and sso_region from the profile: the [sso-session] section holds them",
		Cause: "profile_settings_conflict",
		// The Go SDK loads the profile and refuses it only when it builds
		// the SSO provider; awsauth refuses it as it resolves (with file,
		// line and the fix), so this is an error row, not a warning.
	},
	{
		ID:    "js-ignores-aws-default-region",
		Title: "AWS_DEFAULT_REGION without AWS_REGION",
		Shape: "AWS_DEFAULT_REGION is set, AWS_REGION is not, and the profile's region (if any) is another",
		Example: Example{
			Config:      "[default]\nregion = eu-west-1\n",
			Credentials: "[deployer]\n" + deployerKeys,
			Env:         []string{"AWS_PROFILE=deployer", "AWS_DEFAULT_REGION=ap-southeast-2"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo, SDKBoto3, SDKCLIv1, SDKCLIv2}, Tested: true, Identity: userDeployer, Region: "ap-southeast-2",
				Does: "uses AWS_DEFAULT_REGION"},
			{SDKs: []SDK{SDKJS}, Tested: true, Fails: "Region is missing",
				Does: "ignores AWS_DEFAULT_REGION: it takes the profile's region, and fails without one (Region is missing)"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix:   "export AWS_REGION with the same value",
		Cause: "region_missing",
		detect: func(d *detection) (string, bool) {
			def := d.env.Get("AWS_DEFAULT_REGION")
			if def != "" && d.env.Get("AWS_REGION") == "" && d.t.RegionFrom != "--region" && d.inv.get(d.t.Profile, "region") != def {
				return d.t.Profile, true
			}
			return "", false
		},
	},
	{
		ID:    "botocore-region",
		Title: "AWS_REGION without a matching AWS_DEFAULT_REGION",
		Shape: "AWS_REGION is set and AWS_DEFAULT_REGION is unset or another",
		Example: Example{
			Config:      "[default]\nregion = us-east-1\n",
			Credentials: "[deployer]\n" + deployerKeys,
			Env:         []string{"AWS_PROFILE=deployer", "AWS_REGION=eu-west-1"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo, SDKCLIv2, SDKJS}, Tested: true, Identity: userDeployer, Region: "eu-west-1",
				Does: "uses AWS_REGION"},
			{SDKs: []SDK{SDKBoto3, SDKCLIv1}, Tested: true, Fails: "You must specify a region",
				Does: "ignores AWS_REGION: it takes AWS_DEFAULT_REGION, then the profile's region, and fails without one"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix:   "export AWS_DEFAULT_REGION with the same value",
		Cause: "region_missing",
		// warnings.go reports this one.
		detect: func(d *detection) (string, bool) {
			r := d.env.Get("AWS_REGION")
			if r == "" || r == d.env.Get("AWS_DEFAULT_REGION") || d.t.RegionFrom == "--region" {
				return "", false
			}
			if d.env.Get("AWS_DEFAULT_REGION") == "" && d.inv.get(d.t.Profile, "region") == r {
				return "", false
			}
			return d.t.Profile, true
		},
	},
	{
		ID:    "container-shadowed",
		Title: "Static keys in [default] and a container endpoint",
		Shape: "AWS_CONTAINER_CREDENTIALS_FULL_URI (or _RELATIVE_URI) is set, and the selected profile supplies credentials",
		Example: Example{
			Config:      "[default]\nregion = us-east-1\n",
			Credentials: "[default]\n" + builderKeys,
			Env:         []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=$META/container"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo, SDKBoto3, SDKCLIv1, SDKCLIv2, SDKJS}, Tested: true, Identity: userBuilder,
				Does: "uses the profile's keys; the container endpoint is never asked (they agree, and it surprises people)"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix: "run the tool with AWS_SHARED_CREDENTIALS_FILE=/dev/null, or remove the keys from [default] (awsauth exec does the first for you)",
		// warnings.go reports this one.
		detect: func(d *detection) (string, bool) {
			container := d.env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "" || d.env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != ""
			if container && d.t.Source() != KindContainer && d.t.Source() != KindEnv {
				return d.t.Profile, true
			}
			return "", false
		},
	},
	{
		ID:    "blank-env-keys",
		Title: "AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY set to blanks",
		Shape: "AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY holds only spaces (set but empty, they count as unset in the SDKs tested here)",
		Example: Example{
			Config:      "[default]\nregion = us-east-1\n",
			Credentials: "[default]\n" + deployerKeys,
			Env:         []string{"AWS_ACCESS_KEY_ID= ", "AWS_SECRET_ACCESS_KEY= "},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo, SDKBoto3, SDKCLIv1, SDKCLIv2, SDKJS}, Tested: true, Fails: "MissingAuthenticationToken",
				Does: "uses the blanks as keys and signs with them; AWS answers MissingAuthenticationToken. They agree; [default]'s keys are never reached"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix:   "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN",
		Cause: "invalid_client_token_id",
		detect: func(d *detection) (string, bool) {
			if d.t.Source() == KindEnv && d.t.Hops[0].Profile == "" && BlankKeys(d.t.Hops[0].Static.AccessKeyID, d.t.Hops[0].Static.SecretAccessKey) {
				return d.t.Profile, true
			}
			return "", false
		},
	},
	{
		ID:    "role-session-name",
		Title: "A role profile without role_session_name",
		Shape: "a role profile has no role_session_name (AWS_ROLE_SESSION_NAME counts only for web identity)",
		Example: Example{
			Config:      "[profile app]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = deployer\nregion = us-east-1\n",
			Credentials: "[deployer]\n" + deployerKeys,
			Env:         []string{"AWS_PROFILE=app", "AWS_ROLE_SESSION_NAME=ignored"},
		},
		Outcomes: []Outcome{
			{SDKs: []SDK{SDKGo}, Tested: true, AssumeRole: 1, Identity: prodAdmin + "aws-go-sdk-",
				Does: "names the session aws-go-sdk-<nanoseconds>"},
			{SDKs: botocoreSDKs, Tested: true, AssumeRole: 1, Identity: prodAdmin + "botocore-session-",
				Does: "names the session botocore-session-<seconds>"},
			{SDKs: []SDK{SDKJS}, Tested: true, AssumeRole: 1, Identity: prodAdmin + "aws-sdk-js-",
				Does: "names the session aws-sdk-js-<milliseconds>"},
			{SDKs: []SDK{SDKJava, SDKDotNet}, Does: notChecked},
		},
		Fix:      "set role_session_name in the profile: every SDK then uses it, and CloudTrail shows who it was",
		Quiet:    true,
		QuietWhy: "most role profiles have this shape, and it matters only to policies and CloudTrail queries that look at the session name",
	},
}

// detection is what a row's detect looks at.
type detection struct {
	t   *Trace
	inv *Inventory
	env sysenv.Env
}

func (d *detection) hasKeys(p string) bool {
	return d.inv.get(p, "aws_access_key_id") != "" && d.inv.get(p, "aws_secret_access_key") != ""
}

func (d *detection) envWebIdentity() bool {
	return d.env.Get("AWS_WEB_IDENTITY_TOKEN_FILE") != "" && d.env.Get("AWS_ROLE_ARN") != ""
}

func (d *detection) profileFromEnv() bool {
	return d.t.ProfileFrom == "AWS_PROFILE" || d.t.ProfileFrom == "AWS_DEFAULT_PROFILE"
}

// anyProfile reports the first profile of the chain for which f holds.
func (d *detection) anyProfile(f func(string) bool) (string, bool) {
	seen := map[string]bool{}
	for _, h := range d.t.Hops {
		if h.Profile != "" && !seen[h.Profile] {
			seen[h.Profile] = true
			if f(h.Profile) {
				return h.Profile, true
			}
		}
	}
	return "", false
}

// BlankKeys reports whether an access key id or secret is set to nothing
// but white space: every SDK signs with it as it is, and AWS refuses it.
func BlankKeys(id, secret string) bool {
	blank := func(s string) bool { return s != "" && strings.TrimSpace(s) == "" }
	return blank(id) || blank(secret)
}

// divergenceWarnings is a warning for each row of the table whose shape t
// has. A row another check already reported (by the same id) gets the
// SDKs' outcomes added to that warning instead.
func divergenceWarnings(t *Trace, inv *Inventory, env sysenv.Env, have ...[]Warning) []Warning {
	d := &detection{t: t, inv: inv, env: env}
	var out []Warning
	for _, row := range divergences {
		if row.Quiet || row.detect == nil {
			continue
		}
		profile, ok := row.detect(d)
		if !ok {
			continue
		}
		if enrich(have, row) {
			continue
		}
		out = append(out, row.warning(profile))
	}
	return out
}

func enrich(have [][]Warning, row Divergence) bool {
	for _, ws := range have {
		for i := range ws {
			if ws[i].ID == row.ID {
				ws[i].SDKs = row.sdkViews()
				return true
			}
		}
	}
	return false
}

// SDKView is one outcome of a divergence as a warning carries it.
type SDKView struct {
	SDKs   []SDK  `json:"sdks"`
	Does   string `json:"does"`
	Tested bool   `json:"tested"`
}

func (row Divergence) sdkViews() []SDKView {
	var out []SDKView
	for _, o := range row.Outcomes {
		if o.Does == notChecked {
			continue
		}
		out = append(out, SDKView{SDKs: o.SDKs, Does: o.Does, Tested: o.Tested})
	}
	return out
}

func (row Divergence) warning(profile string) Warning {
	var parts []string
	for _, v := range row.sdkViews() {
		names := make([]string, len(v.SDKs))
		for i, s := range v.SDKs {
			names[i] = s.Name()
		}
		parts = append(parts, fmt.Sprintf("%s: %s", strings.Join(names, ", "), v.Does))
	}
	subject := "the SDKs disagree"
	if profile != "" {
		subject = fmt.Sprintf("the SDKs disagree on profile %s", profile)
	}
	return Warning{
		ID:      row.ID,
		Message: fmt.Sprintf("%s (%s): %s", subject, lowerFirst(row.Title), strings.Join(parts, "; ")),
		Fix:     row.Fix,
		SDKs:    row.sdkViews(),
	}
}

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "AWS_") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
