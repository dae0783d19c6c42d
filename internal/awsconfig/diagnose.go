package awsconfig

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// This file says, in awsauth's words, why the Go SDK refused to load a
// profile. config.LoadSharedConfigProfile returns errors worded for SDK
// developers ("error fetching config from profile, B, Error using profile:
// 1, partial credentials found for profile B"), without the line at fault
// and without the fix. diagnose repeats the SDK's checks, in the SDK's
// order (setFromIniSections in aws-sdk-go-v2 config/shared_config.go), on
// the files as the SDK reads them, and reports the first that fails.

// diagnose returns the first problem the SDK's loader finds in profile, as
// an *InvalidProfileError or *ProfileNotFoundError, or nil when it finds
// none (the caller then falls back on the SDK's error).
func diagnose(inv *Inventory, profile string) error {
	v := viewOf(inv.Files)
	if v.err != nil {
		return nil
	}
	d := &diagnosis{v: v, inv: inv, visited: map[string]bool{}}
	_, err := d.visit(profile, true)
	if _, missing := err.(errNotExist); missing {
		return hiddenProfile(inv, profile)
	}
	return err
}

// hiddenProfile explains a profile that awsauth's listing finds but the
// SDK's reader does not. Both read the files by the same rules
// ([awsini]), so this is a last resort.
func hiddenProfile(inv *Inventory, profile string) error {
	file, line := inv.where(profile, "")
	return &InvalidProfileError{Profile: profile, File: file, Line: line,
		Problem: "the AWS SDKs do not read this section as the profile",
		Fix:     []string{fmt.Sprintf("check the section header: [profile %s] in %s, [%s] in %s", profile, inv.Files.Config, profile, inv.Files.Credentials)}}
}

type diagnosis struct {
	v       *sdkView
	inv     *Inventory
	visited map[string]bool
}

// errNotExist is a profile that is not there, reported by the caller that
// named it.
type errNotExist struct{}

func (errNotExist) Error() string { return "no such profile" }

// visit mirrors SharedConfig.setFromIniSections for one profile, and
// reports whether the profile, as the SDK loads it there, has credentials
// of its own (hasCredentials).
func (d *diagnosis) visit(name string, top bool) (bool, error) {
	s, ok := d.v.profile(name)
	if !ok {
		return false, errNotExist{}
	}
	if p := d.v.partialKeys(name); p != nil {
		return false, d.partial(name, p)
	}
	for _, c := range valueChecks {
		if !s.has(c.key) || c.ok(s.get(c.key)) {
			continue
		}
		f, l := s.at(c.key)
		return false, &InvalidProfileError{Profile: name, File: f, Line: l,
			Problem: fmt.Sprintf("%s = %q is not valid: it must be %s", c.key, s.get(c.key), c.want),
			Fix:     []string{fmt.Sprintf("set %s to %s on line %d of %s, or remove it", c.key, c.want, l, f)}}
	}

	// A profile met again down its own source_profile chain loses its
	// role settings: only its credentials count there.
	again := d.visited[name]
	sourceProfile := s.get("source_profile")
	if again {
		sourceProfile = ""
	} else if err := requiresRoleARN(name, s); err != nil {
		return false, err
	}
	keys := s.get("aws_access_key_id") != "" && s.get("aws_secret_access_key") != ""
	if !top && keys {
		return true, nil
	}
	d.visited[name] = true

	if err := oneCredentialType(name, s, sourceProfile); err != nil {
		return false, err
	}
	if sourceProfile != "" {
		srcHas, err := d.visit(sourceProfile, false)
		f, l := s.at("source_profile")
		if _, missing := err.(errNotExist); missing {
			return false, d.sourceNotFound(name, sourceProfile, f, l)
		}
		if err != nil {
			return false, err
		}
		if !srcHas {
			return false, &InvalidProfileError{Profile: name, File: f, Line: l,
				Problem: fmt.Sprintf("its source profile %q defines no credentials to assume %s with", sourceProfile, s.get("role_arn")),
				Fix: []string{
					fmt.Sprintf("give [profile %s] credentials (sso_session, credential_process, or keys in %s)", sourceProfile, d.v.files.Credentials),
					fmt.Sprintf("or point source_profile on line %d of %s at a profile that has them", l, f),
				}}
		}
	}
	if sess := s.get("sso_session"); sess != "" {
		if _, ok := d.v.ssoSession(sess); !ok {
			f, l := s.at("sso_session")
			return false, missingSSOSession(name, sess, f, l, d.inv.SSOSessions)
		}
	}
	return sourceProfile != "" || s.get("credential_source") != "" || s.get("credential_process") != "" ||
		s.get("web_identity_token_file") != "" || hasSSO(s) || keys, nil
}

