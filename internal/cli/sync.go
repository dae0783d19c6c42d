package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/atomicfile"
	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/identity"
	"github.com/awsauth/awsauth/internal/profilesync"
	"github.com/awsauth/awsauth/internal/ssotoken"
)

func (a *app) newProfilesSyncCmd() *cobra.Command {
	var session, nameTemplate string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Write a profile for every account and role your IAM Identity Center login can use",
		Long: `List the accounts and roles of an IAM Identity Center session through its
portal and write one profile for each into a managed block of ~/.aws/config,
between "# BEGIN awsauth managed profiles" and "# END ..." lines. Lines outside
the block are never changed; a name already defined outside it is skipped.
Running it again with the same assignments changes nothing. The previous file
is kept as config.awsauth.bak.

--name-template takes Go template syntax, {{.Field}} and
{{if .Field}}...{{else}}...{{end}}, over .AccountName .AccountID .RoleName
.Session; names are lower-cased and reduced to letters, digits, . _ -.`,
		Example: `  awsauth profiles sync --sso-session corp --dry-run
  awsauth profiles sync --sso-session corp --name-template '{{.AccountName}}-{{.RoleName}}' --region eu-west-1`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			t, err := a.resolveSSOTarget(ctx, session)
			if err != nil {
				return err
			}
			if t.session.Name == "" {
				return hint.With(errors.New("profiles sync needs an sso-session (legacy SSO profiles have none)"), "add an [sso-session NAME] section: aws configure sso-session")
			}
			store := ssotoken.NewStore(awsconfig.HomeDir(a.deps.Env))
			tok, err := store.ReadToken(t.session.CacheKey())
			if err != nil || !tok.Valid(a.deps.Now()) {
				return hint.With(&ssotoken.ReloginError{Session: t.session, Why: "no valid token in the SSO cache", Err: err}, "run: awsauth login --sso-session "+t.session.Name)
			}
			portal := a.clients().SSO(t.session.Region)
			as, err := profilesync.List(ctx, portal, tok.AccessToken)
			if err != nil {
				return identity.Classify(err)
			}
			files := awsconfig.LocateFiles(a.deps.Env)
			current, err := os.ReadFile(files.Config)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			region := a.g.region
			if region == "" {
				region = t.session.Region
			}
			res, err := profilesync.Plan(current, as, profilesync.Options{Session: t.session.Name, Template: nameTemplate, Region: region})
			if err != nil {
				return err
			}
			w := a.deps.IO.ErrOut
			for _, s := range res.Skipped {
				fmt.Fprintf(w, "awsauth: skipped %s: a profile of that name is defined outside the managed block (or twice)\n", s)
			}
			if !res.Changed {
				fmt.Fprintf(w, "%s is up to date: %d profiles for sso-session %s\n", files.Config, len(res.Profiles), t.session.Name)
				return nil
			}
			if dryRun {
				fmt.Fprint(a.deps.IO.Out, res.Diff)
				fmt.Fprintf(w, "dry run: %s not changed (%d profiles would be in the block)\n", files.Config, len(res.Profiles))
				return nil
			}
			if len(current) > 0 {
				if err := atomicfile.Write(files.Config+".awsauth.bak", current); err != nil {
					return fmt.Errorf("keep a backup: %w", err)
				}
			}
			if err := atomicfile.Write(files.Config, res.Config); err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %d profiles for sso-session %s to %s (backup: %s.awsauth.bak)\n", len(res.Profiles), t.session.Name, files.Config, files.Config)
			return nil
		},
	}
	cmd.Flags().StringVar(&session, "sso-session", "", "the [sso-session] to list (default: the profile's)")
	cmd.Flags().StringVar(&nameTemplate, "name-template", profilesync.DefaultTemplate, "how to name each profile (Go template syntax, see above)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show the change on stdout, write nothing")
	return cmd
}
