package credsource

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/awspath"
	"github.com/awsauth/awsauth/internal/logintoken"
	"github.com/awsauth/awsauth/internal/ssotoken"
)

// Offline reports the failure that fetching credentials for trace would
// end in, when it can be known without the network: a token file that is
// not there, a credential_process program that cannot run, an IAM Identity
// Center session nobody is logged in to, an MFA code nobody can type. It
// returns the error the providers [New] builds would return, of the same
// type, so that a check offline exits as the online one does; nil when
// nothing failed before the first hop that needs an answer from AWS (or
// from a container or instance metadata endpoint, or a program run).
//
// Hops are judged innermost first, the order in which they fetch: once one
// needs the network, what comes after it depends on the answer.
func Offline(trace *awsconfig.Trace, d Deps) error {
	for i := len(trace.Hops) - 1; i >= 0; i-- {
		h := trace.Hops[i]
		decided, err := offlineHop(trace, i, d)
		if err != nil {
			return wrapHopError(h, err)
		}
		if !decided {
			return nil
		}
	}
	return nil
}

// offlineHop judges hop i: an error it would fail with, or whether it hands
// out credentials without the network (decided) so the next hop can be
// judged too.
func offlineHop(trace *awsconfig.Trace, i int, d Deps) (decided bool, err error) {
	h := trace.Hops[i]
	switch h.Kind {
	case awsconfig.KindEnv, awsconfig.KindStatic:
		// Missing keys are refused by New already.
		return true, nil

	case awsconfig.KindAssumeRole:
		// The MFA code is asked for before AssumeRole (or the MFA
		// session under it) is called.
		if h.MFASerial != "" && d.MFAToken == nil {
			return false, &MFARequiredError{Serial: h.MFASerial, Profile: h.Profile}
		}
		return false, nil

	case awsconfig.KindWebIdentity:
		if err := readable(h.WebIdentityTokenFile); err != nil {
			return false, fmt.Errorf("the web identity token file %w", err)
		}
		return false, nil

	case awsconfig.KindSSO, awsconfig.KindSSOLegacy:
		return false, ssoOffline(h, d)

	case awsconfig.KindLogin:
		return loginOffline(h, d)

	case awsconfig.KindProcess:
		return false, processOffline(h, d)

	case awsconfig.KindContainer:
		if f := h.ContainerAuthTokenFile; f != "" {
			if err := readable(f); err != nil {
				return false, fmt.Errorf("the container authorization token file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) %w", err)
			}
		}
		return false, nil
	}
	// The instance metadata service, unless disabled (which New
	// refuses), needs asking.
	return false, nil
}

// readable says why path cannot be opened for reading, as the rest of a
// sentence naming the file ("the token file %w").
func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%s does not exist", path)
		case errors.As(err, &pe):
			return fmt.Errorf("%s cannot be read: %v", path, pe.Err)
		}
		return fmt.Errorf("%s cannot be read: %v", path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	return nil
}

// ssoOffline is what the SSO provider would say of the cached token before
// it calls the portal: the same [LoginRequiredError] when only a new login
// can help, nil when the portal (or a refresh) must be asked.
func ssoOffline(h awsconfig.Hop, d Deps) error {
	cachePath := ssotoken.CachePath(awsconfig.HomeDir(d.Env), ssotoken.CacheKey(h.SSO.Session, h.SSO.StartURL))
	now := d.now()
	tok, err := ssotoken.Read(cachePath)
	if err == nil {
		// The SDK's own test of the cached token.
		if tok.ExpiresAt != nil && !now.After(tok.ExpiresAt.Time) {
			return nil
		}
		if h.SSO.Session != "" && tok.Refreshable() &&
			(tok.RegistrationExpiresAt == nil || now.Before(tok.RegistrationExpiresAt.Time)) {
			return nil
		}
	}
	return ssoLoginRequired(h, cachePath, now, "the SSO session has ended", &ssocreds.InvalidTokenError{})
}

