package awsconfig

import (
	"errors"
	"io/fs"
	"os"

	"github.com/awsauth/awsauth/internal/awsini"
)

// This file gives the shared files as the Go SDK reads them ([awsini]),
// with the file and line of every setting, so that an error can point at
// the line at fault. It is used only once something is known to be wrong:
// resolution itself goes through the SDK.

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

// sdkView is both shared files as the Go SDK sees them ([awsini.Combine]).
type sdkView struct {
	files               Files
	config, credentials *awsini.File // nil for a missing file
	shared              *awsini.Shared
	err                 error // reading a file failed
}

// viewOf reads files. A missing file is empty, as it is to the SDK.
func viewOf(files Files) *sdkView {
	v := &sdkView{files: files}
	v.config, v.err = readFile(files.Config)
	var err error
	if v.credentials, err = readFile(files.Credentials); err != nil && v.err == nil {
		v.err = err
	}
	v.shared = awsini.Combine(v.config, v.credentials)
	return v
}

func readFile(path string) (*awsini.File, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return awsini.Parse(data), nil
}

func (v *sdkView) path(w awsini.Which) string {
	if w == awsini.CredentialsFile {
		return v.files.Credentials
	}
	return v.files.Config
}

// section turns m into a section with file names.
func (v *sdkView) section(m *awsini.Merged) *section {
	s := &section{File: v.path(m.File), Line: m.Line, Keys: make(map[string]setting, len(m.Values))}
	for k, val := range m.Values {
		s.Keys[k] = setting{File: v.path(val.File), Line: val.Line, Value: val.Value}
	}
	return s
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
	m, ok := v.shared.Get(profile)
	if !ok || m.Partial == nil {
		return nil
	}
	h := m.Partial
	return &partial{Present: h.Present, Missing: h.Missing, File: v.path(h.File), Line: h.Line}
}

// profile returns the settings of profile as the SDK merges the two files.
func (v *sdkView) profile(name string) (*section, bool) {
	m, ok := v.shared.Get(name)
	if !ok {
		return nil, false
	}
	return v.section(m), true
}

// ssoSession returns the [sso-session name] section the SDK loads.
func (v *sdkView) ssoSession(name string) (*section, bool) {
	return v.profile(awsini.SessionSection(name))
}

// header returns the line of the first [name] header of f, 0 when there
// is none.
func header(f *awsini.File, name string) int {
	if f == nil {
		return 0
	}
	for _, s := range f.Sections {
		if s.Name == name {
			return s.Line
		}
	}
	return 0
}
