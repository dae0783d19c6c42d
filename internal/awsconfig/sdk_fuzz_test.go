package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/awsauth/awsauth/internal/awsini"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// FuzzAgreesWithSDKLoader reads arbitrary config and credentials files
// with awsini and with the Go SDK's own config.LoadSharedConfigProfile,
// and holds awsini to the SDK:
//
//   - the SDK's reader crashes (on a lone quote) exactly when awsini reports
//     a lone quote, which awsauth refuses before the SDK sees the file;
//   - the SDK loads every name awsini finds, and no name awsini misses
//     (every text between brackets on any line is tried);
//   - for every name, the SDK's values (region, role_arn, the keys, the
//     sso-session's, the services' nested settings, ...) are awsini's;
//   - where the SDK refuses a profile, awsauth does too: a file awsini
//     finds a problem in is refused by Load; a profile with half a key pair
//     is marked Partial; a profile the SDK refuses for what its values
//     mean (an unknown retry_mode, source_profile without role_arn, a
//     missing sso-session, ...) is refused by Resolve, which loads every
//     profile through the SDK itself: judging values is the SDK's, not the
//     reader's, so only that outcome is checked.
func FuzzAgreesWithSDKLoader(f *testing.F) {
	f.Add("[default] # note\nregion = eu-west-1 # comment\n[profile dev]\nrole_arn = 'arn:aws:iam::1:role/x'\nsource_profile = default\n",
		"[default] ; keys\naws_access_key_id = AKIA1\naws_secret_access_key = s\n")
	f.Add("[profile a]\ns3 =\n  max_attempts = 3\n  addressing_style: path\nregion = x\n  output = json\n[services s]\ns3 =\n  endpoint_url = http://h # c\n[profile b]\nservices = s\n",
		"[a]\nregion = y\noutput = text\naws_session_token = t\n")
	f.Add("[profile default]\nregion = p\n[default]\nregion = d\n[DEFAULT]\nregion = D\n[x]\nregion = x\n", "[profile x]\naws_access_key_id = A\n[ ]\n")
	f.Fuzz(func(t *testing.T, cfgText, credsText string) {
		files := writeFiles(t, cfgText, credsText)
		cfg, creds := awsini.Parse([]byte(cfgText)), awsini.Parse([]byte(credsText))
		shared := awsini.Combine(cfg, creds)

		load := func(name string) (sc config.SharedConfig, crashed any, err error) {
			defer func() { crashed = recover() }()
			sc, err = config.LoadSharedConfigProfile(context.Background(), name, func(o *config.LoadSharedConfigOptions) {
				o.ConfigFiles = []string{files.Config}
				o.CredentialsFiles = []string{files.Credentials}
			})
			return sc, crashed, err
		}

		_, crashed, _ := load("default")
		loneQuote := hasProblem(cfg, awsini.WhyLoneQuote) || hasProblem(creds, awsini.WhyLoneQuote)
		if (crashed != nil) != loneQuote {
			t.Fatalf("the SDK's reader crashed: %v; awsini reports a lone quote: %v", crashed, loneQuote)
		}
		inv, loadErr := Load(files)
		if len(cfg.Problems)+len(creds.Problems) > 0 {
			var syn *SyntaxError
			if !errors.As(loadErr, &syn) {
				t.Fatalf("awsini finds problems (%v %v) but Load does not refuse the files: %v", cfg.Problems, creds.Problems, loadErr)
			}
		} else if loadErr != nil {
			t.Fatalf("Load: %v", loadErr)
		}
		if crashed != nil {
			return
		}

		for _, name := range shared.Names() {
			m, _ := shared.Get(name)
			sc, _, err := load(name)
			// Only the profile itself missing, not its source_profile.
			if _, ok := err.(config.SharedConfigProfileNotExistError); ok {
				t.Fatalf("awsini finds %q, the SDK does not", name)
			}
			// The SDK judges a profile's own key pair before anything else
			// but its name, and refuses a chain with a half pair anywhere.
			sdkPartial := strings.Contains(fmt.Sprint(err), "partial credentials found")
			if m.Partial != nil && name != "" && !sdkPartial {
				t.Fatalf("%q: awsini sees half a key pair, the SDK says %v", name, err)
			}
			if sdkPartial && !partialReachable(shared, name) {
				t.Fatalf("%q: the SDK says %v, awsini sees no half key pair along source_profile", name, err)
			}
			if err != nil {
				if name == "" && len(creds.Problems) == 0 {
					t.Fatalf("the SDK refuses the section without a name (%v), awsini finds no problem", err)
				}
				if loadErr == nil && awsini.IsProfile(name) {
					if _, ok := inv.Profile(name); !ok {
						t.Fatalf("%q: the SDK loads it (and refuses it: %v); the inventory does not list it", name, err)
					}
					if _, rerr := Resolve(context.Background(), Request{Profile: name, Files: files, Env: sysenv.FromMap(map[string]string{"HOME": t.TempDir()})}); rerr == nil {
						t.Fatalf("%q: the SDK refuses it (%v), Resolve does not", name, err)
					}
				}
				continue
			}
			if diff := cmp.Diff(sdkValues(sc), ourValues(shared, m), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("values of %q differ (-sdk +awsini):\n%s", name, diff)
			}
			if loadErr == nil && awsini.IsProfile(name) {
				if _, ok := inv.Profile(name); !ok {
					t.Fatalf("the SDK loads profile %q, the inventory does not list it", name)
				}
			}
		}
		for _, name := range bracketed(cfgText + "\n" + credsText) {
			if _, ok := shared.Get(name); ok {
				continue
			}
			_, _, err := load(name)
			if _, ok := err.(config.SharedConfigProfileNotExistError); !ok {
				t.Fatalf("the SDK finds %q (err %v), awsini does not", name, err)
			}
		}
	})
}

