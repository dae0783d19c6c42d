package agent

import (
	"path/filepath"
	"strings"

	"github.com/awsauth/awsauth/internal/awspath"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// Dir is the agent's directory: $XDG_RUNTIME_DIR/awsauth (a per-user,
// 0700 tmpfs on Linux), else agent/ under awsauth's cache directory.
func Dir(env sysenv.Env) string {
	if d := env.Get("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "awsauth")
	}
	home := awspath.Home(env)
	if c := env.Get("XDG_CACHE_HOME"); c != "" {
		return filepath.Join(c, "awsauth", "agent")
	}
	return filepath.Join(home, ".cache", "awsauth", "agent")
}

// SocketPath is where the agent listens.
func SocketPath(env sysenv.Env) string { return filepath.Join(Dir(env), "agent.sock") }

// lockPath is held by the running agent for as long as it runs: whoever
// holds it owns the socket path.
func lockPath(dir string) string { return filepath.Join(dir, "agent.lock") }

// Disabled reports whether the person turned the agent off
// (AWSAUTH_NO_AGENT=1).
func Disabled(env sysenv.Env) bool {
	v := strings.ToLower(env.Get("AWSAUTH_NO_AGENT"))
	return v != "" && v != "0" && v != "false"
}

// secretVars never leave the client: they are credentials themselves.
var secretVars = map[string]bool{
	"AWS_ACCESS_KEY_ID": true, "AWS_ACCESS_KEY": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SECRET_KEY": true,
	"AWS_SESSION_TOKEN": true, "AWS_SECURITY_TOKEN": true, "AWS_CONTAINER_AUTHORIZATION_TOKEN": true,
	"AWS_CREDENTIAL_EXPIRATION": true,
}

// RequestEnv is the part of environ that decides what a profile resolves
// to and where its files and caches are: every AWS_* variable but those
// that hold credentials, and HOME and the XDG and Windows home variables.
func RequestEnv(environ []string) map[string]string {
	out := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch {
		case secretVars[k]:
		case strings.HasPrefix(k, "AWS_"), k == "HOME", k == "USERPROFILE", k == "XDG_CACHE_HOME", k == "XDG_RUNTIME_DIR":
			out[k] = v
		}
	}
	return out
}