func hasSSO(s *section) bool {
	for _, k := range []string{"sso_session", "sso_region", "sso_account_id", "sso_start_url", "sso_role_name"} {
		if s.get(k) != "" {
			return true
		}
	}
	return false
}

func (d *diagnosis) partial(name string, p *partial) error {
	section := "[profile " + name + "]"
	if p.File == d.v.files.Credentials || name == "default" {
		section = "[" + name + "]"
	}
	// Never the value: the one key present may be the secret.
	return &InvalidProfileError{Profile: name, File: p.File, Line: p.Line,
		Problem: fmt.Sprintf("%s is set but %s is not: the AWS SDKs refuse a profile with half a key", p.Present, p.Missing),
		Fix: []string{fmt.Sprintf("add %s to %s in %s, or remove %s (line %d) and take credentials from elsewhere (sso_session, credential_process)",
			p.Missing, section, p.File, p.Present, p.Line)}}
}

func (d *diagnosis) sourceNotFound(referrer, name, file string, line int) error {
	e := &ProfileNotFoundError{Name: name, From: "source_profile", Files: d.inv.Files,
		Suggestions: Nearest(name, d.inv.Names()), HaveProfiles: true,
		Referrer: referrer, File: file, Line: line}
	e.Misplaced = misplaced(d.v, name)
	return e
}

// misplaced says where a section named name is that the SDKs skip, if any.
func misplaced(v *sdkView, name string) string {
	if l := header(v.config, name); l > 0 && name != "default" {
		return fmt.Sprintf("[%s] on line %d of %s is not read as a profile: in the config file it must be [profile %s]", name, l, v.files.Config, name)
	}
	if l := header(v.credentials, "profile "+name); l > 0 {
		return fmt.Sprintf("[profile %s] on line %d of %s is not read as a profile: in the credentials file it must be [%s]", name, l, v.files.Credentials, name)
	}
	return ""
}

func missingSSOSession(profile, session, file string, line int, have []string) error {
	fix := []string{fmt.Sprintf("add an [sso-session %s] section with sso_start_url and sso_region to %s (aws configure sso-session writes one)", session, file)}
	if s := Nearest(session, have); len(s) > 0 {
		fix = append([]string{"did you mean " + quoteList(s) + "?"}, fix...)
	}
	return &InvalidProfileError{Profile: profile, File: file, Line: line,
		Problem: fmt.Sprintf("sso_session = %s, but there is no [sso-session %s] section", session, session), Fix: fix}
}

// requiresRoleARN mirrors validateCredentialsRequireARN: source_profile,
// credential_source and web_identity_token_file each need a role to assume.
func requiresRoleARN(name string, s *section) error {
	if s.get("role_arn") != "" {
		return nil
	}
	for _, k := range []string{"source_profile", "credential_source", "web_identity_token_file"} {
		if s.get(k) == "" {
			continue
		}
		f, l := s.at(k)
		return &InvalidProfileError{Profile: name, File: f, Line: l,
			Problem: fmt.Sprintf("%s is set but role_arn is not: %s only says where the credentials to assume a role come from", k, k),
			Fix:     []string{fmt.Sprintf("add \"role_arn = arn:aws:iam::ACCOUNT:role/NAME\" to [profile %s] in %s, or remove %s (line %d)", name, f, k, l)}}
	}
	return nil
}

