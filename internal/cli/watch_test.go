package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/credsource"
	"github.com/awsauth/awsauth/internal/keeper"
)

// The live view's line about the watch's own credentials never shows a
// negative time, and says what to do once they have run out.
func TestCredentialsNote(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	ended := &credsource.LoginRequiredError{Why: "the SSO session has ended"}
	for _, c := range []struct {
		name string
		st   keeper.Status
		want string
	}{
		{"fresh", keeper.Status{State: keeper.Fresh, Expires: now.Add(42 * time.Minute)}, "valid 42m more"},
		{"session ended, still valid", keeper.Status{State: keeper.NeedsLogin, Expires: now.Add(5 * time.Minute), LastErr: ended}, "valid 5m more; the IAM Identity Center session has ended: log in"},
		{"session ended, expired", keeper.Status{State: keeper.Expired, Expires: now.Add(-312 * time.Second), LastErr: ended}, "expired 5m ago; log in to continue"},
		{"upstream failing, expired", keeper.Status{State: keeper.Expired, Expires: now.Add(-40 * time.Second)}, "expired 40s ago; awsauth keeps trying"},
	} {
		got := credentialsNote(c.st, now)
		if !strings.Contains(got, c.want) || strings.Contains(got, "-") {
			t.Errorf("%s: %q, want %q and no negative time", c.name, got, c.want)
		}
	}
}
