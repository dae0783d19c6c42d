package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/hint"
)

// shellInit are the functions `awsauth shell-init SHELL` prints. The binary
// cannot change its parent shell's environment; a shell function can, by
// evaluating what `awsauth use --shell SHELL` prints.
var shellInit = map[string]string{
	"bash": `# awsauth shell integration (bash). Add to ~/.bashrc:
#   eval "$(awsauth shell-init bash)"
awsauth() {
  if [ "$1" = "use" ]; then
    shift
    local __awsauth_out
    __awsauth_out="$(command awsauth use --shell bash "$@")" || return $?
    eval "$__awsauth_out"
  else
    command awsauth "$@"
  fi
}
`,
	"zsh": `# awsauth shell integration (zsh). Add to ~/.zshrc:
#   eval "$(awsauth shell-init zsh)"
awsauth() {
  if [[ "$1" == "use" ]]; then
    shift
    local __awsauth_out
    __awsauth_out="$(command awsauth use --shell zsh "$@")" || return $?
    eval "$__awsauth_out"
  else
    command awsauth "$@"
  fi
}
`,
	"fish": `# awsauth shell integration (fish). Add to ~/.config/fish/config.fish:
#   awsauth shell-init fish | source
function awsauth
  if test (count $argv) -ge 1; and test "$argv[1]" = use
    set -l __awsauth_out (command awsauth use --shell fish $argv[2..-1]); or return $status
    eval (string join \n -- $__awsauth_out)
  else
    command awsauth $argv
  end
end
`,
	// $args is PowerShell's list of a function's arguments; a native
	// command's output comes back as an array of lines.
	"powershell": `# awsauth shell integration (PowerShell). Add to your $PROFILE:
#   awsauth shell-init powershell | Out-String | Invoke-Expression
function awsauth {
  $awsauthBin = Get-Command -Name awsauth -CommandType Application -ErrorAction Stop | Select-Object -First 1
  if ($args.Count -ge 1 -and $args[0] -eq 'use') {
    $awsauthRest = @($args | Select-Object -Skip 1)
    $awsauthOut = & $awsauthBin use --shell powershell @awsauthRest
    if ($LASTEXITCODE -ne 0) { return }
    if ($awsauthOut) { Invoke-Expression ($awsauthOut -join "` + "`" + `n") }
  } else {
    & $awsauthBin @args
  }
}
`,
}

// shells are the shells shell-init and use --shell know, for messages.
const shells = "bash, zsh, fish or powershell"

// installHint is how to install the shell function, for the shell people
// have on this platform: PowerShell on Windows, bash elsewhere.
func installHint() string {
	if runtime.GOOS == "windows" {
		return "awsauth shell-init powershell | Out-String | Invoke-Expression    # in $PROFILE; Git Bash: eval \"$(awsauth shell-init bash)\""
	}
	return `eval "$(awsauth shell-init bash)"    # or zsh; fish: awsauth shell-init fish | source; PowerShell: awsauth shell-init powershell | Out-String | Invoke-Expression`
}

// platformShell is the shell use prints code for without --shell.
func platformShell() string {
	if runtime.GOOS == "windows" {
		return "powershell"
	}
	return "bash"
}

func (a *app) newShellInitCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "shell-init bash|zsh|fish|powershell",
		Short: "Print the shell function that lets 'awsauth use' switch profiles",
		Long: `Print a small shell function named awsauth. It passes every command to the
awsauth binary, except "awsauth use", whose output it evaluates so that the
profile changes in the current shell.`,
		Example: `  echo 'eval "$(awsauth shell-init bash)"' >> ~/.bashrc
  echo 'eval "$(awsauth shell-init zsh)"' >> ~/.zshrc
  echo 'awsauth shell-init fish | source' >> ~/.config/fish/config.fish
  Add-Content $PROFILE 'awsauth shell-init powershell | Out-String | Invoke-Expression'`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{errors.New("shell-init needs one shell: " + shells)}
			}
			if _, ok := shellInit[args[0]]; !ok {
				return &usageError{fmt.Errorf("shell-init: unknown shell %q (use %s)", args[0], shells)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := io.WriteString(a.deps.IO.Out, shellInit[args[0]])
			return err
		},
	}
}

