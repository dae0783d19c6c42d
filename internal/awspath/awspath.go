// Package awspath says where the AWS CLI and SDKs keep their files: the
// home directory and the shared config and credentials files. It imports
// nothing of the AWS SDK, so that the quick path of credential-process
// (internal/credfile) can use it before the SDK's packages initialise.
package awspath

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// Files names the shared config and credentials files in use.
type Files struct {
	Config      string `json:"config"`
	Credentials string `json:"credentials"`
}

// Locate returns the files the SDKs read: AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE when set, else ~/.aws/config and
// ~/.aws/credentials.
func Locate(env sysenv.Env) Files {
	home := Home(env)
	f := Files{
		Config:      filepath.Join(home, ".aws", "config"),
		Credentials: filepath.Join(home, ".aws", "credentials"),
	}
	if v := env.Get("AWS_CONFIG_FILE"); v != "" {
		f.Config = ExpandHome(v, home)
	}
	if v := env.Get("AWS_SHARED_CREDENTIALS_FILE"); v != "" {
		f.Credentials = ExpandHome(v, home)
	}
	return f
}

// Home is the user's home directory as the SDKs find it: the first of
// homeVars that is set (HOME on Unix, USERPROFILE on Windows).
func Home(env sysenv.Env) string {
	for _, k := range homeVars {
		if h := env.Get(k); h != "" {
			return h
		}
	}
	h, _ := os.UserHomeDir()
	return h
}

// ExpandHome expands a leading ~ as the SDKs do.
func ExpandHome(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

// LoginCacheDir is where aws login sessions are cached, as the AWS CLI and
// the SDKs find it: AWS_LOGIN_CACHE_DIRECTORY when set, else
// ~/.aws/login/cache.
func LoginCacheDir(env sysenv.Env) string {
	if v := env.Get("AWS_LOGIN_CACHE_DIRECTORY"); v != "" {
		return v
	}
	return filepath.Join(Home(env), ".aws", "login", "cache")
}
