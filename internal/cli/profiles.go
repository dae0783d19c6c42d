package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

func (a *app) newProfilesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "profiles",
		Aliases: []string{"profile", "ls"},
		Short:   "List the profiles in ~/.aws/config and ~/.aws/credentials",
		Long: `List every profile the shared files define, with the kind of credentials it
uses, its account and role, region and IAM Identity Center session.

Kinds: static, assume-role, web-identity, sso, sso-legacy, credential-process,
login, none (the profile defines no credentials of its own).`,
		Example: `  awsauth profiles
  awsauth profiles --json | jq -r '.[] | select(.kind=="sso") | .name'
  awsauth profiles sync --sso-session corp    # a profile per account and role`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			inv, err := awsconfig.Load(awsconfig.LocateFiles(a.deps.Env))
			if err != nil {
				return err
			}
			if a.g.json {
				ps := inv.Profiles
				if ps == nil {
					ps = []awsconfig.Profile{}
				}
				return writeJSON(a.deps.IO.Out, ps)
			}
			if len(inv.Profiles) == 0 {
				fmt.Fprintf(a.deps.IO.ErrOut, "no profiles in %s or %s\nhint: create one with: aws configure sso\n", inv.Files.Config, inv.Files.Credentials)
				return nil
			}
			cs := a.deps.IO.ColorScheme()
			current, _ := a.deps.Env.First("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
			if a.g.profile != "" {
				current = a.g.profile
			}
			if current == "" {
				current = "default"
			}
			tw := tabwriter.NewWriter(a.deps.IO.Out, 0, 2, 2, ' ', 0)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cs.Bold("  PROFILE"), cs.Bold("KIND"), cs.Bold("ACCOUNT"), cs.Bold("ROLE/SOURCE"), cs.Bold("REGION"), cs.Bold("SSO SESSION"))
			for _, p := range inv.Profiles {
				mark := "  "
				if p.Name == current {
					mark = "* "
				}
				role := p.Role
				if p.SourceProfile != "" {
					if role != "" {
						role += " via " + p.SourceProfile
					} else {
						role = "via " + p.SourceProfile
					}
				}
				fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\n", mark, p.Name, p.Kind, dash(p.Account), dash(role), dash(p.Region), dash(p.SSOSession))
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(a.newProfilesSyncCmd())
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
