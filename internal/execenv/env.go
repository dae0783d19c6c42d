// Package execenv prepares and runs the child of `awsauth exec`: its
// environment, which points every AWS SDK at awsauth's credential endpoint
// and at nothing else, the relay of signals, and its exit status.
package execenv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/awsini"
)

// Unset are the variables that would make an SDK in the child take
// credentials from somewhere other than the endpoint, or point it at a
// different token.
var Unset = []string{
	"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY",
	"AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY",
	"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
}

// Inputs are what the child's environment is built from.
type Inputs struct {
	// Base is the parent's environment, KEY=VALUE.
	Base []string
	// Endpoint and Token are the credential endpoint's URL and secret.
	Endpoint, Token string
	Region          string
	Profile         string
	Files           awsconfig.Files
	// TempDir returns a directory for sanitised copies of the shared files.
	// It is called only when a copy is needed (most runs need none, and
	// creating a directory costs a start-up measurable time); the caller
	// removes what it created.
	TempDir func() (string, error)
}

// Plan is the child's environment, with notes on what was changed and why.
type Plan struct {
	Env   []string
	Notes []string
}

// credentialKeys are the settings that make a profile supply credentials
// itself, ahead of a container endpoint.
var credentialKeys = map[string]bool{
	"aws_access_key_id": true, "aws_secret_access_key": true, "aws_session_token": true, "aws_security_token": true,
	"role_arn": true, "source_profile": true, "credential_source": true, "web_identity_token_file": true,
	"sso_session": true, "sso_start_url": true, "sso_account_id": true, "sso_role_name": true,
	"credential_process": true, "login_session": true,
}

// Build returns the child's environment.
func Build(in Inputs) (*Plan, error) {
	m := map[string]string{}
	for _, kv := range in.Base {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	p := &Plan{}
	for _, k := range Unset {
		if _, ok := m[k]; ok {
			p.Notes = append(p.Notes, "unset "+k)
			delete(m, k)
		}
	}
	m["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = in.Endpoint
	m["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = in.Token
	if in.Region != "" {
		m["AWS_REGION"] = in.Region
		m["AWS_DEFAULT_REGION"] = in.Region
	}
	m["AWS_SDK_LOAD_CONFIG"] = "1"
	m["AWSAUTH_PROFILE"] = in.Profile

	// A [default] profile that supplies credentials comes before the
	// container endpoint in every SDK: give the child copies without them.
	for _, f := range []struct {
		path, env string
		config    bool
	}{{in.Files.Config, "AWS_CONFIG_FILE", true}, {in.Files.Credentials, "AWS_SHARED_CREDENTIALS_FILE", false}} {
		data, err := os.ReadFile(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.path, err)
		}
		clean, removed := StripDefaultCredentials(data, f.config)
		if len(removed) == 0 {
			continue
		}
		if in.TempDir == nil {
			return nil, errors.New("execenv: a temporary directory is needed to shadow [default]")
		}
		dir, err := in.TempDir()
		if err != nil {
			return nil, fmt.Errorf("create a directory for a copy of %s: %w", f.path, err)
		}
		out := filepath.Join(dir, filepath.Base(f.path))
		if err := os.WriteFile(out, clean, 0o600); err != nil {
			return nil, err
		}
		m[f.env] = out
		p.Notes = append(p.Notes, fmt.Sprintf("[default] in %s sets %s, which every SDK would use before the endpoint: the child reads a copy without them", f.path, strings.Join(removed, ", ")))
	}

	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.Env = append(p.Env, k+"="+m[k])
	}
	return p, nil
}

// StripDefaultCredentials removes the credential settings of the default
// profile from a shared config (config true) or credentials file, and
// returns the names it removed. Every other line is kept byte for byte.
//
// The default profile is the sections the Go SDK reads as it
// ([awsini.ProfileName]) and those botocore may read as it: botocore takes
// a header's text as written, splits "profile NAME" with shlex, and lends
// the keys of [DEFAULT] to every section (see package awsini). A setting
// goes with its continuation lines and nested settings, and with the
// indented settings right after it, which botocore reads as part of its
// value.
func StripDefaultCredentials(data []byte, config bool) ([]byte, []string) {
	f := awsini.Parse(data)
	which := awsini.CredentialsFile
	if config {
		which = awsini.ConfigFile
	}
	var removed []string
	seen := map[string]bool{}
	for _, sec := range f.Sections {
		if !readAsDefault(sec, which, f.Line(sec.Line)) {
			continue
		}
		dropping := false
		for _, s := range sec.Settings {
			switch {
			case credentialKeys[s.Key]:
				dropping = true
				if !seen[s.Key] {
					seen[s.Key] = true
					removed = append(removed, s.Key)
				}
			case dropping && s.Indented:
			default:
				dropping = false
				continue
			}
			f.Remove(s.Lines()...)
		}
	}
	if len(removed) == 0 {
		return data, nil
	}
	return f.Bytes(), removed
}

// readAsDefault reports whether the Go SDK or botocore may take sec, whose
// header is header, for the default profile.
func readAsDefault(sec *awsini.Section, which awsini.Which, header string) bool {
	if name, ok := awsini.ProfileName(sec.Name, which); ok && name == "default" {
		return true
	}
	// botocore: the text between the first [ and the last ] of the line.
	t := strings.TrimSpace(header)
	end := strings.LastIndexByte(t, ']')
	if !strings.HasPrefix(t, "[") || end < 2 {
		return false
	}
	name := t[1:end]
	if name == "default" || name == "DEFAULT" {
		return true
	}
	if which != awsini.ConfigFile || !strings.HasPrefix(name, "profile") {
		return false
	}
	// shlex.split, loosely: quotes and backslashes only join.
	words := strings.Fields(strings.NewReplacer(`"`, "", "'", "", `\`, "").Replace(name))
	return len(words) == 2 && words[1] == "default"
}