// loginOffline is what the aws login provider would say of the cache
// before it calls the sign-in service: the same [LoginRequiredError] when
// only a new sign-in can help (nobody signed in, a damaged cache, a session
// past its longest life), decided when the cached credentials serve.
func loginOffline(h awsconfig.Hop, d Deps) (decided bool, err error) {
	store := &logintoken.Store{Dir: awspath.LoginCacheDir(d.Env)}
	path := store.Path(h.LoginSession)
	now := d.now()
	tok, err := store.Read(h.LoginSession)
	var relogin *logintoken.ReloginError
	switch {
	case err == nil && tok.Valid(now):
		return true, nil
	case err == nil:
		if ends, ok := tok.SessionEnds(); ok && !now.Before(ends) {
			return false, &LoginRequiredError{Hop: h, CachePath: path, Why: logintoken.EndedWhy(tok)}
		}
		return false, nil
	case errors.As(logintoken.ReadError(h.LoginSession, store.Dir, err), &relogin):
		return false, &LoginRequiredError{Hop: h, CachePath: path, Why: relogin.Why, Err: err}
	}
	return false, err
}

// processOffline refuses a credential_process whose program is not there
// or cannot be run. What the shell would make of anything but a plain
// program name or path is left to running it.
func processOffline(h awsconfig.Hop, d Deps) error {
	prog, ok := processProgram(h.CredentialProcess)
	if !ok || runtime.GOOS == "windows" {
		return nil
	}
	fix := "install it, or fix the path in credential_process of profile " + h.Profile
	if !strings.Contains(prog, "/") {
		path := d.Env.Get("PATH")
		if path == "" {
			return nil // the shell would search its own default path
		}
		for _, dir := range filepath.SplitList(path) {
			if dir == "" {
				dir = "."
			}
			if isExecutable(filepath.Join(dir, prog)) == nil {
				return nil
			}
		}
		return withHint(fmt.Errorf("credential_process runs %s, which is not in any directory of PATH", prog), fix)
	}
	if err := isExecutable(prog); err != nil {
		return withHint(fmt.Errorf("credential_process runs %s, which %w", prog, err), fix)
	}
	return nil
}

func isExecutable(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("does not exist")
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("cannot be read: %v", pe.Err)
		}
		return err
	case st.IsDir():
		return errors.New("is a directory")
	case st.Mode().Perm()&0o111 == 0:
		return errors.New("is not executable (chmod +x)")
	}
	return nil
}

// shellWords are builtins and keywords of sh: a command that starts with
// one runs no program of that name.
var shellWords = map[string]bool{
	"!": true, ".": true, ":": true, "[": true, "{": true, "case": true, "cd": true, "command": true,
	"echo": true, "eval": true, "exec": true, "exit": true, "export": true, "false": true, "for": true,
	"if": true, "printf": true, "pwd": true, "read": true, "set": true, "test": true, "time": true,
	"true": true, "type": true, "ulimit": true, "umask": true, "unset": true, "until": true, "while": true,
}

// processProgram returns the program sh -c would run for cmd, when it is a
// plain word or a quoted one; ok is false when only the shell can tell
// (variables, globs, redirections, assignments, builtins, ~).
func processProgram(cmd string) (string, bool) {
	cmd = strings.TrimLeft(cmd, " \t")
	var word, rest string
	switch {
	case cmd == "":
		return "", false
	case cmd[0] == '"' || cmd[0] == '\'':
		end := strings.IndexByte(cmd[1:], cmd[0])
		if end < 0 {
			return "", false
		}
		word, rest = cmd[1:1+end], cmd[2+end:]
		if cmd[0] == '"' && strings.ContainsAny(word, "$`\\") {
			return "", false
		}
	default:
		i := strings.IndexAny(cmd, " \t")
		if i < 0 {
			i = len(cmd)
		}
		word, rest = cmd[:i], cmd[i:]
		if strings.ContainsAny(word, "$`\\\"'*?[](){};|&<>=~#") {
			return "", false
		}
	}
	if word == "" || shellWords[word] || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false
	}
	return word, true
}
