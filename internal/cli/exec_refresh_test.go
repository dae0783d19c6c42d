package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/hint"
)

// TestRefreshBeforeChecked: --refresh-before must be positive and, once the
// first credentials show their lifetime, shorter than it; a usage error
// names the flag as given and the lifetime. Left out, anything goes.
func TestRefreshBeforeChecked(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var unknown time.Time
	tests := []struct {
		name     string
		flag     []string
		obtained time.Time
		expires  time.Time
		wantErr  string // "" for none
	}{
		{"left out", nil, t0, t0.Add(time.Hour), ""},
		{"left out, 40 s credentials", nil, t0, t0.Add(40 * time.Second), ""},
		{"shorter", []string{"--refresh-before", "20m"}, t0, t0.Add(time.Hour), ""},
		{"just shorter", []string{"--refresh-before", "59m59s"}, t0, t0.Add(time.Hour), ""},
		{"zero", []string{"--refresh-before", "0s"}, t0, t0.Add(time.Hour), "--refresh-before 0s is not positive: give how long before expiry to renew, such as 20m"},
		{"negative", []string{"--refresh-before=-5m"}, t0, t0.Add(time.Hour), "--refresh-before -5m is not positive: give how long before expiry to renew, such as 20m"},
		{"as long", []string{"--refresh-before", "1h"}, t0, t0.Add(time.Hour), "--refresh-before 1h is not shorter than the credentials' lifetime of 1h0m0s"},
		{"longer", []string{"--refresh-before", "2h"}, t0, t0.Add(time.Hour), "--refresh-before 2h is not shorter than the credentials' lifetime of 1h0m0s"},
		// The lifetime runs from when they were obtained: cached 40 minutes
		// ago, one-hour credentials still live an hour.
		{"cached, shorter than the lifetime", []string{"--refresh-before", "30m"}, t0.Add(-40 * time.Minute), t0.Add(20 * time.Minute), ""},
		{"cached, longer", []string{"--refresh-before", "90m"}, t0.Add(-40 * time.Minute), t0.Add(20 * time.Minute), "--refresh-before 90m is not shorter than the credentials' lifetime of 1h0m0s"},
		// Measured from before the call, the lifetime is a little long.
		{"as long, measured", []string{"--refresh-before", "1h"}, t0, t0.Add(time.Hour + 3*time.Millisecond), "--refresh-before 1h is not shorter than the credentials' lifetime of 1h0m0s"},
		{"40 s credentials", []string{"--refresh-before", "45s"}, t0, t0.Add(40 * time.Second), "--refresh-before 45s is not shorter than the credentials' lifetime of 40s"},
		// No lifetime to compare with: obtained at an unknown time, or
		// never expiring.
		{"lifetime unknown", []string{"--refresh-before", "2h"}, unknown, t0.Add(time.Hour), ""},
		{"never expire", []string{"--refresh-before", "2h"}, t0, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := (&app{}).newExecCmd().Flags()
			if err := fs.Parse(tt.flag); err != nil {
				t.Fatal(err)
			}
			err := fs.Lookup("refresh-before").Value.(*refreshBeforeFlag).check(tt.obtained, tt.expires)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("check = %v, want no error", err)
			case tt.wantErr == "":
				return
			case err == nil:
				t.Fatalf("check = nil, want %q", tt.wantErr)
			case err.Error() != tt.wantErr:
				t.Errorf("check = %q, want %q", err, tt.wantErr)
			}
			if code := exitCode(err); code != ExitUsage {
				t.Errorf("exit code %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(tt.wantErr, "lifetime") {
				return
			}
			if h := hint.All(err); len(h) != 1 || !strings.Contains(h[0], "leave --refresh-before out") {
				t.Errorf("hints %q, want one saying to leave the flag out", h)
			}
		})
	}
}
