package awsconfig

import (
	"os"

	"github.com/awsauth/awsauth/internal/awsini"
)

// QuickProfile reads one profile's settings, as the Go SDK merges the two
// files, and its sso-session's, without validating the files. It serves
// `awsauth prompt`, which runs on every shell prompt and must stay within a
// few milliseconds; everything else uses [Load].
func QuickProfile(files Files, name string) (profile, session map[string]string, found bool) {
	shared := awsini.Combine(quickParse(files.Config), quickParse(files.Credentials))
	m, ok := shared.Get(name)
	if !ok || !awsini.IsProfile(name) {
		return map[string]string{}, nil, false
	}
	profile = values(m)
	if s := profile["sso_session"]; s != "" {
		if sm, ok := shared.Get(awsini.SessionSection(s)); ok {
			session = values(sm)
		} else {
			session = map[string]string{}
		}
	}
	return profile, session, true
}

// quickParse parses path, nil when it cannot be read.
func quickParse(path string) *awsini.File {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return awsini.Parse(data)
}

// QuickKind classifies settings read by [QuickProfile].
func QuickKind(settings map[string]string) Kind { return kindOfSettings(settings) }
