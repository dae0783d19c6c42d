package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

// completeProfiles completes profile names from the shared files.
func (a *app) completeProfiles(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 && cmd.Name() == "use" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	inv, err := awsconfig.Load(awsconfig.LocateFiles(a.deps.Env))
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, p := range inv.Profiles {
		if strings.HasPrefix(p.Name, toComplete) {
			desc := string(p.Kind)
			if p.Account != "" {
				desc += " " + p.Account
			}
			out = append(out, p.Name+"\t"+desc)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeSessions completes [sso-session] names.
func (a *app) completeSessions(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	inv, err := awsconfig.Load(awsconfig.LocateFiles(a.deps.Env))
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, s := range inv.SSOSessions {
		if strings.HasPrefix(s, toComplete) {
			out = append(out, s)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// registerCompletions wires flag completions across the command tree.
func (a *app) registerCompletions(root *cobra.Command) {
	_ = root.RegisterFlagCompletionFunc("profile", a.completeProfiles)
	for _, c := range root.Commands() {
		if c.Flags().Lookup("sso-session") != nil {
			_ = c.RegisterFlagCompletionFunc("sso-session", a.completeSessions)
		}
	}
}
