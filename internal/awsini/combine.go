package awsini

import (
	"sort"
	"strings"
)

// Which file a value comes from.
type Which int

const (
	ConfigFile Which = iota
	CredentialsFile
)

// Value is one key of a [Merged] section.
type Value struct {
	Value string
	// Sub are the nested settings; nil when there are none (and always for
	// a value taken from the credentials file over the config file's, as
	// the SDK takes only the text).
	Sub  map[string]string
	File Which
	Line int
}

// Merged is a section as LoadSharedConfigProfile finds it by name: a
// profile (without the config file's "profile " prefix), or an
// "sso-session NAME" or "services NAME" section.
type Merged struct {
	Name          string
	InConfig      bool
	InCredentials bool
	// File and Line are where the section is first defined: the config
	// file's header when both files define it.
	File Which
	Line int
	// Partial is set for a section with aws_access_key_id or
	// aws_secret_access_key but not both, in the file the SDK judges it by
	// (the credentials file's section when there is one): the SDK refuses
	// to load it.
	Partial *HalfPair
	Values  map[string]Value
}

// HalfPair is one of aws_access_key_id and aws_secret_access_key without
// the other, and where the one is set.
type HalfPair struct {
	Present, Missing string
	File             Which
	Line             int
}

// Get returns the value of key, "" when it is not set.
func (m *Merged) Get(key string) string { return m.Values[key].Value }

// Has reports whether key is set, even to "".
func (m *Merged) Has(key string) bool {
	_, ok := m.Values[key]
	return ok
}

// Shared is every section LoadSharedConfigProfile can find, by name.
type Shared struct {
	sections map[string]*Merged
}

// Get returns the section the SDK loads for name.
func (s *Shared) Get(name string) (*Merged, bool) {
	m, ok := s.sections[name]
	return m, ok
}

