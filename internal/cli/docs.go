package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func (a *app) newDocsCmd() *cobra.Command {
	var manDir, mdDir string
	cmd := &cobra.Command{
		Use:   "docs --man DIR | --markdown DIR",
		Short: "Write man pages or Markdown pages for every command",
		Long: `Write the reference of every command, generated from the same command tree
as --help, so the two never disagree: man pages (section 1) or Markdown.`,
		Example: `  awsauth docs --man /usr/local/share/man/man1
  awsauth docs --markdown docs/reference`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (manDir == "") == (mdDir == "") {
				return &usageError{errors.New("docs needs exactly one of --man DIR or --markdown DIR")}
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			if manDir != "" {
				if err := os.MkdirAll(manDir, 0o755); err != nil {
					return err
				}
				hdr := &doc.GenManHeader{Title: "AWSAUTH", Section: "1", Source: "awsauth", Manual: "awsauth manual"}
				if err := doc.GenManTree(root, hdr, manDir); err != nil {
					return fmt.Errorf("write man pages: %w", err)
				}
				fmt.Fprintf(a.deps.IO.ErrOut, "wrote man pages to %s\n", manDir)
				return nil
			}
			if err := os.MkdirAll(mdDir, 0o755); err != nil {
				return err
			}
			if err := doc.GenMarkdownTree(root, mdDir); err != nil {
				return fmt.Errorf("write Markdown pages: %w", err)
			}
			fmt.Fprintf(a.deps.IO.ErrOut, "wrote Markdown pages to %s\n", mdDir)
			return nil
		},
	}
	cmd.Flags().StringVar(&manDir, "man", "", "write man pages (section 1) to DIR")
	cmd.Flags().StringVar(&mdDir, "markdown", "", "write Markdown pages to DIR")
	return cmd
}
