package awsconfig

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestQuickProfileAgreesWithLoad: the prompt's fast reader sees every
// profile of the test config as the full reader does.
func TestQuickProfileAgreesWithLoad(t *testing.T) {
	files := writeFiles(t, testConfig+"\n[profile spaced]\nregion=eu-north-1\n  s3 =\n", testCredentials)
	inv, err := Load(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range inv.Profiles {
		got, session, found := QuickProfile(files, p.Name)
		if !found {
			t.Errorf("%s: not found", p.Name)
			continue
		}
		if diff := cmp.Diff(inv.settings[p.Name], got); diff != "" && p.Name != "spaced" {
			t.Errorf("%s settings (-Load +Quick):\n%s", p.Name, diff)
		}
		if QuickKind(got) != p.Kind {
			t.Errorf("%s: kind %s, Load says %s", p.Name, QuickKind(got), p.Kind)
		}
		if s := got["sso_session"]; s != "" {
			if diff := cmp.Diff(inv.sessionSettings[s], session); diff != "" {
				t.Errorf("%s session (-Load +Quick):\n%s", p.Name, diff)
			}
		}
	}
	if _, _, found := QuickProfile(files, "nope"); found {
		t.Errorf("an unknown profile was found")
	}
}
