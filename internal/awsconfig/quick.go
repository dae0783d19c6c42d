package awsconfig

import (
	"bufio"
	"bytes"
	"os"
	"strings"
)

// QuickProfile reads one profile's settings (config file values overridden
// by the credentials file, as the SDKs merge them) and its sso-session's,
// in one pass over each file and without validating them. It serves
// `awsauth prompt`, which runs on every shell prompt and must stay within a
// few milliseconds; everything else uses [Load].
func QuickProfile(files Files, name string) (profile, session map[string]string, found bool) {
	profile = map[string]string{}
	inConfig := scanSections(files.Config, profile, func(sec string) bool {
		if name == "default" && sec == "default" {
			return true
		}
		n, ok := strings.CutPrefix(sec, "profile ")
		return ok && strings.TrimSpace(n) == name
	})
	inCreds := scanSections(files.Credentials, profile, func(sec string) bool { return sec == name })
	if s := profile["sso_session"]; s != "" {
		session = map[string]string{}
		scanSections(files.Config, session, func(sec string) bool {
			n, ok := strings.CutPrefix(sec, "sso-session ")
			return ok && strings.TrimSpace(n) == s
		})
	}
	return profile, session, inConfig || inCreds
}

// scanSections copies the settings of the sections want picks into m, and
// reports whether any section was picked.
func scanSections(path string, m map[string]string, want func(section string) bool) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	found, in := false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[':
			in = want(strings.TrimSpace(strings.Trim(line, "[]")))
			found = found || in
		case in:
			if k, v, ok := strings.Cut(line, "="); ok {
				m[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
	}
	return found
}

// QuickKind classifies settings read by [QuickProfile].
func QuickKind(settings map[string]string) Kind { return kindOfSettings(settings) }
