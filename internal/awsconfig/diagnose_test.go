package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// sdkLoad is config.LoadSharedConfigProfile over files.
func sdkLoad(files Files, profile string) error {
	_, err := config.LoadSharedConfigProfile(context.Background(), profile, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{files.Config}
		o.CredentialsFiles = []string{files.Credentials}
	})
	return err
}

// TestValueChecksAgreeWithSDK: every value the SDK's loader refuses for a
// setting it parses, diagnose refuses, and no other.
func TestValueChecksAgreeWithSDK(t *testing.T) {
	values := []string{"", "true", "false", "TRUE", "yes", "1", "standard", "adaptive", "Standard", "IPv4", "ipv6",
		" IPv6", "IPv5", "0", "0x10", "-1", "10485760", "10485761", "2.5", "when_supported", "WHEN_REQUIRED",
		"preferred", "Preferred", "disabled", "auto", "legacy", "in-region", "turbo", `"standard"`, "'true'"}
	for _, c := range valueChecks {
		for _, v := range values {
			files := writeFiles(t, fmt.Sprintf("[profile p]\n%s = %s\n", c.key, v), "")
			inv, err := Load(files)
			if err != nil {
				t.Fatal(err)
			}
			sdkErr := sdkLoad(files, "p")
			ours := diagnose(inv, "p")
			if (sdkErr != nil) != (ours != nil) {
				t.Errorf("%s = %q: the SDK says %v, awsauth says %v", c.key, v, sdkErr, ours)
			}
		}
	}
}

// TestDiagnoseAgreesWithSDKLoader: diagnose finds a problem exactly when
// the SDK's loader fails, and then points at a line of one of the files.
func TestDiagnoseAgreesWithSDKLoader(t *testing.T) {
	cases := []struct {
		name, config, credentials, profile string
	}{
		{"static", "", "[p]\naws_access_key_id = A\naws_secret_access_key = S\n", "p"},
		{"partial in credentials", "", "[p]\naws_access_key_id = A\n", "p"},
		{"partial in config, complete in credentials", "[profile p]\naws_access_key_id = A\n", "[p]\naws_access_key_id = A\naws_secret_access_key = S\n", "p"},
		{"complete in config, partial in credentials", "[profile p]\naws_access_key_id = A\naws_secret_access_key = S\n", "[p]\naws_secret_access_key = S\n", "p"},
		{"partial, config only", "[profile p]\naws_secret_access_key = S\n", "", "p"},
		{"empty key id counts as set", "", "[p]\naws_access_key_id =\naws_secret_access_key = S\n", "p"},
		{"partial in an unrelated profile", "[profile p]\ncredential_process = x\n", "[q]\naws_access_key_id = A\n", "p"},
		{"bad value in an unrelated profile", "[profile p]\ncredential_process = x\n[profile q]\nretry_mode = x\n", "", "p"},
		{"bad value in credentials, overridden by config", "[profile p]\nretry_mode = standard\n", "[p]\nretry_mode = fast\n", "p"},
		{"bad value in credentials, not merged", "[profile p]\nregion = x\n", "[p]\ndefaults_mode = turbo\n", "p"},
		{"plain [p] in config is not a profile", "[p]\nretry_mode = fast\n[profile p]\nregion = x\n", "", "p"},
		{"[profile default] wins over [default]", "[default]\nretry_mode = fast\n[profile default]\nregion = x\n", "", "default"},
		{"[profile p] in credentials is ignored", "[profile p]\nregion = x\n", "[profile p]\naws_access_key_id = A\n", "p"},
		{"source without role", "[profile p]\nsource_profile = q\n[profile q]\ncredential_process = x\n", "", "p"},
		{"role over process", "[profile p]\nrole_arn = r\nsource_profile = q\n[profile q]\ncredential_process = x\n", "", "p"},
		{"role over nothing", "[profile p]\nrole_arn = r\nsource_profile = q\n[profile q]\nregion = x\n", "", "p"},
		{"role over missing", "[profile p]\nrole_arn = r\nsource_profile = q\n", "", "p"},
		{"self source with keys", "[profile p]\nrole_arn = r\nsource_profile = p\n", "[p]\naws_access_key_id = A\naws_secret_access_key = S\n", "p"},
		{"loop through keys", "[profile p]\nrole_arn = r\nsource_profile = q\n[profile q]\nrole_arn = r2\nsource_profile = p\n", "[p]\naws_access_key_id = A\naws_secret_access_key = S\n", "p"},
		{"loop without credentials", "[profile p]\nrole_arn = r\nsource_profile = q\n[profile q]\nrole_arn = r2\nsource_profile = p\n", "", "p"},
		{"loop back to sso", "[profile p]\nrole_arn = r\nsource_profile = q\nsso_session = s\n[profile q]\nrole_arn = r2\nsource_profile = p\n[sso-session s]\nsso_region = x\nsso_start_url = u\n", "", "p"},
		{"source with keys skips its checks", "[profile p]\nrole_arn = r\nsource_profile = q\n[profile q]\nsource_profile = z\ncredential_process = x\n", "[q]\naws_access_key_id = A\naws_secret_access_key = S\n", "p"},
		{"two types", "[profile p]\nrole_arn = r\ncredential_source = Environment\ncredential_process = x\n", "", "p"},
		{"two types in source", "[profile p]\nrole_arn = r\nsource_profile = q\n[profile q]\nrole_arn = r\nweb_identity_token_file = t\ncredential_process = x\n", "", "p"},
		{"web identity without role", "[profile p]\nweb_identity_token_file = t\n", "", "p"},
		{"empty role_arn", "[profile p]\nrole_arn =\ncredential_source = Environment\n", "", "p"},
		{"sso session missing", "[profile p]\nsso_session = s\n", "", "p"},
		{"sso session present", "[profile p]\nsso_session = s\n[sso-session s]\nsso_region = x\n", "", "p"},
		{"sso session name with spaces", "[profile p]\nsso_session = s \n[sso-session  s ]\nsso_region = x\n", "", "p"},
		{"quoted values", "[profile p]\nretry_mode = \"standard\"\nmax_attempts = '3'\n", "", "p"},
		{"nested values do not count", "[profile p]\ns3 =\n  retry_mode = fast\n", "", "p"},
		{"orphan sub-property is a setting", "[profile p]\nregion = x\n  retry_mode = fast\n", "", "p"},
		{"inline comment", "[profile p]\nretry_mode = standard # or adaptive\nmax_attempts = 3;x\n", "", "p"},
		{"upper-case key", "[profile p]\nRETRY_MODE = fast\n", "", "p"},
		{"duplicate sections merge", "[profile p]\nretry_mode = fast\n[profile p]\nretry_mode = standard\n", "", "p"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := writeFiles(t, c.config, c.credentials)
			inv, err := Load(files)
			if err != nil {
				t.Fatal(err)
			}
			sdkErr := sdkLoad(files, c.profile)
			if _, ok := inv.Profile(c.profile); !ok {
				t.Fatalf("profile %s is not listed", c.profile)
			}
			ours := diagnose(inv, c.profile)
			if (sdkErr != nil) != (ours != nil) {
				t.Fatalf("the SDK says %v, awsauth says %v", sdkErr, ours)
			}
			if ours == nil {
				return
			}
			var inval *InvalidProfileError
			var nf *ProfileNotFoundError
			switch {
			case errors.As(ours, &inval):
				if inval.File != files.Config && inval.File != files.Credentials || inval.Line < 1 {
					t.Errorf("%v: points at %s:%d", ours, inval.File, inval.Line)
				}
			case errors.As(ours, &nf):
				if nf.File != files.Config || nf.Line < 1 {
					t.Errorf("%v: points at %s:%d", ours, nf.File, nf.Line)
				}
			default:
				t.Errorf("untyped %T: %v", ours, ours)
			}
			for _, p := range sdkPhrases {
				if strings.Contains(ours.Error(), p) {
					t.Errorf("%v: the SDK's wording %q", ours, p)
				}
			}
		})
	}
}

