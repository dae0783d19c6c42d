//go:build !linux

package cli

import "github.com/awsauth/awsauth/internal/sysenv"

// openBrowserIn opens url on macOS and Windows, which always have their
// desktop at hand.
func openBrowserIn(_ sysenv.Env, url string) error { return systemBrowser(url) }