// oneCredentialType mirrors validateCredentialType.
func oneCredentialType(name string, s *section, sourceProfile string) error {
	var set []string
	for _, k := range []string{"source_profile", "credential_source", "credential_process", "web_identity_token_file"} {
		v := s.get(k)
		if k == "source_profile" {
			v = sourceProfile
		}
		if v != "" {
			set = append(set, k)
		}
	}
	if len(set) < 2 {
		return nil
	}
	f, l := s.at(set[0])
	var where []string
	for _, k := range set {
		_, kl := s.at(k)
		where = append(where, fmt.Sprintf("%s (line %d)", k, kl))
	}
	return &InvalidProfileError{Profile: name, File: f, Line: l,
		Problem: fmt.Sprintf("sets %s: a profile takes its credentials from only one of source_profile, credential_source, credential_process and web_identity_token_file", joinAnd(where)),
		Fix: []string{
			fmt.Sprintf("keep one of them in [profile %s] of %s", name, f),
			"to assume a role with another source's credentials, put that source in a profile of its own and name it in source_profile",
		}}
}

func joinAnd(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// valueChecks are the settings the SDK's loader parses and refuses to load
// when it cannot, in the order it reads them (setFromIniSection). The SDK
// itself judges where it exports the parser.
var valueChecks = []struct {
	key  string
	ok   func(string) bool
	want string
}{
	{"ec2_metadata_service_endpoint_mode", func(v string) bool {
		var m imds.EndpointModeState
		return m.SetFromString(v) == nil
	}, "IPv4 or IPv6"},
	{"defaults_mode", func(v string) bool {
		var m aws.DefaultsMode
		return m.SetFromString(v)
	}, "standard, in-region, cross-region, mobile, auto or legacy"},
	{"max_attempts", isINIInt, "a whole number"},
	{"retry_mode", func(v string) bool {
		_, err := aws.ParseRetryMode(v)
		return err == nil
	}, "standard or adaptive"},
	{"disable_request_compression", isTrueFalse, "true or false"},
	{"disable_clock_skew_correction", isTrueFalse, "true or false"},
	{"request_min_compression_size_bytes", func(v string) bool {
		n, err := strconv.ParseInt(v, 0, 64)
		return err == nil && n >= 0 && n <= 10485760
	}, "a whole number from 0 to 10485760"},
	{"account_id_endpoint_mode", func(v string) bool {
		return v == "preferred" || v == "required" || v == "disabled"
	}, "preferred, required or disabled"},
	{"request_checksum_calculation", isChecksumMode, "when_supported or when_required"},
	{"response_checksum_validation", isChecksumMode, "when_supported or when_required"},
}

// isINIInt is the SDK's reading of an integer setting.
func isINIInt(v string) bool {
	_, err := strconv.ParseInt(v, 0, 64)
	return err == nil
}

func isTrueFalse(v string) bool { return v == "true" || v == "false" }

func isChecksumMode(v string) bool {
	v = strings.ToLower(v)
	return v == "when_supported" || v == "when_required"
}

// sdkReason is the SDK's error, for the rare failure diagnose does not
// recognise, without the SDK's framing ("error fetching config from
// profile, B, ..."), which means nothing to a person.
func sdkReason(err error) string {
	s := err.Error()
	for {
		before := s
		for _, p := range []string{"error fetching config from profile, ", "failed to load assume role ", "failed to get shared config profile, "} {
			if i := strings.Index(s, p); i >= 0 {
				rest := s[i+len(p):]
				// drop the profile name (or role) that follows
				if j := strings.Index(rest, ", "); j >= 0 {
					rest = rest[j+2:]
				}
				s = rest
			}
		}
		s = strings.TrimPrefix(s, "Error using profile: ")
		s = strings.TrimSpace(s)
		if i := strings.Index(s, ", "); i > 0 && isINIInt(s[:i]) {
			s = s[i+2:]
		}
		if i := strings.Index(s, " from shared config, "); i >= 0 && strings.HasPrefix(s, "failed to load ") {
			s = s[i+len(" from shared config, "):]
		}
		if s == before {
			break
		}
	}
	return strings.TrimSpace(s)
}
