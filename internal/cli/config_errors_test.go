package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// lines joins one config line per argument, so that a case's line numbers
// can be read off its arguments.
func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }

// keysProfile is a profile with a full set of planted secrets, appended to
// every credentials file: whatever goes wrong, none of them may be printed.
var keysProfile = lines("[keys]", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key = "+secretKey, "aws_session_token = "+sessionToken)

// rawSDKPhrases are the Go SDK's own wordings of its shared config errors;
// awsauth says what is wrong in its own words.
var rawSDKPhrases = []string{
	"error fetching config from profile", "Error using profile", "failed to load",
	"failed to get shared config profile", "failed to find SSO session section",
	"credential type", "requires role_arn", "partial credentials found",
	"only one credential type may be specified", "is configured to use SSO but is missing",
	"must match", "credential_source values must be", "unknown RetryMode", "invalid value",
	"shared config profile field", "unknown EC2 IMDS endpoint mode", "parsing error",
	"operation error", "smithy", "panic", "goroutine",
}

// TestConfigErrorsAreOurs walks every way the Go SDK's shared config loader
// and its credential provider set-up refuse a profile, and checks that
// awsauth reports each in its own words: exit 1, the file and line, the
// profile, a hint with the fix, none of the SDK's phrasing, and no secret.
// Each case is also loaded by the SDK itself, to prove it is one the SDK
// refuses (or, for the few awsauth refuses on purpose, says why).
func TestConfigErrorsAreOurs(t *testing.T) {
	cases := []struct {
		name        string
		config      string
		credentials string
		profile     string
		env         map[string]string
		// where the message points: "config" or "credentials", and the line
		// (0: the file as a whole).
		file string
		line int
		// whose setting is at fault, as the message names it.
		blame string
		// what the message and the hint must say.
		says, fix string
		// sdkAccepts says why awsauth refuses what the Go SDK lets through.
		sdkAccepts string
	}{
		{
			name:        "access key id without secret",
			credentials: lines("[B]", "aws_access_key_id = AKIAI44QH8DHBEXAMPLE", "region = us-east-1"),
			profile:     "B", file: "credentials", line: 2, blame: "B",
			says: "aws_access_key_id is set but aws_secret_access_key is not", fix: "add aws_secret_access_key",
		},
		{
			name:        "secret without access key id",
			credentials: lines("[B]", "region = us-east-1", "aws_secret_access_key = "+secretKey+"X"),
			profile:     "B", file: "credentials", line: 3, blame: "B",
			says: "aws_secret_access_key is set but aws_access_key_id is not", fix: "add aws_access_key_id",
		},
		{
			name:    "partial keys in the config file",
			config:  lines("[profile B]", "region = us-east-1", "aws_access_key_id = AKIAI44QH8DHBEXAMPLE"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: "aws_access_key_id is set but aws_secret_access_key is not", fix: "add aws_secret_access_key",
		},
		{
			name:        "partial keys in the source profile",
			config:      lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "source_profile = C"),
			credentials: lines("[C]", "aws_access_key_id = AKIAI44QH8DHBEXAMPLE"),
			profile:     "B", file: "credentials", line: 2, blame: "C",
			says: "aws_access_key_id is set but aws_secret_access_key is not", fix: "add aws_secret_access_key",
		},
		{
			name:    "source_profile names no profile",
			config:  lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "source_profile = prd", "[profile prod]", "credential_process = /bin/false"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `source_profile "prd" is not defined`, fix: `did you mean "prod"?`,
		},
		{
			name:    "source profile without credentials",
			config:  lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "source_profile = C", "[profile C]", "region = us-east-1"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `source profile "C" defines no credentials`, fix: "[profile C]",
		},
		{
			name: "source_profile loop",
			config: lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "source_profile = C",
				"[profile C]", "role_arn = arn:aws:iam::123456789012:role/S", "source_profile = B"),
			profile: "B", file: "config", line: 6, blame: "C",
			says: "source_profile loop: B -> C -> B", fix: "point source_profile of profile \"C\"",
		},
		{
			name:    "role without a source",
			config:  lines("[profile B]", "region = us-east-1", "role_arn = arn:aws:iam::123456789012:role/R"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: "role_arn is set but neither source_profile nor credential_source is", fix: "source_profile = NAME",
			sdkAccepts: "the Go SDK alone assumes the role with the instance's or container's credentials; boto3, the AWS CLI and the JS SDK refuse the profile",
		},
		{
			name:    "credential_source unknown",
			config:  lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "credential_source = Laptop"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `credential_source = "Laptop" is not one of Ec2InstanceMetadata, EcsContainer, Environment`, fix: "credential_source",
		},
		{
			name:    "credential_source in the wrong case",
			config:  lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "credential_source = ec2instancemetadata"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `credential_source = "ec2instancemetadata"`, fix: "credential_source = Ec2InstanceMetadata",
		},
		{
			name:    "credential_source EcsContainer outside a container",
			config:  lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "credential_source = EcsContainer"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set", fix: "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		},
		{
			name:    "credential_source without role_arn",
			config:  lines("[profile B]", "credential_source = Ec2InstanceMetadata"),
			profile: "B", file: "config", line: 2, blame: "B",
			says: "credential_source is set but role_arn is not", fix: "role_arn = arn:aws:iam::ACCOUNT:role/NAME",
		},
		{
			name:    "source_profile without role_arn",
			config:  lines("[profile B]", "source_profile = keys"),
			profile: "B", file: "config", line: 2, blame: "B",
			says: "source_profile is set but role_arn is not", fix: "role_arn = arn:aws:iam::ACCOUNT:role/NAME",
		},
		{
			name:    "web identity without role_arn",
			config:  lines("[profile B]", "region = us-east-1", "web_identity_token_file = /var/run/token"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: "web_identity_token_file is set but role_arn is not", fix: "role_arn = arn:aws:iam::ACCOUNT:role/NAME",
		},
		{
			name:    "two credential types",
			config:  lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "web_identity_token_file = /var/run/token", "credential_process = /bin/false"),
			profile: "B", file: "config", line: 4, blame: "B",
			says: "credential_process (line 4) and web_identity_token_file (line 3)", fix: "keep one",
		},
		{
			name: "sso_session names no section",
			config: lines("[profile B]", "sso_session = crop", "sso_account_id = 123456789012", "sso_role_name = Admin",
				"[sso-session corp]", "sso_start_url = https://example.awsapps.com/start", "sso_region = us-east-1"),
			profile: "B", file: "config", line: 2, blame: "B",
			says: `no [sso-session crop] section`, fix: `did you mean "corp"?`,
		},
		{
			name: "sso-session without start URL",
			config: lines("[profile B]", "sso_session = corp", "sso_account_id = 123456789012", "sso_role_name = Admin",
				"[sso-session corp]", "sso_region = us-east-1"),
			profile: "B", file: "config", line: 5, blame: "B",
			says: "[sso-session corp] has no sso_start_url", fix: "sso_start_url = https://",
		},
		{
			name: "sso-session without region",
			config: lines("[profile B]", "sso_session = corp", "sso_account_id = 123456789012", "sso_role_name = Admin",
				"[sso-session corp]", "sso_start_url = https://example.awsapps.com/start"),
			profile: "B", file: "config", line: 5, blame: "B",
			says: "[sso-session corp] has no sso_region", fix: "sso_region = ",
		},
		{
			name: "sso_region differs from the session's",
			config: lines("[profile B]", "sso_session = corp", "sso_region = eu-west-1", "sso_account_id = 123456789012", "sso_role_name = Admin",
				"[sso-session corp]", "sso_start_url = https://example.awsapps.com/start", "sso_region = us-east-1"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: "sso_region = eu-west-1 differs from the sso_region = us-east-1 of [sso-session corp] (line 8)", fix: "remove sso_region",
		},
		{
			name: "sso_start_url differs from the session's",
			config: lines("[profile B]", "sso_session = corp", "sso_account_id = 123456789012", "sso_role_name = Admin", "sso_start_url = https://other.awsapps.com/start",
				"[sso-session corp]", "sso_start_url = https://example.awsapps.com/start", "sso_region = us-east-1"),
			profile: "B", file: "config", line: 5, blame: "B",
			says: "sso_start_url = https://other.awsapps.com/start differs from the sso_start_url = https://example.awsapps.com/start of [sso-session corp] (line 7)", fix: "remove sso_start_url",
		},
		{
			name:    "legacy SSO incomplete",
			config:  lines("[profile B]", "sso_start_url = https://example.awsapps.com/start", "sso_account_id = 123456789012"),
			profile: "B", file: "config", line: 1, blame: "B",
			says: "legacy SSO settings are incomplete, missing sso_region and sso_role_name", fix: "aws configure sso",
		},
		{
			name:    "duration_seconds not a number",
			config:  lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "source_profile = keys", "duration_seconds = abc"),
			profile: "B", file: "config", line: 4, blame: "B",
			says: `duration_seconds = "abc" is not a whole number of seconds`, fix: "900 to 43200",
			sdkAccepts: "the Go SDK quietly asks for 15 minutes instead; the AWS CLI refuses it",
		},
		{
			name:    "duration_seconds too short",
			config:  lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "source_profile = keys", "duration_seconds = 60"),
			profile: "B", file: "config", line: 4, blame: "B",
			says: "duration_seconds = 60 is outside the 900 to 43200 seconds", fix: "900 to 43200",
			sdkAccepts: "the Go SDK quietly asks for 15 minutes instead; AWS refuses the AssumeRole call of every other SDK",
		},
		{
			name:    "ec2_metadata_service_endpoint_mode",
			config:  lines("[profile B]", "credential_process = /bin/false", "ec2_metadata_service_endpoint_mode = IPv5"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `ec2_metadata_service_endpoint_mode = "IPv5"`, fix: "IPv4 or IPv6",
		},
		{
			name:    "defaults_mode",
			config:  lines("[profile B]", "credential_process = /bin/false", "defaults_mode = turbo"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `defaults_mode = "turbo"`, fix: "standard",
		},
		{
			name:    "max_attempts",
			config:  lines("[profile B]", "credential_process = /bin/false", "max_attempts = many"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `max_attempts = "many"`, fix: "a whole number",
		},
		{
			name:    "retry_mode",
			config:  lines("[profile B]", "credential_process = /bin/false", "retry_mode = fast"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `retry_mode = "fast"`, fix: "standard or adaptive",
		},
		{
			name:    "disable_request_compression",
			config:  lines("[profile B]", "credential_process = /bin/false", "disable_request_compression = yes"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `disable_request_compression = "yes"`, fix: "true or false",
		},
		{
			name:    "disable_clock_skew_correction",
			config:  lines("[profile B]", "credential_process = /bin/false", "disable_clock_skew_correction = 1"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `disable_clock_skew_correction = "1"`, fix: "true or false",
		},
		{
			name:    "request_min_compression_size_bytes not a number",
			config:  lines("[profile B]", "credential_process = /bin/false", "request_min_compression_size_bytes = big"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `request_min_compression_size_bytes = "big"`, fix: "0 to 10485760",
		},
		{
			name:    "request_min_compression_size_bytes out of range",
			config:  lines("[profile B]", "credential_process = /bin/false", "request_min_compression_size_bytes = -1"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `request_min_compression_size_bytes = "-1"`, fix: "0 to 10485760",
		},
		{
			name:    "account_id_endpoint_mode",
			config:  lines("[profile B]", "credential_process = /bin/false", "account_id_endpoint_mode = maybe"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `account_id_endpoint_mode = "maybe"`, fix: "preferred, required or disabled",
		},
		{
			name:    "request_checksum_calculation",
			config:  lines("[profile B]", "credential_process = /bin/false", "request_checksum_calculation = never"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `request_checksum_calculation = "never"`, fix: "when_supported or when_required",
		},
		{
			name:    "response_checksum_validation",
			config:  lines("[profile B]", "credential_process = /bin/false", "response_checksum_validation = never"),
			profile: "B", file: "config", line: 3, blame: "B",
			says: `response_checksum_validation = "never"`, fix: "when_supported or when_required",
		},
		{
			name: "a bad setting in the source profile",
			config: lines("[profile B]", "role_arn = arn:aws:iam::123456789012:role/R", "source_profile = C",
				"[profile C]", "credential_process = /bin/false", "retry_mode = fast"),
			profile: "B", file: "config", line: 6, blame: "C",
			says: `retry_mode = "fast"`, fix: "standard or adaptive",
		},
		{
			name:        "a bad setting in the credentials file",
			credentials: lines("[B]", "aws_access_key_id = AKIAI44QH8DHBEXAMPLE", "aws_secret_access_key = "+secretKey, "max_attempts = lots"),
			profile:     "B", file: "credentials", line: 4, blame: "B",
			says: `max_attempts = "lots"`, fix: "a whole number",
		},
		{
			name:    "the config file is a directory",
			env:     map[string]string{"AWS_CONFIG_FILE": "DIR"},
			profile: "keys", file: "config", line: 0,
			says: "is a directory", fix: "AWS_CONFIG_FILE",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := home(t, c.config, c.credentials+keysProfile)
			aws := filepath.Join(env["HOME"], ".aws")
			files := map[string]string{"config": filepath.Join(aws, "config"), "credentials": filepath.Join(aws, "credentials")}
			for k, v := range c.env {
				if v == "DIR" {
					v = t.TempDir()
					files["config"] = v
				}
				env[k] = v
			}
			where := files[c.file]
			if c.line > 0 {
				where = fmt.Sprintf("%s:%d: profile %q", where, c.line, c.blame)
			}
			for _, args := range [][]string{
				{"status", "--profile", c.profile},
				{"status", "--offline", "--profile", c.profile},
				{"status", "--json", "--profile", c.profile},
			} {
				r := runCLI(t, env, false, args...)
				if args[1] == "--profile" {
					t.Log("\n" + r.errOut)
				}
				if r.code != ExitError {
					t.Errorf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, r.code, ExitError, r.out, r.errOut)
				}
				first, _, _ := strings.Cut(r.errOut, "\n")
				if !strings.HasPrefix(first, "awsauth: error: "+where) {
					t.Errorf("%v: the error does not start with %q:\n%s", args, "awsauth: error: "+where, r.errOut)
				}
				if !strings.Contains(first, c.says) {
					t.Errorf("%v: the error does not say %q:\n%s", args, c.says, r.errOut)
				}
				if !hasHint(r.errOut, c.fix) {
					t.Errorf("%v: no hint says %q:\n%s", args, c.fix, r.errOut)
				}
				for _, p := range rawSDKPhrases {
					if strings.Contains(r.out+r.errOut, p) {
						t.Errorf("%v: output has the SDK's own phrasing %q:\n%s", args, p, r.errOut)
					}
				}
				for _, s := range []string{secretKey, sessionToken} {
					if strings.Contains(r.out+r.errOut, s) {
						t.Errorf("%v: output carries a secret:\n%s%s", args, r.out, r.errOut)
					}
				}
			}
			sdkErr := loadWithSDK(t, files["config"], files["credentials"], c.profile, c.env)
			switch {
			case c.sdkAccepts == "" && sdkErr == nil:
				t.Errorf("the Go SDK accepts this profile, so awsauth must too (or say why not)")
			case c.sdkAccepts != "" && sdkErr != nil:
				t.Errorf("the Go SDK refuses this profile too (%v): drop sdkAccepts", sdkErr)
			}
		})
	}
}

// hasHint reports whether one of the hint: lines of stderr contains s.
func hasHint(stderr, s string) bool {
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "hint: ") && strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// loadWithSDK loads profile as the Go SDK's default chain does, with env as
// the only AWS_* variables, and returns its error.
func loadWithSDK(t *testing.T, configFile, credentialsFile, profile string, env map[string]string) error {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for k, v := range env {
		if k != "AWS_CONFIG_FILE" {
			t.Setenv(k, v)
		}
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	_, err := config.LoadDefaultConfig(context.Background(),
		config.WithSharedConfigFiles([]string{configFile}),
		config.WithSharedCredentialsFiles([]string{credentialsFile}),
		config.WithSharedConfigProfile(profile),
		config.WithRegion("us-east-1"))
	return err
}

// TestSettingsTheSDKIgnores: values the Go SDK's loader reads leniently (a
// bad boolean is false) or not at all are no error for awsauth either.
func TestSettingsTheSDKIgnores(t *testing.T) {
	for _, setting := range []string{
		"sts_regional_endpoints = bogus",
		"use_fips_endpoint = yes",
		"use_dualstack_endpoint = maybe",
		"s3_use_arn_region = 2",
		"ec2_metadata_v1_disabled = nope",
		"endpoint_discovery_enabled = sometimes",
		"services = no-such-section",
		"no_such_setting = 1",
	} {
		t.Run(setting, func(t *testing.T) {
			env := home(t, lines("[profile B]", "credential_process = /bin/false", setting), "")
			aws := filepath.Join(env["HOME"], ".aws")
			if err := loadWithSDK(t, filepath.Join(aws, "config"), filepath.Join(aws, "credentials"), "B", nil); err != nil {
				t.Fatalf("the Go SDK refuses it (%v): it belongs in TestConfigErrorsAreOurs", err)
			}
			r := runCLI(t, env, false, "status", "--offline", "--profile", "B")
			if r.code != ExitOK {
				t.Errorf("exit %d:\n%s", r.code, r.errOut)
			}
		})
	}
}
