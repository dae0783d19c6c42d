package cli

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFuzzyFilter(t *testing.T) {
	names := []string{"prod-admin", "prod-readonly", "staging", "dev", "platform-prod"}
	tests := []struct {
		q    string
		want []string
	}{
		{"", names},
		{"prod", []string{"prod-admin", "prod-readonly", "platform-prod"}},
		{"pa", []string{"platform-prod", "prod-admin", "prod-readonly"}},
		{"stg", []string{"staging"}},
		{"xyz", []string{}},
	}
	for _, tt := range tests {
		got := FuzzyFilter(tt.q, names)
		if diff := cmp.Diff(tt.want, got); diff != "" && !(len(tt.want) == 0 && len(got) == 0) {
			t.Errorf("FuzzyFilter(%q) (-want +got):\n%s", tt.q, diff)
		}
	}
}

func TestPickProfile(t *testing.T) {
	names := []string{"prod-admin", "prod-readonly", "staging", "dev"}
	tests := []struct {
		input, want string
	}{
		{"2\n", "prod-readonly"},        // a number from the full list
		{"stag\n", "staging"},           // a filter with one match chooses it
		{"prod\n2\n", "prod-readonly"},  // filter, then a number from the filtered list
		{"zzz\nprod\n\n", "prod-admin"}, // no match: the list comes back; empty line takes the first
	}
	for _, tt := range tests {
		var out bytes.Buffer
		got, err := pickProfile(strings.NewReader(tt.input), &out, names)
		if err != nil || got != tt.want {
			t.Errorf("input %q: got %q %v, want %q\n%s", tt.input, got, err, tt.want, out.String())
		}
	}
	if _, err := pickProfile(strings.NewReader(""), &bytes.Buffer{}, names); err == nil {
		t.Errorf("end of input chose a profile")
	}
}

func TestAskMFA(t *testing.T) {
	var out bytes.Buffer
	code, err := askMFA(bufioReader("12\n123456\n"), &out, "arn:aws:iam::1:mfa/a")
	if err != nil || code != "123456" {
		t.Errorf("got %q %v", code, err)
	}
	if !strings.Contains(out.String(), "an MFA code is six digits") {
		t.Errorf("no retry message: %q", out.String())
	}
	if _, err := askMFA(bufioReader(""), &out, "s"); err == nil {
		t.Errorf("empty input gave a code")
	}
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

func TestPrintable(t *testing.T) {
	if got := printable("key\x1b[31mred\x07\nnext\u009b"); got != "key\uFFFD[31mred\uFFFD\nnext\uFFFD" {
		t.Errorf("printable: %q", got)
	}
}
