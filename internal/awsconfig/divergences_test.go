package awsconfig

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// exampleRequest writes a row's example into a fresh directory and returns
// the request that resolves it.
func exampleRequest(t *testing.T, ex Example) Request {
	t.Helper()
	dir := t.TempDir()
	subst := strings.NewReplacer("$TOKEN_FILE", filepath.Join(dir, "token"), "$META", "http://127.0.0.1:9")
	files := Files{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	for path, text := range map[string]string{files.Config: ex.Config, files.Credentials: ex.Credentials, filepath.Join(dir, "token"): "x.y.z"} {
		if err := os.WriteFile(path, []byte(subst.Replace(text)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range ex.Env {
		env = append(env, subst.Replace(kv))
	}
	return Request{Profile: ex.Profile, Env: sysenv.FromList(env), Files: files}
}

// TestDivergenceExamples resolves each row's own example: a row that can be
// detected must warn, once, with its id and the SDKs' outcomes; a row that
// cannot is one the Go SDK (and so awsauth) refuses outright, where
// awsauth explain takes over.
func TestDivergenceExamples(t *testing.T) {
	for _, row := range Divergences() {
		t.Run(row.ID, func(t *testing.T) {
			tr, err := Resolve(context.Background(), exampleRequest(t, row.Example))
			switch {
			case row.Quiet:
				if err != nil {
					t.Fatalf("resolve: %v", err)
				}
				if i := findWarning(tr.Warnings, row.ID); i >= 0 {
					t.Errorf("quiet row warned: %+v", tr.Warnings[i])
				}
			case row.detect == nil:
				if err == nil {
					t.Fatalf("resolved to %s, but a row without detection must be one the Go SDK refuses", tr.Source())
				}
				if row.Cause == "" {
					t.Errorf("an error row names no explain cause")
				}
			default:
				if err != nil {
					t.Fatalf("resolve: %v", err)
				}
				n := 0
				for _, w := range tr.Warnings {
					if w.ID == row.ID {
						n++
						if len(w.SDKs) == 0 || w.Fix == "" || w.Message == "" {
							t.Errorf("warning without SDKs, fix or message: %+v", w)
						}
					}
				}
				if n != 1 {
					t.Errorf("%d warnings %q, want 1; warnings: %+v", n, row.ID, tr.Warnings)
				}
			}
		})
	}
}

func findWarning(ws []Warning, id string) int {
	for i, w := range ws {
		if w.ID == id {
			return i
		}
	}
	return -1
}

// TestDivergenceQuietOnCommonSetups: the everyday shapes raise no
// divergence warning.
func TestDivergenceQuietOnCommonSetups(t *testing.T) {
	ex := Example{
		Config: "[profile app]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = deployer\nrole_session_name = me\nregion = us-east-1\n\n" +
			"[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = us-east-1\n\n" +
			"[profile self]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = self\nregion = us-east-1\n\n" +
			"[profile ci]\nrole_arn = arn:aws:iam::111111111111:role/ReadOnly\nweb_identity_token_file = $TOKEN_FILE\nregion = us-east-1\n\n" +
			"[profile proc]\ncredential_process = /bin/true\nregion = us-east-1\n\n" +
			"[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
		Credentials: "[deployer]\n" + deployerKeys + "\n[self]\n" + builderKeys,
		Env:         []string{"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1"},
	}
	isRow := map[string]bool{}
	for _, row := range Divergences() {
		isRow[row.ID] = true
	}
	for _, profile := range []string{"app", "dev", "self", "ci", "proc", "deployer"} {
		ex.Profile = profile
		tr, err := Resolve(context.Background(), exampleRequest(t, ex))
		if err != nil {
			t.Fatalf("%s: %v", profile, err)
		}
		for _, w := range tr.Warnings {
			if isRow[w.ID] {
				t.Errorf("profile %s: unexpected divergence warning %s: %s", profile, w.ID, w.Message)
			}
		}
	}
}

// TestDivergenceTable keeps the table whole: stable unique ids, every SDK
// accounted for once per row, and a test or a "not tested" note for each
// outcome.
func TestDivergenceTable(t *testing.T) {
	ids := map[string]bool{}
	for _, row := range Divergences() {
		if row.ID == "" || ids[row.ID] || strings.ToLower(row.ID) != row.ID || strings.ContainsAny(row.ID, " _") {
			t.Errorf("bad or repeated id %q", row.ID)
		}
		ids[row.ID] = true
		if row.Title == "" || row.Shape == "" || row.Fix == "" {
			t.Errorf("%s: title, shape and fix are required", row.ID)
		}
		if row.Quiet && row.QuietWhy == "" {
			t.Errorf("%s: a quiet row says why", row.ID)
		}
		seen := map[SDK]int{}
		for _, o := range row.Outcomes {
			for _, s := range o.SDKs {
				seen[s]++
			}
			if o.Tested && o.Identity == "" && o.Fails == "" {
				t.Errorf("%s: a tested outcome needs an identity or an error to check: %q", row.ID, o.Does)
			}
			if !o.Tested && o.Does != notChecked && !strings.Contains(o.Does, notTested) {
				t.Errorf("%s: an untested outcome must say %q: %q", row.ID, notTested, o.Does)
			}
		}
		for _, s := range SDKs {
			if seen[s] != 1 {
				t.Errorf("%s: %s appears %d times", row.ID, s, seen[s])
			}
		}
	}
}

func TestBlankKeys(t *testing.T) {
	for _, c := range []struct {
		id, secret string
		want       bool
	}{
		{"", "", false}, {"AKIA", "s", false}, {" ", " ", true}, {"AKIA", "\t", true}, {" ", "", true},
	} {
		if got := BlankKeys(c.id, c.secret); got != c.want {
			t.Errorf("BlankKeys(%q, %q) = %v, want %v", c.id, c.secret, got, c.want)
		}
	}
}

// TestDivergenceDocsAreGenerated fails when docs/sdk-differences.md
// differs from what the table generates.
func TestDivergenceDocsAreGenerated(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "sdk-differences.md")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, DivergencesMarkdown()) {
		t.Fatalf("%s is out of date with internal/awsconfig/divergences.go: run go generate ./internal/awsconfig", path)
	}
	for _, row := range Divergences() {
		if !bytes.Contains(got, []byte(`<a id="`+row.ID+`"></a>`)) {
			t.Errorf("the page has no section for %s", row.ID)
		}
	}
}
