package cli

import (
	"errors"
	"io"
	"os/exec"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// openBrowserIn opens url on Linux. A browser needs a display there; where
// there is none (a server over SSH, a container) it says so instead of
// failing silently. WSL has no display of its own but the Windows desktop:
// its browser opens through wslview (wslu, on most WSL distributions) or
// rundll32.exe, which WSL's interop puts on PATH.
func openBrowserIn(env sysenv.Env, url string) error {
	if env.Get("WSL_DISTRO_NAME") != "" || env.Get("WSL_INTEROP") != "" {
		for _, c := range [][]string{{"wslview", url}, {"rundll32.exe", "url.dll,FileProtocolHandler", url}} {
			if path, err := exec.LookPath(c[0]); err == nil {
				cmd := exec.Command(path, c[1:]...)
				cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
				return cmd.Run()
			}
		}
	}
	if env.Get("DISPLAY") == "" && env.Get("WAYLAND_DISPLAY") == "" {
		return errors.New("no display")
	}
	return systemBrowser(url)
}