func (a *app) newUseCmd() *cobra.Command {
	var shell string
	var unset bool
	cmd := &cobra.Command{
		Use:   "use [PROFILE]",
		Short: "Switch the current shell to a profile (needs: eval \"$(awsauth shell-init bash)\")",
		Long: `Switch the current shell to PROFILE: set AWS_PROFILE, and unset keys in the
environment that would otherwise win over it (AWS_ACCESS_KEY_ID, ...).

Without PROFILE, on a terminal, pick one from a list you can filter by
typing; elsewhere, list the profiles. --unset returns to the default chain.

A program cannot change its parent shell's environment: install the shell
function once with "awsauth shell-init", or evaluate the output yourself.`,
		Example: `  eval "$(awsauth shell-init bash)"   # once, in ~/.bashrc
  awsauth use prod
  awsauth use            # pick interactively
  awsauth use --unset`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return &usageError{errors.New("use takes at most one profile")}
			}
			return nil
		},
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runUse(args, shell, unset)
		},
	}
	cmd.Flags().StringVar(&shell, "shell", "", "print code for this shell to evaluate (bash, zsh, fish, powershell); set by the shell function")
	cmd.Flags().BoolVar(&unset, "unset", false, "unset AWS_PROFILE: back to the default chain")
	return cmd
}

func (a *app) runUse(args []string, shell string, unset bool) error {
	if _, ok := shellInit[shell]; shell != "" && !ok {
		return &usageError{fmt.Errorf("--shell %q: use %s", shell, shells)}
	}
	inv, err := awsconfig.Load(awsconfig.LocateFiles(a.deps.Env))
	if err != nil {
		return err
	}
	var name string
	switch {
	case unset:
	case len(args) == 1:
		name = args[0]
		if _, ok := inv.Profile(name); !ok {
			err := &awsconfig.ProfileNotFoundError{Name: name, From: "awsauth use", Files: inv.Files,
				Suggestions: awsconfig.Nearest(name, inv.Names()), HaveProfiles: len(inv.Profiles) > 0}
			return err
		}
	case len(inv.Profiles) == 0:
		return hint.With(fmt.Errorf("no profiles in %s or %s", inv.Files.Config, inv.Files.Credentials), "create one with: aws configure sso")
	case a.deps.IO.IsStdinTTY() && a.deps.IO.IsStderrTTY():
		name, err = pickProfile(a.deps.IO.In, a.deps.IO.ErrOut, inv.Names())
		if err != nil {
			return err
		}
	default:
		for _, n := range inv.Names() {
			fmt.Fprintln(a.deps.IO.Out, n)
		}
		if shell != "" {
			// The shell function evaluates stdout: the list must not run.
			return &usageError{errors.New("name a profile: awsauth use PROFILE")}
		}
		return nil
	}

	shadow := []string{}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_DEFAULT_PROFILE"} {
		if _, ok := a.deps.Env(k); ok {
			shadow = append(shadow, k)
		}
	}
	if shell == "" {
		w := a.deps.IO.ErrOut
		fmt.Fprintln(w, "awsauth cannot change this shell's environment by itself. Install the shell function once:")
		fmt.Fprintln(w, "  "+installHint())
		fmt.Fprintln(w, "or run:")
		fmt.Fprint(a.deps.IO.Out, shellCode(platformShell(), name, shadow))
		return nil
	}
	fmt.Fprint(a.deps.IO.Out, shellCode(shell, name, shadow))
	if len(shadow) > 0 {
		fmt.Fprintf(a.deps.IO.ErrOut, "awsauth: unset %s, which would win over the profile\n", strings.Join(shadow, " "))
	}
	if name != "" {
		fmt.Fprintf(a.deps.IO.ErrOut, "awsauth: now using profile %s\n", name)
	} else {
		fmt.Fprintln(a.deps.IO.ErrOut, "awsauth: AWS_PROFILE unset")
	}
	return nil
}

