package awsini

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// flat is a file as "name@line: key=value@line ..." lines, one a section,
// and its problems as "line: why".
func flat(f *File) (sections, problems []string) {
	for _, s := range f.Sections {
		var kv []string
		for _, st := range s.Settings {
			v := st.Key + "=" + st.Value
			for _, sub := range st.Sub {
				v += " {" + sub.Key + "=" + sub.Value + "}"
			}
			kv = append(kv, v)
		}
		sections = append(sections, s.Name+": "+strings.Join(kv, " | "))
	}
	for _, p := range f.Problems {
		problems = append(problems, p.String())
	}
	return sections, problems
}

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		sections []string
		problems []string
	}{
		{name: "comment after a header", in: "[default] # note\nregion = x\n[profile a] ; note\nregion = y\n",
			sections: []string{"default: region=x", "profile a: region=y"}},
		{name: "comment lines", in: "# a\n; b\n[default]\n  # indented comment\n\t; tab comment\nregion = x\n",
			sections: []string{"default: region=x"}},
		{name: "inline comments need a blank before them", in: "[default]\nregion = x # c\noutput = y\t; c\na = b#c\nc = d;e\n",
			sections: []string{"default: region=x | output=y | a=b#c | c=d;e"}},
		{name: "names are trimmed and the first blank run is one space", in: "[ profile   dev ]\n[profile\tqa]\n[profile a  b]\n[ default ]\n",
			sections: []string{"profile dev: ", "profile qa: ", "profile a  b: ", "default: "}},
		{name: "keys are lower case, names keep their case", in: "[Default]\nRegion = X\nAWS_Access_Key_ID = K\n",
			sections: []string{"Default: region=X | aws_access_key_id=K"}},
		{name: "one pair of quotes goes", in: "[default]\na = \"x\"\nb = 'y'\nc = \"z\nd = \"\"\"\ne = `w`\nf = \"x\" # c\n",
			sections: []string{"default: a=x | b=y | c=\"z | d=\" | e=`w` | f=x"}},
		{name: "colon separates too, whichever comes first", in: "[default]\nregion: x\na = b:c\nd:e = f\n",
			sections: []string{"default: region=x | a=b:c | d=e = f"}},
		{name: "continuation lines", in: "[default]\ncredential_process = tool\n  --flag # kept\n\n  more  \nregion = x\n",
			sections: []string{"default: credential_process=tool\n--flag # kept\nmore   | region=x"}},
		{name: "nested settings under an empty value", in: "[default]\ns3 =\n  max_attempts = 3\n\n  addressing_style: path # kept\n  max_attempts = \"4\"\nregion = x\n",
			sections: []string{"default: s3= {max_attempts=3} {addressing_style=path # kept} {max_attempts=4} | region=x"}},
		{name: "an indented setting after a value is a setting", in: "[default]\nregion = x\n  output = json # c\n",
			sections: []string{"default: region=x | output=json"}},
		{name: "an indented setting first in a section is a setting", in: "[default]\n  region = x\n  output = y\n",
			sections: []string{"default: region=x | output=y"}},
		{name: "a promoted empty setting takes nested settings", in: "[default]\nregion = x\n  s3 =\n    a = 1\n",
			sections: []string{"default: region=x | s3= {a=1}"}},
		{name: "CRLF", in: "[default]\r\nregion = x\r\ns3 =\r\n  a = 1\r\n",
			sections: []string{"default: region=x | s3= {a=1}"}},
		{name: "carriage returns with only blanks after them", in: "[default]\r\r\nregion = x\r \r\n\r\r\n",
			sections: []string{"default: region=x"}},
		{name: "duplicates stay apart", in: "[a]\nk = 1\n[a]\nk = 2\n",
			sections: []string{"a: k=1", "a: k=2"}},

		{name: "lone quote", in: "[default]\nregion = \"\ns3 =\n  a = '\n",
			sections: []string{"default: region=\" | s3= {a='}"},
			problems: []string{"line 2: " + WhyLoneQuote, "line 4: " + WhyLoneQuote}},
		{name: "unclosed header", in: "[default]\n[profile b\nregion = x\n",
			sections: []string{"default: region=x"},
			problems: []string{"line 2: " + WhyUnclosedHeader}},
		{name: "comment character inside a header", in: "[default]\n[profile a#b]\nregion = x\n",
			sections: []string{"default: region=x"},
			problems: []string{"line 2: " + WhyCommentInHeader}},
		{name: "text after a header", in: "[default]x\n\v[a] = b\n",
			problems: []string{"line 1: " + WhyTextAfterHeader, "line 2: " + WhyTextAfterHeader}},
		{name: "header without a name", in: "[ ]\nregion = x\n",
			sections: []string{": "},
			problems: []string{"line 1: " + WhyEmptyHeader}},
		{name: "before any section", in: "region = x\n  k = v\n  text\n[default]\n",
			sections: []string{"default: "},
			problems: []string{"line 1: " + WhyOutsideSection, "line 2: " + WhyOutsideSection, "line 3: " + WhyNotINI}},
		{name: "neither header nor setting", in: "[default]\njust words\n",
			sections: []string{"default: "},
			problems: []string{"line 2: " + WhyNotINI}},
		{name: "no key", in: "[default]\n= x\n",
			sections: []string{"default: =x"},
			problems: []string{"line 2: " + WhyNoKey}},
		{name: "continuation of nothing", in: "[default]\n  text\ns3 =\n  more\n",
			sections: []string{"default: s3="},
			problems: []string{"line 2: " + WhyOrphanContinuation, "line 4: " + WhyOrphanContinuation}},
		{name: "byte order mark", in: "\ufeff[default]\nregion = x\n",
			problems: []string{"line 1: " + WhyByteOrderMark, "line 1: " + WhyNotINI, "line 2: " + WhyOutsideSection}},
		{name: "lone carriage return", in: "[default]\nregion = x\ry\n",
			sections: []string{"default: region=x\ry"},
			problems: []string{"line 2: " + WhyCarriageReturn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sections, problems := flat(Parse([]byte(tt.in)))
			if diff := cmp.Diff(tt.sections, sections); diff != "" {
				t.Errorf("sections (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCombineMergesDuplicates(t *testing.T) {
	f := Parse([]byte("[profile a]\nk = 1\ns3 =\n  x = 1\n[profile b]\nk = b\n[profile a]\nk = 2\ns3 =\n  y = 2\n"))
	m, ok := Combine(f, nil).Get("a")
	if !ok || m.Values["k"].Value != "2" || m.Values["k"].Line != 8 {
		t.Fatalf("k = %+v", m.Values["k"])
	}
	if diff := cmp.Diff(map[string]string{"y": "2"}, m.Values["s3"].Sub); diff != "" {
		t.Errorf("a later nested key replaces the whole value:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"profile a", "profile b"}, f.Names()); diff != "" {
		t.Errorf("names:\n%s", diff)
	}
}

func TestSettingLines(t *testing.T) {
	f := Parse([]byte("[default]\ncredential_process = a\n  b\n\n  c\ns3 =\n  x = 1\n  y = 2\nregion = r\n"))
	got := map[string][]int{}
	for _, s := range f.Sections[0].Settings {
		got[s.Key] = s.Lines()
	}
	want := map[string][]int{"credential_process": {2, 3, 5}, "s3": {6, 7, 8}, "region": {9}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestRemoveKeepsEverythingElse(t *testing.T) {
	tests := []struct {
		in     string
		remove []int
		want   string
	}{
		{"[default]\r\nkey = 1\r\nregion = x\r\n", []int{2}, "[default]\r\nregion = x\r\n"},
		{"[default]\nregion = x\nkey = 1", []int{3}, "[default]\nregion = x\n"},
		{"[default]\nkey = 1\n  more\n# mine\n", []int{2, 3}, "[default]\n# mine\n"},
		{"no newline at the end", nil, "no newline at the end"},
		{"", nil, ""},
		{"a\n\n\nb\n", []int{0, 9}, "a\n\n\nb\n"},
	}
	for _, tt := range tests {
		f := Parse([]byte(tt.in))
		f.Remove(tt.remove...)
		if got := string(f.Bytes()); got != tt.want {
			t.Errorf("%q without %v = %q, want %q", tt.in, tt.remove, got, tt.want)
		}
	}
}

func TestCombine(t *testing.T) {
	config := Parse([]byte(`[default]
region = from-default
[profile default]
region = from-profile-default
[DEFAULT]
region = upper
[bare]
region = dropped
[profile dev]
region = eu-west-1
output = json
aws_access_key_id = CFGKEY
aws_secret_access_key = cfgsecret
[profile both]
region = config
[sso-session corp]
sso_region = us-east-1
[profile sso-session corp]
sso_region = taken-over
[services s]
s3 =
  endpoint_url = http://x
`))
	creds := Parse([]byte(`[dev]
region = from-credentials
output = text
aws_session_token = lonely
aws_account_id = 1
[both]
aws_access_key_id = K
aws_secret_access_key = S
aws_session_token = T
[profile ignored]
aws_access_key_id = X
aws_secret_access_key = Y
[half]
aws_access_key_id = X
`))
	s := Combine(config, creds)
	want := []string{"DEFAULT", "both", "default", "dev", "half", "services s", "sso-session corp"}
	if diff := cmp.Diff(want, s.Names()); diff != "" {
		t.Fatalf("names (-want +got):\n%s", diff)
	}
	get := func(name, key string) string {
		m, ok := s.Get(name)
		if !ok {
			t.Fatalf("no %q", name)
		}
		return m.Get(key)
	}
	checks := []struct{ name, key, want string }{
		{"default", "region", "from-profile-default"},
		{"DEFAULT", "region", "upper"},
		{"dev", "region", "from-credentials"},            // on the SDK's list
		{"dev", "output", "json"},                        // not on it
		{"dev", "aws_session_token", ""},                 // only with the key pair
		{"dev", "aws_access_key_id", "CFGKEY"},           // the config's pair stays
		{"dev", "aws_account_id", ""},                    // not on the list either
		{"both", "aws_session_token", "T"},               // came with the pair
		{"both", "region", "config"},                     // untouched
		{"sso-session corp", "sso_region", "taken-over"}, // [profile sso-session corp] renamed over it
		{"services s", "s3", ""},                         // nested
		{"half", "aws_access_key_id", "X"},               // kept, but refused
		{"both", "aws_access_key_id", "K"},               // the pair from the credentials file
		{"dev", "aws_secret_access_key", "cfgsecret"},    // the config's pair stays
		{"sso-session corp", "sso_start_url", ""},        // the renamed section replaced it whole
		{"DEFAULT", "aws_access_key_id", ""},             // [DEFAULT] is one more profile
	}
	for _, c := range checks {
		if got := get(c.name, c.key); got != c.want {
			t.Errorf("%s %s = %q, want %q", c.name, c.key, got, c.want)
		}
	}
	if m, _ := s.Get("services s"); m.Values["s3"].Sub["endpoint_url"] != "http://x" {
		t.Errorf("services s: %+v", m.Values)
	}
	for name, want := range map[string][2]bool{"dev": {true, true}, "both": {true, true}, "half": {false, true}, "default": {true, false}} {
		m, _ := s.Get(name)
		if got := [2]bool{m.InConfig, m.InCredentials}; got != want {
			t.Errorf("%s in config, credentials = %v, want %v", name, got, want)
		}
	}
	if m, _ := s.Get("half"); m.Partial == nil || *m.Partial != (HalfPair{"aws_access_key_id", "aws_secret_access_key", CredentialsFile, 14}) {
		t.Errorf("half a key pair: %+v", m.Partial)
	}
	if m, _ := s.Get("dev"); m.Partial != nil {
		t.Errorf("dev is marked partial")
	}
}

func TestProfileName(t *testing.T) {
	tests := []struct {
		section string
		which   Which
		want    string
		ok      bool
	}{
		{"default", ConfigFile, "default", true},
		{"Default", ConfigFile, "Default", true},
		{"profile dev", ConfigFile, "dev", true},
		{"dev", ConfigFile, "dev", false},
		{"sso-session corp", ConfigFile, "sso-session corp", false},
		{"dev", CredentialsFile, "dev", true},
		{"profile dev", CredentialsFile, "", false},
	}
	for _, tt := range tests {
		got, ok := ProfileName(tt.section, tt.which)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ProfileName(%q, %v) = %q, %v; want %q, %v", tt.section, tt.which, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCombineHeaders(t *testing.T) {
	s := Combine(Parse([]byte("# c\n[profile p]\nregion = x\n[profile p]\n")), Parse([]byte("[p]\nregion = y\n[q]\n")))
	for name, want := range map[string][2]int{"p": {int(ConfigFile), 2}, "q": {int(CredentialsFile), 3}} {
		m, _ := s.Get(name)
		if got := [2]int{int(m.File), m.Line}; got != want {
			t.Errorf("%s is defined at %v, want %v", name, got, want)
		}
	}
}
