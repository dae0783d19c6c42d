package awsconfig

import (
	"errors"
	"io/fs"
	"os"
	"strings"
)

// This file reads the shared files the way the Go SDK's own reader
// (aws-sdk-go-v2 config/internal/ini, and the section handling of
// config/shared_config.go) does, keeping the line of every setting, so that
// an error can point at the line at fault. It is used only once something is
// known to be wrong: resolution itself goes through the SDK.

// setting is one key of a section: its value as the SDK reads it (outer
// quotes removed), and where it is.
type setting struct {
	File  string
	Line  int
	Value string
}

// section is one [section] of a file, under the name the SDK gives it.
type section struct {
	File string
	Line int // of its first header
	Keys map[string]setting
}

func (s *section) has(key string) bool {
	if s == nil {
		return false
	}
	_, ok := s.Keys[key]
	return ok
}

// get returns the value of key, "" when it is not set.
func (s *section) get(key string) string {
	if s == nil {
		return ""
	}
	return s.Keys[key].Value
}

// at returns where key is set, or the section header when it is not.
func (s *section) at(key string) (string, int) {
	if s == nil {
		return "", 0
	}
	if st, ok := s.Keys[key]; ok {
		return st.File, st.Line
	}
	return s.File, s.Line
}

// sdkView is both shared files as the Go SDK sees them.
type sdkView struct {
	files Files
	// config holds the profiles of the config file by profile name ("B"
	// for [profile B]), and its [sso-session X] and [services X] sections
	// under their full names.
	config map[string]*section
	// credentials holds the profiles of the credentials file.
	credentials map[string]*section
	err         error // reading a file failed
}

// viewOf reads files. A missing file is empty, as it is to the SDK.
func viewOf(files Files) *sdkView {
	v := &sdkView{files: files}
	cfg, err := readSections(files.Config)
	if err != nil {
		v.err = err
	}
	creds, err := readSections(files.Credentials)
	if err != nil && v.err == nil {
		v.err = err
	}
	v.config = configSections(cfg)
	v.credentials = map[string]*section{}
	for name, s := range creds {
		// The SDK ignores [profile X] in the credentials file.
		if !strings.HasPrefix(name, "profile ") {
			v.credentials[name] = s
		}
	}
	return v
}

// configSections renames [profile X] to X, which wins over a plain [X], and
// drops the sections the SDK ignores in a config file.
func configSections(raw map[string]*section) map[string]*section {
	out := map[string]*section{}
	for name, s := range raw {
		switch {
		case strings.HasPrefix(name, "profile "):
			out[strings.TrimPrefix(name, "profile ")] = s
		case strings.HasPrefix(name, "sso-session "), strings.HasPrefix(name, "services "):
			out[name] = s
		case strings.EqualFold(name, "default"):
			if _, ok := raw["profile "+name]; !ok {
				out[name] = s
			}
		}
	}
	return out
}

// partial is a profile's aws_access_key_id without its secret, or the
// other way round, in one file.
type partial struct {
	Present, Missing string
	File             string
	Line             int
}

// partialKeys mirrors the SDK's check: it looks at each file's section on
// its own, and a profile defined in the credentials file is judged by that
// file alone.
func (v *sdkView) partialKeys(profile string) *partial {
	s := v.credentials[profile]
	if s == nil {
		s = v.config[profile]
	}
	if s == nil {
		return nil
	}
	id, secret := s.has("aws_access_key_id"), s.has("aws_secret_access_key")
	switch {
	case id && !secret:
		f, l := s.at("aws_access_key_id")
		return &partial{Present: "aws_access_key_id", Missing: "aws_secret_access_key", File: f, Line: l}
	case secret && !id:
		f, l := s.at("aws_secret_access_key")
		return &partial{Present: "aws_secret_access_key", Missing: "aws_access_key_id", File: f, Line: l}
	}
	return nil
}

// mergedKeys are the settings of the credentials file the SDK takes over a
// profile that the config file defines too; any other key of the
// credentials file is ignored in that case.
var mergedKeys = []string{
	"role_arn", "source_profile", "credential_source", "external_id", "mfa_serial", "role_session_name",
	"region", "endpoint_discovery_enabled", "credential_process", "web_identity_token_file",
	"s3_use_arn_region", "s3_disable_multiregion_access_points", "ec2_metadata_service_endpoint_mode",
	"ec2_metadata_service_endpoint", "ec2_metadata_v1_disabled", "use_dualstack_endpoint",
	"use_fips_endpoint", "defaults_mode", "retry_mode", "ca_bundle", "duration_seconds", "max_attempts",
	"sso_session", "sso_account_id", "sso_region", "sso_role_name", "sso_start_url",
	"auth_scheme_preference", "login_session",
}