// Names returns every name the SDK can load, sorted: profiles and the
// "sso-session " and "services " sections.
func (s *Shared) Names() []string {
	names := make([]string, 0, len(s.sections))
	for n := range s.sections {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

const (
	profilePrefix  = "profile "
	sessionPrefix  = "sso-session "
	servicesPrefix = "services "
)

// IsProfile reports whether a name of [Shared.Names] is a profile rather
// than an sso-session or services section.
func IsProfile(name string) bool {
	return !strings.HasPrefix(name, sessionPrefix) && !strings.HasPrefix(name, servicesPrefix)
}

// SessionName returns the session of an "sso-session NAME" section name.
func SessionName(name string) (string, bool) { return strings.CutPrefix(name, sessionPrefix) }

// SessionSection is the section the SDK loads for a profile's
// sso_session value.
func SessionSection(session string) string { return sessionPrefix + strings.TrimSpace(session) }

// ProfileName is the profile a section of a file defines, as the SDK
// names it: in the config file "default" (any case) and "profile NAME";
// in the credentials file any name but "profile NAME". ok is false for a
// section the SDK drops, and for sso-session and services sections of the
// config file.
func ProfileName(section string, which Which) (string, bool) {
	if which == CredentialsFile {
		if strings.HasPrefix(section, profilePrefix) {
			return "", false
		}
		return section, true
	}
	if name, ok := strings.CutPrefix(section, profilePrefix); ok {
		return name, true
	}
	return section, strings.EqualFold(section, "default")
}

// credentialsMergeKeys are the keys mergeSections copies from the
// credentials file over a config profile's (beside the key pair).
var credentialsMergeKeys = []string{
	"role_arn", "source_profile", "credential_source", "external_id", "mfa_serial", "role_session_name",
	"region", "endpoint_discovery_enabled", "credential_process", "web_identity_token_file",
	"s3_use_arn_region", "s3_disable_multiregion_access_points", "ec2_metadata_service_endpoint_mode",
	"ec2_metadata_service_endpoint", "ec2_metadata_v1_disabled", "use_dualstack_endpoint", "use_fips_endpoint",
	"defaults_mode", "retry_mode", "ca_bundle", "duration_seconds", "max_attempts",
	"sso_session", "sso_account_id", "sso_region", "sso_role_name", "sso_start_url",
	"auth_scheme_preference", "login_session",
}

// Combine is the view LoadSharedConfigProfile takes of a config and a
// credentials file (either may be nil, for a missing file):
//
//   - In the config file, [profile NAME] is profile NAME; [default] is
//     kept under its own name in any case ([DEFAULT] is profile DEFAULT);
//     "sso-session " and "services " sections are kept; every other section
//     is dropped. [profile NAME] replaces a section already called NAME, so
//     [profile default] wins over [default] whatever their order.
//   - In the credentials file every section but [profile NAME] is kept
//     under its own name.
//   - A name in both files is the config file's section with these of the
//     credentials file's keys over it: aws_access_key_id and
//     aws_secret_access_key when both are there (aws_session_token only
//     then), and the keys of credentialsMergeKeys. Other keys there, such
//     as aws_account_id or output, are not read.
//
// The renaming runs in sorted order, as the SDK's does, which decides the
// odd cases: [profile sso-session x] replaces [sso-session x].
func Combine(config, credentials *File) *Shared {
	cfg := sections(config, ConfigFile)
	// processConfigSections
	skip := map[string]bool{}
	for _, name := range sortedKeys(cfg) {
		if skip[name] {
			continue
		}
		switch {
		case strings.HasPrefix(name, profilePrefix):
			m := cfg[name]
			delete(cfg, name)
			m.Name = strings.TrimPrefix(name, profilePrefix)
			cfg[m.Name] = m
			skip[m.Name] = true
		case strings.HasPrefix(name, sessionPrefix), strings.HasPrefix(name, servicesPrefix), strings.EqualFold(name, "default"):
		default:
			delete(cfg, name)
		}
	}
	creds := sections(credentials, CredentialsFile)
	// processCredentialsSections, then mergeSections
	for _, name := range sortedKeys(creds) {
		src := creds[name]
		if strings.HasPrefix(name, profilePrefix) {
			continue
		}
		dst, ok := cfg[name]
		if !ok {
			cfg[name] = src
			continue
		}
		dst.InCredentials = true
		dst.Partial = src.Partial
		if src.Has("aws_access_key_id") && src.Has("aws_secret_access_key") {
			mergeString(dst, src, "aws_access_key_id")
			mergeString(dst, src, "aws_secret_access_key")
			mergeString(dst, src, "aws_session_token")
		}
		for _, k := range credentialsMergeKeys {
			mergeString(dst, src, k)
		}
	}
	return &Shared{sections: cfg}
}

func mergeString(dst, src *Merged, key string) {
	if v, ok := src.Values[key]; ok {
		v.Sub = nil
		dst.Values[key] = v
	}
}

// sections is one file's sections merged by name (ini.Parse).
func sections(f *File, which Which) map[string]*Merged {
	out := map[string]*Merged{}
	if f == nil {
		return out
	}
	for _, s := range f.Sections {
		m := out[s.Name]
		if m == nil {
			m = &Merged{Name: s.Name, InConfig: which == ConfigFile, InCredentials: which == CredentialsFile, File: which, Line: s.Line, Values: map[string]Value{}}
			out[s.Name] = m
		}
		for _, kv := range s.Settings {
			m.Values[kv.Key] = Value{Value: kv.Value, Sub: kv.SubMap(), File: which, Line: kv.Line}
		}
	}
	for _, m := range out {
		for _, kv := range [][2]string{{"aws_access_key_id", "aws_secret_access_key"}, {"aws_secret_access_key", "aws_access_key_id"}} {
			if m.Has(kv[0]) && !m.Has(kv[1]) {
				m.Partial = &HalfPair{Present: kv[0], Missing: kv[1], File: which, Line: m.Values[kv[0]].Line}
			}
		}
	}
	return out
}

func sortedKeys(m map[string]*Merged) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