// shellCode sets AWS_PROFILE to name ("" unsets it) and unsets shadow.
func shellCode(shell, name string, shadow []string) string {
	var b strings.Builder
	switch shell {
	case "powershell":
		for _, k := range shadow {
			fmt.Fprintf(&b, "Remove-Item Env:%s -ErrorAction SilentlyContinue\n", k)
		}
		if name == "" {
			b.WriteString("Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue\n")
		} else {
			fmt.Fprintf(&b, "$Env:AWS_PROFILE = %s\n", psQuote(name))
		}
	case "fish":
		for _, k := range shadow {
			fmt.Fprintf(&b, "set -e %s;\n", k)
		}
		if name == "" {
			b.WriteString("set -e AWS_PROFILE;\n")
		} else {
			fmt.Fprintf(&b, "set -gx AWS_PROFILE %s;\n", shQuote(name))
		}
	default:
		if len(shadow) > 0 {
			fmt.Fprintf(&b, "unset %s; ", strings.Join(shadow, " "))
		}
		if name == "" {
			b.WriteString("unset AWS_PROFILE\n")
		} else {
			fmt.Fprintf(&b, "export AWS_PROFILE=%s\n", shQuote(name))
		}
	}
	return b.String()
}

// psQuote quotes s for PowerShell: a single-quoted string, in which a
// quote is doubled. PowerShell takes the typographic single quotes for
// quotes too.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// pickProfile is a small interactive picker: type to filter (letters in
// order, anywhere in the name), a number to choose, an empty line to take
// the only or first match.
func pickProfile(in io.Reader, w io.Writer, names []string) (string, error) {
	r := bufio.NewReader(in)
	filter := ""
	for {
		matches := FuzzyFilter(filter, names)
		if len(matches) == 0 {
			fmt.Fprintf(w, "no profile matches %q\n", filter)
			filter = ""
			continue
		}
		for i, n := range matches {
			if i == 20 {
				fmt.Fprintf(w, "  ... %d more: type to narrow\n", len(matches)-20)
				break
			}
			fmt.Fprintf(w, "%3d  %s\n", i+1, n)
		}
		fmt.Fprint(w, "profile (number, or letters to filter): ")
		line, err := r.ReadString('\n')
		line = strings.TrimSpace(line)
		if err != nil && line == "" {
			return "", errors.New("no profile chosen")
		}
		if n, convErr := strconv.Atoi(line); convErr == nil && n >= 1 && n <= len(matches) {
			return matches[n-1], nil
		}
		if line == "" {
			return matches[0], nil
		}
		filter = line
		if m := FuzzyFilter(filter, names); len(m) == 1 {
			return m[0], nil
		}
	}
}

// FuzzyFilter keeps the names that contain the letters of q in order,
// best matches (contiguous, earlier, shorter) first.
func FuzzyFilter(q string, names []string) []string {
	if q == "" {
		return append([]string(nil), names...)
	}
	type scored struct {
		n     string
		score int
	}
	var out []scored
	lq := strings.ToLower(q)
	for _, n := range names {
		ln := strings.ToLower(n)
		pos, gaps, first := 0, 0, -1
		ok := true
		for _, c := range lq {
			i := strings.IndexRune(ln[pos:], c)
			if i < 0 {
				ok = false
				break
			}
			if first < 0 {
				first = pos + i
			}
			gaps += i
			pos += i + 1
		}
		if ok {
			s := gaps*10 + first*2 + len(n)
			if strings.Contains(ln, lq) {
				s -= 1000
			}
			out = append(out, scored{n, s})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score < out[j].score })
	res := make([]string, len(out))
	for i, s := range out {
		res[i] = s.n
	}
	return res
}
