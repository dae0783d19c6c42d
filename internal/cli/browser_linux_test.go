package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// fakeOpener puts a program called name on PATH that writes its arguments
// to a file, and returns that file.
func fakeOpener(t *testing.T, dir, name string) string {
	t.Helper()
	out := filepath.Join(dir, name+".args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + out + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOpenBrowserLinux: a desktop session opens the browser through
// xdg-open; WSL opens the Windows browser (through wslview) although it has
// no display of its own; a server without a display says so.
func TestOpenBrowserLinux(t *testing.T) {
	const url = "https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH"
	tests := []struct {
		name   string
		env    map[string]string
		opener string // the program that must have run; "" for none
	}{
		{"desktop", map[string]string{"DISPLAY": ":0"}, "xdg-open"},
		{"wayland", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, "xdg-open"},
		{"WSL", map[string]string{"WSL_DISTRO_NAME": "Ubuntu"}, "wslview"},
		{"no display", map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("PATH", dir)
			outs := map[string]string{}
			for _, name := range []string{"xdg-open", "wslview"} {
				outs[name] = fakeOpener(t, dir, name)
			}
			err := openBrowserIn(sysenv.FromMap(tt.env), url)
			if tt.opener == "" {
				if err == nil || !strings.Contains(err.Error(), "no display") {
					t.Errorf("error %v, want no display", err)
				}
			} else if err != nil {
				t.Fatalf("error %v", err)
			}
			for name, out := range outs {
				got, readErr := os.ReadFile(out)
				switch {
				case name == tt.opener && string(got) != url+"\n":
					t.Errorf("%s got %q (%v), want the URL", name, got, readErr)
				case name != tt.opener && readErr == nil:
					t.Errorf("%s ran with %q", name, got)
				}
			}
		})
	}
}
