package linefmt

import (
	"strings"
	"testing"
	"text/template"
)

var fields = []string{"Profile", "Account", "Region", "Remaining", "InExec"}

func data(inExec bool, remaining string) map[string]any {
	return map[string]any{"Profile": "prod", "Account": "123456789012", "Region": "eu-west-1", "Remaining": remaining, "InExec": inExec}
}

// goTemplate renders src with text/template, the syntax linefmt follows.
func goTemplate(t testing.TB, src string, d map[string]any) (string, error) {
	t.Helper()
	tmpl, err := template.New("x").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = tmpl.Execute(&b, d)
	return b.String(), err
}

func TestRendersLikeTextTemplate(t *testing.T) {
	formats := []string{
		``,
		`plain text`,
		`{{.Profile}}`,
		`{{ .Profile }}@{{.Region}}`,
		`{{.Profile}}{{if .Account}} {{.Account}}{{end}}{{if .Region}} {{.Region}}{{end}}{{if .Remaining}} {{.Remaining}}{{end}}`,
		`{{if .InExec}}[exec] {{end}}{{.Profile}} {{.Remaining}}`,
		`{{if .Remaining}}{{.Remaining}}{{else}}no session{{end}}`,
		`{{if .InExec}}{{if .Remaining}}a{{else}}b{{end}}{{else}}c{{end}}`,
		`{{.InExec}}`,
		"  {{- .Profile -}}  |  {{- .Region}} ",
		"{{if .Account -}}\n  {{.Account}}\n{{- end}}",
		`a } b }} c {`,
	}
	for _, src := range formats {
		for _, d := range []map[string]any{data(true, "42m"), data(false, ""), data(false, "expired")} {
			want, err := goTemplate(t, src, d)
			if err != nil {
				t.Fatalf("text/template rejects %q: %v", src, err)
			}
			f, err := Parse(src, fields)
			if err != nil {
				t.Fatalf("Parse(%q): %v", src, err)
			}
			if got := f.Execute(d); got != want {
				t.Errorf("%q with %v: got %q, text/template gives %q", src, d, got, want)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	for src, want := range map[string]string{
		`{{.Nope}}`:                       `no field ".Nope": the fields are .Profile .Account .Region .Remaining .InExec`,
		`{{.Profile`:                      "unclosed action",
		`{{if .Profile}}x`:                "{{if .Profile}} has no {{end}}",
		`x{{end}}`:                        "{{end}} without a matching {{if}}",
		`{{else}}`:                        "{{else}} without a matching {{if}}",
		`{{range .Profile}}{{end}}`:       "unsupported action {{range .Profile}}",
		`{{printf "%s" .Profile}}`:        "unsupported action",
		`{{if .Nope}}{{end}}`:             `no field ".Nope"`,
		`{{.Profile.Inner}}`:              `no field ".Profile.Inner"`,
		`{{if .Profile}}{{.Nope}}{{end}}`: `no field ".Nope"`,
	} {
		_, err := Parse(src, fields)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", src, err, want)
		}
	}
}

func TestMissingFieldIsUnset(t *testing.T) {
	f, err := Parse(`[{{.Profile}}]{{if .Region}}r{{else}}none{{end}}`, fields)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Execute(map[string]any{}); got != "[]none" {
		t.Errorf("got %q", got)
	}
}

// FuzzMatchesTextTemplate: whatever linefmt accepts, text/template accepts
// too and renders the same.
func FuzzMatchesTextTemplate(f *testing.F) {
	for _, s := range []string{`{{.Profile}}`, `{{if .InExec}}x{{else}}y{{end}}`, "{{- .Region -}} z", `{{`, `}}{{end}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		lf, err := Parse(src, fields)
		if err != nil {
			return
		}
		for _, d := range []map[string]any{data(true, "1h"), data(false, "")} {
			want, err := goTemplate(t, src, d)
			if err != nil {
				t.Fatalf("linefmt accepts %q, text/template does not: %v", src, err)
			}
			if got := lf.Execute(d); got != want {
				t.Fatalf("%q: got %q, text/template gives %q", src, got, want)
			}
		}
	})
}
