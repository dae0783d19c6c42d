package execenv

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/awsauth/awsauth/internal/awsini"
)

// FuzzStripDefaultCredentials: whatever the file, the copy the child reads
// has no credential setting in a section the SDKs may take for the default
// profile, and every other section reads as before, value for value.
func FuzzStripDefaultCredentials(f *testing.F) {
	f.Add([]byte("[default] # note\naws_access_key_id = A\naws_secret_access_key = s\nregion = x\n[keep]\naws_access_key_id = B\n"), false)
	f.Add([]byte("[profile default]\nsso_session = corp\ns3 =\n  a = 1\n[default]\ncredential_process = x\n  --y\n  output = json\nregion = r\n"), true)
	f.Add([]byte("[DEFAULT]\r\naws_session_token = t\r\n[profile \"default\"]\r\nrole_arn = r\r\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, config bool) {
		out, removed := StripDefaultCredentials(data, config)
		in := awsini.Parse(data)
		if len(removed) == 0 {
			if !bytes.Equal(out, data) {
				t.Fatalf("nothing removed, yet the copy differs")
			}
			return
		}
		if len(in.Problems) > 0 {
			return // exec refuses such files before it gets here
		}
		got := awsini.Parse(out)
		if len(got.Problems) > 0 {
			t.Fatalf("the copy has problems the file had not: %v", got.Problems)
		}
		if len(got.Sections) != len(in.Sections) {
			t.Fatalf("%d sections, the file had %d", len(got.Sections), len(in.Sections))
		}
		which := awsini.CredentialsFile
		if config {
			which = awsini.ConfigFile
		}
		for i, was := range in.Sections {
			now := got.Sections[i]
			if now.Name != was.Name || got.Line(now.Line) != in.Line(was.Line) {
				t.Fatalf("section %d: header %q, was %q", i, got.Line(now.Line), in.Line(was.Line))
			}
			if !readAsDefault(was, which, in.Line(was.Line)) {
				if a, b := settings(was), settings(now); a != b {
					t.Fatalf("section %q changed:\n%s\nto\n%s", was.Name, a, b)
				}
				continue
			}
			// What stays was there (the copy only loses lines), and only
			// credentials and the indented settings after them go.
			had, must, has := map[string]int{}, map[string]int{}, map[string]int{}
			for _, s := range was.Settings {
				had[settings1(s)]++
				if !credentialKeys[s.Key] && !s.Indented {
					must[settings1(s)]++
				}
			}
			for _, s := range now.Settings {
				if credentialKeys[s.Key] {
					t.Fatalf("section %q keeps %s", now.Name, s.Key)
				}
				has[settings1(s)]++
			}
			for k, n := range has {
				if n > had[k] {
					t.Fatalf("section %q gained %s", now.Name, k)
				}
			}
			for k, n := range must {
				if has[k] < n {
					t.Fatalf("section %q lost %s", now.Name, k)
				}
			}
		}
	})
}

func settings(s *awsini.Section) string {
	var b bytes.Buffer
	for _, kv := range s.Settings {
		b.WriteString(settings1(kv) + "\n")
	}
	return b.String()
}

func settings1(s *awsini.Setting) string { return fmt.Sprintf("%q=%q%v", s.Key, s.Value, s.SubMap()) }
