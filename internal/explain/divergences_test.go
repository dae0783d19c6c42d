package explain

import (
	"strings"
	"testing"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

// TestDivergenceErrorsAreExplained: for every shape on which some SDK
// fails (internal/awsconfig/divergences.go), explain recognises the SDK's
// error, as tests/clients saw the real SDK print it, as the row's cause.
func TestDivergenceErrorsAreExplained(t *testing.T) {
	for _, row := range awsconfig.Divergences() {
		for _, o := range row.Outcomes {
			if o.Fails == "" {
				continue
			}
			if row.Cause == "" {
				t.Errorf("%s: %v fail (%q), but the row names no explain cause", row.ID, o.SDKs, o.Fails)
				continue
			}
			if _, ok := RuleFor(Cause(row.Cause)); !ok {
				t.Errorf("%s: no explain cause %q", row.ID, row.Cause)
				continue
			}
			sc, err := ScanLog(strings.NewReader(o.Fails))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case sc.Root == nil:
				t.Errorf("%s: %v's error %q is not recognised; want %s", row.ID, o.SDKs, o.Fails, row.Cause)
			case string(sc.Root.Cause) != row.Cause:
				t.Errorf("%s: %v's error %q is explained as %s; want %s", row.ID, o.SDKs, o.Fails, sc.Root.Cause, row.Cause)
			}
		}
	}
}

// The SDKs' own messages for the shapes of the divergence table, as the
// real SDKs printed them in tests/clients (TestSDKDivergences: Go SDK v2
// config 1.33, botocore 1.43, the AWS CLI v2 2.9). They join the samples
// from public threads, so TestSamples checks them too.
func init() {
	samples = append(samples, []struct {
		cause Cause
		src   string
		text  string
	}{
		{ProfileSettingsConflict, "go-sdk-v2 process-and-role",
			"only one credential type may be specified per profile: source profile, credential source, credential process, web identity token"},
		{ProfileSettingsConflict, "boto3 source-profile-and-credential-source",
			`botocore.exceptions.InvalidConfigError: The profile "app" contains both source_profile and credential_source.`},
		{ProfileSettingsConflict, "go-sdk-v2 partial-static-keys",
			"error fetching config from profile, app, Error using profile: \n  2, partial credentials found for profile app"},
		{ProfileSettingsConflict, "aws-cli-v1 partial-static-keys",
			"Partial credentials found in shared-credentials-file, missing: aws_secret_access_key"},
		{ProfileSettingsConflict, "aws-cli-v2 role-arn-with-own-keys",
			"Partial credentials found in assume-role, missing: source_profile or credential_source"},
		{ProfileSettingsConflict, "go-sdk-v2 sso-session-and-legacy-settings",
			`sso_region in profile "app" must match sso_region in sso-session`},
		{ProfileSettingsConflict, "aws-cli-v2 sso-session-and-legacy-settings",
			"The value for sso_start_url is inconsistent between profile (https://other.awsapps.com/start) and sso-session (https://awsauth-demo.awsapps.com/start)."},
		{NoCredentialsFound, "go-sdk-v2 credential-source-environment-empty",
			"operation error STS: GetCallerIdentity, get identity: get credentials: failed to refresh cached credentials, operation error STS: AssumeRole, get identity: get credentials: static credentials are empty"},
		{NoCredentialsFound, "boto3 credential-source-environment-empty",
			"botocore.exceptions.CredentialRetrievalError: Error when retrieving credentials from Environment: No credentials found in credential_source referenced in profile app"},
		{InvalidClientTokenID, "aws-cli-v1 blank-env-keys",
			"An error occurred (MissingAuthenticationToken) when calling the GetCallerIdentity operation: Request is missing Authentication Token"},
	}...)
}