func hasProblem(f *awsini.File, why string) bool {
	for _, p := range f.Problems {
		if p.Why == why {
			return true
		}
	}
	return false
}

// partialReachable reports whether name, or a profile its source_profile
// links reach, has half a key pair.
func partialReachable(shared *awsini.Shared, name string) bool {
	for seen := map[string]bool{}; !seen[name]; {
		seen[name] = true
		m, ok := shared.Get(name)
		if !ok {
			return false
		}
		if m.Partial != nil {
			return true
		}
		name = m.Get("source_profile")
	}
	return false
}

// bracketed is every text between a [ and a later ] on a line, trimmed,
// its first run of blanks made one space, with and without a "profile "
// prefix: a superset of the names the SDK can find.
func bracketed(text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		for i := 0; i < len(line) && len(out) < 200; i++ {
			if line[i] != '[' {
				continue
			}
			for j := i + 1; j < len(line) && len(out) < 200; j++ {
				if line[j] != ']' {
					continue
				}
				s := strings.TrimSpace(line[i+1 : j])
				if k := strings.IndexAny(s, " \t"); k > 0 {
					s = s[:k] + " " + strings.TrimLeft(s[k:], " \t")
				}
				add(s)
				add(strings.TrimPrefix(s, "profile "))
			}
		}
	}
	return out
}

// loaded is what LoadSharedConfigProfile reads from a profile's own
// section, in a form both sides can fill.
type loaded struct {
	Strings         map[string]string
	Keys            [4]string // access key id, secret, session token, account id
	Duration        string
	SSOSession      *[3]string // name, region, start URL
	Services        map[string]map[string]string
	AuthPreferences []string
}

func sdkValues(sc config.SharedConfig) loaded {
	l := loaded{Strings: map[string]string{}}
	for k, v := range map[string]string{
		"role_arn": sc.RoleARN, "external_id": sc.ExternalID, "mfa_serial": sc.MFASerial, "role_session_name": sc.RoleSessionName,
		"source_profile": sc.SourceProfileName, "credential_source": sc.CredentialSource, "region": sc.Region,
		"sso_session": sc.SSOSessionName, "sso_region": sc.SSORegion, "sso_start_url": sc.SSOStartURL,
		"sso_account_id": sc.SSOAccountID, "sso_role_name": sc.SSORoleName, "credential_process": sc.CredentialProcess,
		"web_identity_token_file": sc.WebIdentityTokenFile, "ec2_metadata_service_endpoint": sc.EC2IMDSEndpoint,
		"ca_bundle": sc.CustomCABundle, "sdk_ua_app_id": sc.AppID, "endpoint_url": sc.BaseEndpoint,
		"services": sc.ServicesSectionName, "login_session": sc.LoginSession,
	} {
		if v != "" {
			l.Strings[k] = v
		}
	}
	c := sc.Credentials
	l.Keys = [4]string{c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.AccountID}
	if sc.RoleDurationSeconds != nil {
		l.Duration = sc.RoleDurationSeconds.String()
	}
	if s := sc.SSOSession; s != nil {
		l.SSOSession = &[3]string{s.Name, s.SSORegion, s.SSOStartURL}
	}
	if len(sc.Services.ServiceValues) > 0 {
		l.Services = sc.Services.ServiceValues
	}
	l.AuthPreferences = sc.AuthSchemePreference
	return l
}

// ourValues reads what sdkValues reads, from awsini's view, by the rules of
// the SDK's setFromIniSection and setFromIniSections.
func ourValues(shared *awsini.Shared, m *awsini.Merged) loaded {
	l := loaded{Strings: map[string]string{}}
	for _, k := range []string{"role_arn", "external_id", "mfa_serial", "role_session_name", "source_profile", "credential_source",
		"region", "sso_session", "sso_region", "sso_start_url", "sso_account_id", "sso_role_name", "credential_process",
		"web_identity_token_file", "ec2_metadata_service_endpoint", "ca_bundle", "sdk_ua_app_id", "endpoint_url",
		"services", "login_session"} {
		if v := m.Get(k); v != "" {
			l.Strings[k] = v
		}
	}
	if m.Get("aws_access_key_id") != "" && m.Get("aws_secret_access_key") != "" {
		l.Keys = [4]string{m.Get("aws_access_key_id"), m.Get("aws_secret_access_key"), m.Get("aws_session_token"), m.Get("aws_account_id")}
	}
	if m.Has("duration_seconds") {
		n, err := strconv.ParseInt(m.Get("duration_seconds"), 0, 64)
		if err != nil {
			n = 0
		}
		l.Duration = (time.Duration(n) * time.Second).String()
	}
	if l.Strings["source_profile"] != "" {
		// The source profile supplies the credentials.
		for _, k := range []string{"credential_source", "credential_process", "web_identity_token_file", "sso_account_id", "sso_region", "sso_role_name", "sso_start_url"} {
			delete(l.Strings, k)
		}
		l.Keys = [4]string{}
	}
	if name := l.Strings["sso_session"]; name != "" {
		l.SSOSession = &[3]string{name, "(no such section)", ""}
		if s, ok := shared.Get(awsini.SessionSection(name)); ok {
			l.SSOSession = &[3]string{name, s.Get("sso_region"), s.Get("sso_start_url")}
		}
	}
	if name := l.Strings["services"]; name != "" {
		if s, ok := shared.Get("services " + name); ok && len(s.Values) > 0 {
			l.Services = map[string]map[string]string{}
			for k, v := range s.Values {
				l.Services[k] = v.Sub
			}
		}
	}
	for _, p := range strings.Split(m.Get("auth_scheme_preference"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			l.AuthPreferences = append(l.AuthPreferences, p)
		}
	}
	return l
}