func TestViewLines(t *testing.T) {
	files := writeFiles(t, "# c\n[profile a]\nregion = x\n\n[ profile  b ] ; note\ns3 =\n  addressing_style = path\nretry_mode = 'standard'\n  mode: x\n", "[b]\nregion = y\n")
	v := viewOf(files)
	want := map[string]map[string]setting{
		"a": {"region": {files.Config, 3, "x"}},
		"b": {"s3": {files.Config, 6, ""}, "retry_mode": {files.Config, 8, "standard"}, "mode": {files.Config, 9, "x"}, "region": {files.Credentials, 2, "y"}},
	}
	for name, keys := range want {
		s, ok := v.profile(name)
		if !ok {
			t.Fatalf("no profile %q", name)
		}
		for k, w := range keys {
			if got := s.Keys[k]; got != w {
				t.Errorf("%s %s = %+v, want %+v", name, k, got, w)
			}
		}
	}
	if s, _ := v.profile("b"); s.File != files.Config || s.Line != 5 {
		t.Errorf("profile b is at %s:%d, want %s:5", s.File, s.Line, files.Config)
	}
	if s, _ := v.profile("b"); s.has("addressing_style") {
		t.Errorf("a nested value was read as a setting")
	}
}

func TestSDKReason(t *testing.T) {
	for in, want := range map[string]string{
		"error fetching config from profile, B, Error using profile: \n 2, partial credentials found for profile B\n":  "partial credentials found for profile B",
		"error fetching config from profile, B, failed to load retry_mode from shared config, unknown RetryMode, fast": "unknown RetryMode, fast",
		"something new": "something new",
	} {
		if got := sdkReason(errors.New(in)); got != want {
			t.Errorf("sdkReason(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMisplacedProfile: a section the SDKs do not read as the profile asked
// for is pointed at, with the header it needs.
func TestMisplacedProfile(t *testing.T) {
	files := writeFiles(t, "[default]\nregion = x\n\n[B]\nregion = y\n", "[profile C]\naws_access_key_id = A\naws_secret_access_key = S\n")
	for name, want := range map[string]string{
		"B": fmt.Sprintf("[B] on line 4 of %s is not read as a profile: in the config file it must be [profile B]", files.Config),
		"C": fmt.Sprintf("[profile C] on line 1 of %s is not read as a profile: in the credentials file it must be [C]", files.Credentials),
	} {
		_, err := Resolve(context.Background(), Request{Profile: name, Files: files})
		var nf *ProfileNotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("profile %s: %v", name, err)
		}
		if got := nf.Hints(); len(got) == 0 || got[0] != want {
			t.Errorf("profile %s: hints %q, want first %q", name, got, want)
		}
	}
}
