package explain

import (
	"bytes"
	"fmt"
	"strings"
)

// Markdown renders the troubleshooting guide from the rules table. The
// command and the guide read the same table, so they cannot disagree;
// docs/troubleshooting.md is this output, written by go generate.
func Markdown() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	stand := docStandIns()

	w("# Troubleshooting AWS authentication errors\n\n")
	w("<!-- Generated from internal/explain/rules.go by go generate ./internal/explain. Do not edit by hand. -->\n\n")
	w("Each section below is one cause that `awsauth explain` recognises. Give it an error message, or a whole log,\n")
	w("and it answers with the cause, why it happened for your profile, and the commands that fix it:\n\n")
	w("```sh\n")
	w("awsauth explain \"An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: ...\"\n")
	w("cdk deploy 2>&1 | awsauth explain          # the first failure in the log, not its consequences\n")
	w("awsauth explain --json < deploy.log        # {cause, summary, explanation, fixes, matched}\n")
	w("awsauth explain --list                     # the causes below, by id\n")
	w("```\n\n")
	w("It exits 0 when it recognised a cause, 1 when it did not (it then names the closest one), and 2 when\n")
	w("there was nothing to read. Secrets in the input (secret keys, session and bearer tokens, `key=value`\n")
	w("secrets) are never repeated in its output. Messages are matched without regard to case.\n\n")
	w("In the commands, PROFILE is your profile, `<command>` the command that failed, and other upper-case\n")
	w("words stand for values `awsauth explain` fills in from your configuration and the message.\n\n")

	w("## Causes\n\n")
	w("| id | cause |\n| --- | --- |\n")
	for _, r := range rules {
		w("| [`%s`](#%s) | %s |\n", r.Cause, r.Cause, r.Title)
	}
	w("\n")

	for _, r := range rules {
		w("<a id=\"%s\"></a>\n\n## %s\n\n", r.Cause, r.Title)
		w("`%s`: %s\n\n", r.Cause, fill(r.Summary, stand))
		w("%s\n\n", fill(r.Explain, stand))

		w("**Recognised by** a line containing")
		if len(r.Match) > 1 {
			w(" any of")
		}
		w(":\n\n")
		for _, pt := range r.Match {
			parts := make([]string, len(pt.All))
			for i, f := range pt.All {
				parts[i] = "`" + f + "`"
			}
			line := strings.Join(parts, " and ")
			if pt.Weak {
				line += " (only when no other line matches: it wraps or announces the real failure)"
			}
			w("- %s\n", line)
		}
		w("\n")

		w("**Fix**\n\n")
		writeFixes(&b, fillFixes(r.Fixes, stand))
		w("\n")

		if len(r.When) > 0 {
			w("**Depending on your setup** (`awsauth explain` checks these against your profile):\n\n")
			for _, a := range r.When {
				w("- If %s:", a.If.Doc)
				if a.Why != "" {
					w(" %s", fill(a.Why, stand))
				}
				fixes := fillFixes(a.Fixes, stand)
				for _, f := range fixes {
					switch {
					case f.Cmd != "" && f.Note != "":
						w(" Run `%s` (%s).", f.Cmd, f.Note)
					case f.Cmd != "":
						w(" Run `%s`.", f.Cmd)
					default:
						w(" %s.", capitalise(f.Note))
					}
				}
				w("\n")
			}
			w("\n")
		}
	}
	return b.Bytes()
}

func writeFixes(b *bytes.Buffer, fixes []Fix) {
	var cmds, notes []Fix
	for _, f := range fixes {
		if f.Cmd != "" {
			cmds = append(cmds, f)
		} else {
			notes = append(notes, f)
		}
	}
	if len(cmds) > 0 {
		b.WriteString("```sh\n")
		for _, f := range cmds {
			if f.Note != "" {
				fmt.Fprintf(b, "%s   # %s\n", f.Cmd, f.Note)
			} else {
				fmt.Fprintf(b, "%s\n", f.Cmd)
			}
		}
		b.WriteString("```\n")
	}
	if len(cmds) > 0 && len(notes) > 0 {
		b.WriteString("\n")
	}
	for _, f := range notes {
		fmt.Fprintf(b, "- %s\n", capitalise(f.Note))
	}
}

// docStandIns are the placeholder values the guide shows: names in capitals
// as they are, descriptions as <slots>.
func docStandIns() map[string]string {
	out := map[string]string{}
	for k, v := range placeholders {
		if strings.ToUpper(v) == v || strings.HasPrefix(v, "<") || strings.HasPrefix(v, "~") {
			out[k] = v
			continue
		}
		out[k] = "<" + v + ">"
	}
	return out
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