// profile returns the settings of profile as the SDK merges the two files.
func (v *sdkView) profile(name string) (*section, bool) {
	cfg, inCfg := v.config[name]
	creds, inCreds := v.credentials[name]
	switch {
	case !inCfg && !inCreds:
		return nil, false
	case !inCreds:
		return cfg, true
	case !inCfg:
		return creds, true
	}
	m := &section{File: cfg.File, Line: cfg.Line, Keys: map[string]setting{}}
	for k, s := range cfg.Keys {
		m.Keys[k] = s
	}
	if creds.has("aws_access_key_id") && creds.has("aws_secret_access_key") {
		for _, k := range []string{"aws_access_key_id", "aws_secret_access_key", "aws_session_token"} {
			if s, ok := creds.Keys[k]; ok {
				m.Keys[k] = s
			}
		}
	}
	for _, k := range mergedKeys {
		if s, ok := creds.Keys[k]; ok {
			m.Keys[k] = s
		}
	}
	return m, true
}

// ssoSession returns [sso-session name] of the config file.
func (v *sdkView) ssoSession(name string) (*section, bool) {
	s, ok := v.config["sso-session "+strings.TrimSpace(name)]
	return s, ok
}

// readSections reads the sections of path under the names the SDK's reader
// gives them, with the line of each setting.
func readSections(path string) (map[string]*section, error) {
	out := map[string]*section{}
	if path == "" {
		return out, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	var cur *section
	key := "" // the last property, which sub-properties and continuations extend
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		if strings.TrimSpace(line) == "" || isINIComment(line) {
			continue
		}
		if name, ok := iniSectionName(line); ok {
			if cur = out[name]; cur == nil {
				cur = &section{File: path, Line: n, Keys: map[string]setting{}}
				out[name] = cur
			}
			key = ""
			continue
		}
		if cur == nil {
			// The SDK ignores settings before the first section.
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			k, val, ok := splitINIProperty(strings.TrimRight(trimINIComment(line), " \t"))
			if ok {
				key = strings.ToLower(k)
				cur.Keys[key] = setting{File: path, Line: n, Value: unquoteINI(val)}
			}
			continue
		}
		trimmed := strings.TrimLeft(line, " \t")
		k, val, ok := splitINIProperty(trimmed)
		switch {
		case !ok:
			// A continuation of the last setting's value.
			if s, set := cur.Keys[key]; key != "" && set && s.Value != "" {
				s.Value += "\n" + trimmed
				cur.Keys[key] = s
			}
		case key != "" && cur.Keys[key].Value == "":
			// A sub-property of key (as under "s3 ="): part of its value.
		default:
			// The SDK promotes an orphaned sub-property to a setting.
			key = strings.ToLower(k)
			cur.Keys[key] = setting{File: path, Line: n, Value: strings.TrimSpace(trimINIComment(unquoteINI(val)))}
		}
	}
	return out, nil
}

func isINIComment(line string) bool {
	t := strings.TrimLeft(line, " \t")
	return strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";")
}

// iniSectionName returns the name of a [section] header line: "type name",
// or just the name.
func iniSectionName(line string) (string, bool) {
	head, _, _ := strings.Cut(line, "#")
	head, _, _ = strings.Cut(head, ";")
	head = strings.TrimSpace(head)
	if !strings.HasPrefix(head, "[") || !strings.HasSuffix(head, "]") || len(head) < 2 {
		return "", false
	}
	inner := strings.TrimSpace(head[1 : len(head)-1])
	i := strings.IndexAny(inner, " \t")
	if i < 0 {
		return inner, true
	}
	return inner[:i] + " " + strings.TrimLeft(inner[i:], " \t"), true
}

func trimINIComment(s string) string {
	for _, c := range []string{" #", " ;", "\t#", "\t;"} {
		s, _, _ = strings.Cut(s, c)
	}
	return s
}

// splitINIProperty splits at the first = or, when it comes first, :.
func splitINIProperty(s string) (string, string, bool) {
	eq, colon := strings.Index(s, "="), strings.Index(s, ":")
	sep := "="
	if eq == -1 || colon != -1 && colon < eq {
		sep = ":"
	}
	k, v, ok := strings.Cut(s, sep)
	if !ok {
		return "", "", false
	}
	return strings.TrimSpace(k), strings.TrimSpace(v), true
}

// unquoteINI removes one pair of surrounding quotes. Unlike the SDK's reader
// it leaves a lone quote alone (checkSyntax reports that one first).
func unquoteINI(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}
