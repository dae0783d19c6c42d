package cli

import (
	"bufio"
	"bytes"
	"runtime"
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

// TestUsePowerShell: the PowerShell function evaluates what use --shell
// powershell prints: keys that would win are removed, the profile is set,
// and a name with quotes stays one string (PowerShell also ends a
// single-quoted string at typographic quotes).
func TestUsePowerShell(t *testing.T) {
	env := home(t, "[profile prod]\nregion = eu-west-1\n[profile it's‘odd’]\nregion = eu-west-1\n", "")
	env["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE"
	r := runCLI(t, env, false, "use", "--shell", "powershell", "prod")
	if want := "Remove-Item Env:AWS_ACCESS_KEY_ID -ErrorAction SilentlyContinue\n$Env:AWS_PROFILE = 'prod'\n"; r.code != 0 || r.out != want {
		t.Errorf("use --shell powershell prod = %d %q, want %q\n%s", r.code, r.out, want, r.errOut)
	}
	r = runCLI(t, env, false, "use", "--shell", "powershell", "it's‘odd’")
	if want := "Remove-Item Env:AWS_ACCESS_KEY_ID -ErrorAction SilentlyContinue\n$Env:AWS_PROFILE = 'it''s‘‘odd’’'\n"; r.code != 0 || r.out != want {
		t.Errorf("a name with quotes = %d %q, want %q\n%s", r.code, r.out, want, r.errOut)
	}
	r = runCLI(t, env, false, "use", "--shell", "powershell", "--unset")
	if want := "Remove-Item Env:AWS_ACCESS_KEY_ID -ErrorAction SilentlyContinue\nRemove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue\n"; r.code != 0 || r.out != want {
		t.Errorf("use --shell powershell --unset = %d %q, want %q", r.code, r.out, want)
	}
	r = runCLI(t, env, false, "shell-init", "powershell")
	if r.code != 0 || !strings.Contains(r.out, "function awsauth {") || !strings.Contains(r.out, "use --shell powershell") {
		t.Errorf("shell-init powershell = %d:\n%s%s", r.code, r.out, r.errOut)
	}
}

// TestUseWithoutFunction: without the shell function, use prints the code
// for the shell people have on the platform (PowerShell on Windows) and
// how to install the function.
func TestUseWithoutFunction(t *testing.T) {
	env := home(t, "[profile prod]\nregion = eu-west-1\n", "")
	r := runCLI(t, env, false, "use", "prod")
	want, install := "export AWS_PROFILE='prod'\n", `eval "$(awsauth shell-init bash)"`
	if runtime.GOOS == "windows" {
		want, install = "$Env:AWS_PROFILE = 'prod'\n", "awsauth shell-init powershell | Out-String | Invoke-Expression"
	}
	if r.code != 0 || r.out != want || !strings.Contains(r.errOut, install) {
		t.Errorf("use prod = %d %q, want %q and %q on stderr:\n%s", r.code, r.out, want, install, r.errOut)
	}
}
