package awspath

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// TestHome: the home directory is the one the AWS CLI and the SDKs use:
// HOME on Unix, USERPROFILE on Windows (where HOME, when set at all, comes
// from Git Bash or Cygwin and is not what the SDKs read).
func TestHome(t *testing.T) {
	both := sysenv.FromMap(map[string]string{"HOME": "/home/h", "USERPROFILE": `C:\Users\u`})
	want := "/home/h"
	if runtime.GOOS == "windows" {
		want = `C:\Users\u`
	}
	if got := Home(both); got != want {
		t.Errorf("Home(HOME and USERPROFILE set) = %q, want %q", got, want)
	}
	onlyHome := sysenv.FromMap(map[string]string{"HOME": "/home/h"})
	if runtime.GOOS != "windows" {
		if got := Home(onlyHome); got != "/home/h" {
			t.Errorf("Home(HOME set) = %q, want /home/h", got)
		}
	}
	home := Home(both)
	files := Locate(both)
	if want := filepath.Join(home, ".aws", "config"); files.Config != want {
		t.Errorf("config file %q, want %q", files.Config, want)
	}
	if want := filepath.Join(home, ".aws", "credentials"); files.Credentials != want {
		t.Errorf("credentials file %q, want %q", files.Credentials, want)
	}
}
