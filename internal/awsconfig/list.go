package awsconfig

import (
	"strings"

	"github.com/awsauth/awsauth/internal/awsini"
)

// Profile is one profile as the files define it, for listing.
type Profile struct {
	Name          string `json:"name"`
	Kind          Kind   `json:"kind"`
	Region        string `json:"region,omitempty"`
	Account       string `json:"account,omitempty"`
	Role          string `json:"role,omitempty"`
	SourceProfile string `json:"source_profile,omitempty"`
	SSOSession    string `json:"sso_session,omitempty"`
	InConfig      bool   `json:"in_config"`
	InCredentials bool   `json:"in_credentials"`
}

// Inventory is everything the shared files define, by name.
type Inventory struct {
	Files       Files
	Profiles    []Profile
	SSOSessions []string

	// settings of each profile, config file values overridden by the
	// credentials file, as the SDKs merge them.
	settings map[string]map[string]string
	// settings of each [sso-session NAME] section.
	sessionSettings map[string]map[string]string
}

// Profile returns the named profile.
func (inv *Inventory) Profile(name string) (Profile, bool) {
	for _, p := range inv.Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// Names returns the profile names, sorted.
func (inv *Inventory) Names() []string {
	names := make([]string, len(inv.Profiles))
	for i, p := range inv.Profiles {
		names[i] = p.Name
	}
	return names
}

func (inv *Inventory) get(profile, key string) string { return inv.settings[profile][key] }

// Load reads both shared files. A missing file is empty; a malformed one is a
// [SyntaxError] naming the file and line. Profiles are what the Go SDK's
// LoadSharedConfigProfile finds, with the values it reads ([awsini.Combine]).
func Load(files Files) (*Inventory, error) {
	cfg, err := parseFile(files.Config)
	if err != nil {
		return nil, err
	}
	creds, err := parseFile(files.Credentials)
	if err != nil {
		return nil, err
	}
	return inventory(files, awsini.Combine(cfg, creds)), nil
}

func inventory(files Files, shared *awsini.Shared) *Inventory {
	inv := &Inventory{Files: files, settings: map[string]map[string]string{}, sessionSettings: map[string]map[string]string{}}
	for _, name := range shared.Names() {
		m, _ := shared.Get(name)
		if session, ok := awsini.SessionName(name); ok {
			inv.SSOSessions = append(inv.SSOSessions, session)
			inv.sessionSettings[session] = values(m)
			continue
		}
		if !awsini.IsProfile(name) {
			continue // services sections
		}
		s := values(m)
		inv.settings[name] = s
		p := Profile{
			Name:          name,
			Kind:          kindOfSettings(s),
			Region:        s["region"],
			SourceProfile: s["source_profile"],
			SSOSession:    s["sso_session"],
			InConfig:      m.InConfig,
			InCredentials: m.InCredentials,
		}
		switch {
		case s["role_arn"] != "":
			p.Role = s["role_arn"]
			p.Account = accountOfARN(s["role_arn"])
		case s["sso_role_name"] != "":
			p.Role = s["sso_role_name"]
			p.Account = s["sso_account_id"]
		}
		if p.SourceProfile == "" && s["credential_source"] != "" {
			p.SourceProfile = s["credential_source"]
		}
		inv.Profiles = append(inv.Profiles, p)
	}
	return inv
}

// values are a section's settings as text.
func values(m *awsini.Merged) map[string]string {
	s := make(map[string]string, len(m.Values))
	for k, v := range m.Values {
		s[k] = v.Value
	}
	return s
}

// kindOfSettings classifies a profile by its own settings, in the order the
// Go SDK's resolveCredsFromProfile tests them. A role_arn wraps whatever the
// base is, except for web identity, which assumes the role itself.
func kindOfSettings(s map[string]string) Kind {
	if s["role_arn"] != "" && s["web_identity_token_file"] == "" {
		return KindAssumeRole
	}
	switch {
	case s["source_profile"] != "":
		return KindAssumeRole
	case s["aws_access_key_id"] != "" && s["aws_secret_access_key"] != "":
		return KindStatic
	case s["credential_source"] != "":
		return KindAssumeRole
	case s["web_identity_token_file"] != "":
		return KindWebIdentity
	case s["sso_session"] != "":
		return KindSSO
	case s["sso_start_url"] != "" || s["sso_account_id"] != "" || s["sso_role_name"] != "" || s["sso_region"] != "":
		return KindSSOLegacy
	case s["login_session"] != "":
		return KindLogin
	case s["credential_process"] != "":
		return KindProcess
	}
	return KindNone
}

// AccountOfARN returns the account id field of an ARN, or "".
func AccountOfARN(arn string) string { return accountOfARN(arn) }

// accountOfARN returns the account id field of an ARN, or "".
func accountOfARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// SSOSession returns the settings of [sso-session name].
func (inv *Inventory) SSOSession(name string) (SSOSettings, bool) {
	m, ok := inv.sessionSettings[name]
	if !ok {
		return SSOSettings{}, false
	}
	return SSOSettings{Session: name, StartURL: m["sso_start_url"], Region: m["sso_region"], Scopes: m["sso_registration_scopes"]}, true
}

// SSOFor returns the IAM Identity Center settings the chain of trace stands
// on, if any hop of it is SSO.
func SSOFor(t *Trace) (*SSOSettings, string, bool) {
	for _, h := range t.Hops {
		if h.SSO != nil {
			return h.SSO, h.Profile, true
		}
	}
	return nil, "", false
}
