package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/atomicfile"
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
			dir, render, ext := manDir, manPage, ".1"
			if mdDir != "" {
				dir, render, ext = mdDir, markdownPage, ".md"
			}
			n := 0
			// The whole tree, however this run was started.
			for _, c := range documented(a.newRoot(nil)) {
				sep := "-"
				if ext == ".md" {
					sep = "_"
				}
				name := strings.ReplaceAll(c.CommandPath(), " ", sep) + ext
				if err := writeDoc(filepath.Join(dir, name), render(c)); err != nil {
					return err
				}
				n++
			}
			fmt.Fprintf(a.deps.IO.ErrOut, "wrote %d pages to %s\n", n, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&manDir, "man", "", "write man pages (section 1) to DIR")
	cmd.Flags().StringVar(&mdDir, "markdown", "", "write Markdown pages to DIR")
	return cmd
}

// writeDoc writes a reference page; they hold no secrets, so 0644 suits
// them, but the atomic write keeps a half-written page from ever showing.
func writeDoc(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return err
	}
	return os.Chmod(path, 0o644)
}

// documented lists the commands worth a page: the root and every visible
// command below it, help topics included.
func documented(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "__complete" || c.Name() == "__completeNoDesc" {
			return
		}
		out = append(out, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return out
}

func longOrShort(c *cobra.Command) string {
	if c.Long != "" {
		return c.Long
	}
	return c.Short
}

func seeAlso(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	if c.HasParent() {
		out = append(out, c.Parent())
	}
	for _, sub := range c.Commands() {
		if !sub.Hidden && sub.Name() != "help" && !strings.HasPrefix(sub.Name(), "__") {
			out = append(out, sub)
		}
	}
	return out
}

// roff escapes text for a man page: backslashes, and lines that would start
// with a control character.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}

// manPage renders one command as a man page (section 1).
func manPage(c *cobra.Command) []byte {
	var b bytes.Buffer
	name := strings.ReplaceAll(c.CommandPath(), " ", "-")
	fmt.Fprintf(&b, ".TH \"AWSAUTH\" \"1\" \"\" \"awsauth\" \"awsauth manual\"\n")
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", name, roff(c.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.nf\n%s\n.fi\n", roff(c.UseLine()))
	fmt.Fprintf(&b, ".SH DESCRIPTION\n%s\n", roff(longOrShort(c)))
	if f := c.NonInheritedFlags().FlagUsages(); f != "" {
		fmt.Fprintf(&b, ".SH OPTIONS\n.nf\n%s.fi\n", roff(f))
	}
	if f := c.InheritedFlags().FlagUsages(); f != "" {
		fmt.Fprintf(&b, ".SH OPTIONS INHERITED FROM PARENT COMMANDS\n.nf\n%s.fi\n", roff(f))
	}
	if c.Example != "" {
		fmt.Fprintf(&b, ".SH EXAMPLES\n.nf\n%s\n.fi\n", roff(c.Example))
	}
	if also := seeAlso(c); len(also) > 0 {
		var refs []string
		for _, s := range also {
			refs = append(refs, fmt.Sprintf("\\fB%s\\fP(1)", strings.ReplaceAll(s.CommandPath(), " ", "-")))
		}
		fmt.Fprintf(&b, ".SH SEE ALSO\n%s\n", strings.Join(refs, ", "))
	}
	return b.Bytes()
}

// markdownPage renders one command as Markdown.
func markdownPage(c *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## %s\n\n%s\n\n### Synopsis\n\n%s\n\n```\n%s\n```\n\n", c.CommandPath(), c.Short, longOrShort(c), c.UseLine())
	if c.Example != "" {
		fmt.Fprintf(&b, "### Examples\n\n```\n%s\n```\n\n", c.Example)
	}
	if f := c.NonInheritedFlags().FlagUsages(); f != "" {
		fmt.Fprintf(&b, "### Options\n\n```\n%s```\n\n", f)
	}
	if f := c.InheritedFlags().FlagUsages(); f != "" {
		fmt.Fprintf(&b, "### Options inherited from parent commands\n\n```\n%s```\n\n", f)
	}
	if also := seeAlso(c); len(also) > 0 {
		b.WriteString("### See also\n\n")
		for _, s := range also {
			fmt.Fprintf(&b, "* [%s](%s.md)\t - %s\n", s.CommandPath(), strings.ReplaceAll(s.CommandPath(), " ", "_"), s.Short)
		}
	}
	return b.Bytes()
}
