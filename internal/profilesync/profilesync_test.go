package profilesync

import (
	"strings"
	"testing"
)

var as = []Assignment{
	{AccountID: "111111111111", AccountName: "Dev Account", RoleName: "Admin"},
	{AccountID: "222222222222", AccountName: "prod", RoleName: "ReadOnly"},
}

func TestPlanIsIdempotentAndKeepsOutsideLines(t *testing.T) {
	current := []byte("# mine\n[default]\nregion = eu-west-1\n")
	r1, err := Plan(current, as, Options{Session: "corp", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !r1.Changed || !strings.HasPrefix(string(r1.Config), string(current)) {
		t.Fatalf("first plan:\n%s", r1.Config)
	}
	if got := strings.Join(r1.Profiles, ","); got != "dev-account-admin,prod-readonly" {
		t.Errorf("names %s", got)
	}
	r2, err := Plan(r1.Config, as, Options{Session: "corp", Region: "us-east-1"})
	if err != nil || r2.Changed {
		t.Errorf("second plan changed the file (err %v):\n%s", err, r2.Diff)
	}
	// Fewer roles: the block shrinks, the rest stays.
	r3, _ := Plan(r1.Config, as[:1], Options{Session: "corp", Region: "us-east-1"})
	if strings.Contains(string(r3.Config), "prod-readonly") || !strings.HasPrefix(string(r3.Config), string(current)) {
		t.Errorf("shrunk block:\n%s", r3.Config)
	}
	if !strings.Contains(r3.Diff, "- [profile prod-readonly]") {
		t.Errorf("diff:\n%s", r3.Diff)
	}
	// Another session's block is separate.
	r4, _ := Plan(r1.Config, as[1:], Options{Session: "other", Template: "other-{{.RoleName}}"})
	if !strings.Contains(string(r4.Config), "[profile dev-account-admin]") || !strings.Contains(string(r4.Config), "[profile other-readonly]") {
		t.Errorf("two blocks:\n%s", r4.Config)
	}
}

func TestPlanBadTemplate(t *testing.T) {
	if _, err := Plan(nil, as, Options{Session: "s", Template: "{{.Nope}}"}); err == nil {
		t.Errorf("unknown field accepted")
	}
	if _, err := Plan(nil, as, Options{Session: "s", Template: "{{"}); err == nil {
		t.Errorf("broken template accepted")
	}
}

// TestPlanSkipsProfilesAsTheSDKNamesThem: a name is taken by a profile
// outside the block as the Go SDK reads the file, comments and spacing in
// the header included; a bare [NAME] is no profile in the config file.
func TestPlanSkipsProfilesAsTheSDKNamesThem(t *testing.T) {
	current := []byte("[profile   dev-account-admin ] # mine\nregion = eu-west-1\n\n[prod-readonly]\nregion = x\n")
	r, err := Plan(current, as, Options{Session: "corp"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Skipped, ","); got != "dev-account-admin" {
		t.Errorf("skipped %q, want dev-account-admin", got)
	}
	if got := strings.Join(r.Profiles, ","); got != "prod-readonly" {
		t.Errorf("profiles %q, want prod-readonly", got)
	}
}
