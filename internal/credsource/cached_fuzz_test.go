package credsource

import (
	"regexp"
	"strings"
	"testing"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// plainProfile is a profile name that needs no quoting in a command line.
var plainProfile = regexp.MustCompile(`^[A-Za-z0-9_.@+][A-Za-z0-9_.@+-]*$`)

// selfCommands are ways people write a credential_process that runs awsauth
// for the profile {p}, on Unix and Windows; each must be recognised.
var selfCommands = []string{
	"awsauth credential-process --profile {p}",
	"awsauth credential-process --profile={p}",
	"awsauth credential-process --profile '{p}'",
	`awsauth credential-process --profile "{p}"`,
	"/usr/local/bin/awsauth credential-process --profile {p}",
	"~/go/bin/awsauth credential-process --profile={p} --region eu-west-1",
	"awsauth --region eu-west-1 credential-process --profile {p}",
	"sh -c 'awsauth credential-process --profile {p}'",
	"awsauth.exe credential-process --profile {p}",
	`C:\tools\awsauth.exe credential-process --profile {p}`,
	`"C:\Program Files\awsauth\awsauth.exe" credential-process --profile={p}`,
}

// otherCommands must not be taken for awsauth calling itself for {p}.
var otherCommands = []string{
	"awsauth credential-process --profile {p}-other",
	"awsauth credential-process --profile=x{p}",
	"awsauth export --profile {p}",
	"/usr/bin/get-creds --profile {p} credential-process",
	"notawsauth credential-process --profile {p}",
	"awsauth-helper credential-process --profile {p}",
	"aws-vault exec {p} --json",
}

// FuzzCallsItself checks the guard that stops a profile whose
// credential_process is awsauth credential-process for that same profile
// from running awsauth recursively. Arbitrary commands never panic; and for
// profile names that need no quoting, each way of writing the self call is
// caught, and each near miss is not.
func FuzzCallsItself(f *testing.F) {
	f.Fuzz(func(t *testing.T, command, profile, envProfile string) {
		env := sysenv.FromMap(map[string]string{"AWS_PROFILE": envProfile})
		req := awsconfig.Request{Env: env}
		hop := awsconfig.Hop{Profile: profile, Kind: awsconfig.KindProcess, CredentialProcess: command}
		if callsItself(hop, req) && !strings.Contains(command, "credential-process") {
			t.Fatalf("%q is taken for awsauth credential-process", command)
		}

		if !plainProfile.MatchString(profile) || strings.Contains(profile, "awsauth") || profile == "credential-process" {
			// Names that need quoting, or that read as the program or
			// the command themselves, are beyond a word-by-word reading.
			return
		}
		for _, c := range selfCommands {
			hop.CredentialProcess = strings.ReplaceAll(c, "{p}", profile)
			if !callsItself(hop, req) {
				t.Errorf("%q for profile %q is not recognised as a self call", hop.CredentialProcess, profile)
			}
		}
		for _, c := range otherCommands {
			hop.CredentialProcess = strings.ReplaceAll(c, "{p}", profile)
			if callsItself(hop, req) {
				t.Errorf("%q for profile %q is taken for a self call", hop.CredentialProcess, profile)
			}
		}
		// Without --profile, the child reads AWS_PROFILE as we do.
		hop.CredentialProcess = "awsauth credential-process"
		want := envProfile == profile || envProfile == "" && profile == "default"
		if got := callsItself(hop, req); got != want {
			t.Errorf("%q for profile %q with AWS_PROFILE=%q: self call %t, want %t", hop.CredentialProcess, profile, envProfile, got, want)
		}
	})
}
