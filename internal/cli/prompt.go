package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/linefmt"
	"github.com/awsauth/awsauth/internal/ssotoken"
)

// promptData is what a prompt format can show. Everything comes from the
// config files and the SSO cache: no network, no credentials.
type promptData struct {
	Profile   string
	Account   string
	Region    string
	Kind      string
	Remaining string // SSO token time left ("42m"), "expired", or ""
	InExec    bool   // inside awsauth exec
}

// promptFields are the fields a --format may name, in promptData's order.
var promptFields = []string{"Profile", "Account", "Region", "Kind", "Remaining", "InExec"}

func (d promptData) fields() map[string]any {
	return map[string]any{"Profile": d.Profile, "Account": d.Account, "Region": d.Region, "Kind": d.Kind, "Remaining": d.Remaining, "InExec": d.InExec}
}

const defaultPromptFormat = `{{.Profile}}{{if .Account}} {{.Account}}{{end}}{{if .Region}} {{.Region}}{{end}}{{if .Remaining}} {{.Remaining}}{{end}}`

func (a *app) newPromptCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "prompt",
		Short: "Print a short line for a shell prompt: profile, account, region, SSO time left",
		Long: `Print one short line for a shell prompt, from the config files and the SSO
cache only: no network, no credentials, a few milliseconds. Inside
"awsauth exec" it shows the exec's profile. Prints nothing when no profile is
selected and [default] is not defined.

--format takes Go template syntax: {{.Field}} and
{{if .Field}}...{{else}}...{{end}} over .Profile .Account .Region .Kind
.Remaining .InExec; {{- and -}} trim the spaces next to them.`,
		Example: `  PS1='$(awsauth prompt) \$ '
  awsauth prompt --format '{{.Profile}}@{{.Region}}'
  awsauth prompt --format '{{if .InExec}}[exec] {{end}}{{.Profile}} {{.Remaining}}'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tmpl, err := linefmt.Parse(format, promptFields)
			if err != nil {
				return &usageError{fmt.Errorf("--format: %w", err)}
			}
			d, ok := a.promptData()
			if !ok {
				return nil
			}
			fmt.Fprintln(a.deps.IO.Out, tmpl.Execute(d.fields()))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", defaultPromptFormat, "the line, in Go template syntax (see above)")
	return cmd
}

func (a *app) promptData() (promptData, bool) {
	env := a.deps.Env
	d := promptData{}
	name := a.g.profile
	if name == "" {
		if p := env.Get("AWSAUTH_PROFILE"); p != "" {
			name, d.InExec = p, true
		}
	}
	if name == "" {
		name, _ = env.First("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
	}
	if name == "" {
		name = "default"
	}
	files := awsconfig.LocateFiles(env)
	settings, session, ok := awsconfig.QuickProfile(files, name)
	if !ok {
		if name == "default" {
			return d, false
		}
		d.Profile = name + "?"
		return d, true
	}
	d.Profile, d.Kind = name, string(awsconfig.QuickKind(settings))
	d.Account = settings["sso_account_id"]
	if arn := settings["role_arn"]; arn != "" {
		d.Account = awsconfig.AccountOfARN(arn)
	}
	d.Region, _ = env.First("AWS_REGION", "AWS_DEFAULT_REGION")
	if d.Region == "" {
		d.Region = settings["region"]
	}
	// The SSO token behind the profile, following source_profile.
	for hops := 0; hops < 10; hops++ {
		key := ""
		switch {
		case session != nil:
			key = ssotoken.CacheKey(settings["sso_session"], session["sso_start_url"])
		case settings["sso_start_url"] != "":
			key = settings["sso_start_url"]
		}
		if key != "" {
			d.Remaining = a.ssoRemaining(ssotoken.CachePath(awsconfig.HomeDir(env), key))
			break
		}
		src := settings["source_profile"]
		if src == "" || src == name {
			break
		}
		name = src
		settings, session, ok = awsconfig.QuickProfile(files, name)
		if !ok {
			break
		}
	}
	return d, true
}

// ssoRemaining is what the prompt shows for a cached SSO token.
func (a *app) ssoRemaining(path string) string {
	tok, err := ssotoken.Read(path)
	switch {
	case errors.Is(err, ssotoken.ErrNotFound):
		return "login"
	case err != nil || tok.ExpiresAt == nil:
		return ""
	}
	left := tok.ExpiresAt.Sub(a.deps.Now())
	switch {
	case left <= 0 && tok.Refreshable():
		return "refresh"
	case left <= 0:
		return "expired"
	}
	return shortDuration(left)
}

// shortDuration is 3h, 42m or 30s: what fits in a prompt.
func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}
