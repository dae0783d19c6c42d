package awsconfig

import (
	"bytes"
	"fmt"
	"strings"
)

// DivergencesMarkdown renders docs/sdk-differences.md from the divergence
// table, so the page, the status warnings and the tests that run the real
// SDKs read the same rows.
func DivergencesMarkdown() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Where the AWS SDKs disagree about a profile\n\n")
	w("<!-- Generated from internal/awsconfig/divergences.go by go generate ./internal/awsconfig. Do not edit by hand. -->\n\n")
	w("The AWS CLI, boto3, the JS SDK v3 (the CDK), the Go SDK (Terraform), Java and .NET all read `~/.aws/config`,\n")
	w("`~/.aws/credentials` and the `AWS_*` environment, but not always the same way. For the shapes below they pick a\n")
	w("different source, make a different number of AssumeRole calls, end up as a different identity, or one refuses\n")
	w("what another accepts: one deployment, run by several tools, then acts as several identities.\n\n")
	w("awsauth resolves a profile as the Go SDK does. `awsauth status` warns when your profile has one of these\n")
	w("shapes, under the id below (`awsauth status --json` lists it in `warnings`, with what each SDK does in `sdks`);\n")
	w("where an SDK fails on the shape, `awsauth explain` recognises its message.\n\n")
	w("What is marked *tested* is checked on every change by `TestSDKDivergences` in `tests/clients`: it hands the\n")
	w("example to the real Go SDK v2, boto3, JS SDK v3, AWS CLI v1 and AWS CLI v2 against a strict fake of AWS and\n")
	w("compares the identity each ends up with, its AssumeRole calls and its error with the table. Java and .NET are\n")
	w("not installed where the tests run: what is said of them was read from their source, or not checked at all.\n\n")

	w("| id | shape | SDKs that part ways |\n| --- | --- | --- |\n")
	for _, row := range divergences {
		groups := splitNames(row)
		parts := strings.Join(groups, " vs ")
		if len(groups) == 1 {
			parts = "none: " + parts + " agree, against expectation"
		}
		w("| [`%s`](#%s) | %s | %s |\n", row.ID, row.ID, row.Title, parts)
	}
	w("\n")

	for _, row := range divergences {
		w("<a id=\"%s\"></a>\n\n## %s\n\n", row.ID, row.Title)
		w("`%s`: %s.\n\n", row.ID, capitalise(row.Shape))
		w("| SDK | what it does | |\n| --- | --- | --- |\n")
		for _, o := range row.Outcomes {
			names := make([]string, len(o.SDKs))
			for i, s := range o.SDKs {
				names[i] = s.Name()
			}
			w("| %s | %s | %s |\n", strings.Join(names, ", "), escapeCell(o.Does), evidence(o))
		}
		w("\n**Fix**: %s.\n\n", row.Fix)
		switch {
		case row.Quiet:
			w("`awsauth status` does not warn about this one: %s.\n\n", row.QuietWhy)
		case row.detect == nil:
			w("The Go SDK, and so awsauth, refuses this profile: `awsauth status` reports the error")
		default:
			w("`awsauth status` warns with id `%s`", row.ID)
		}
		if !row.Quiet {
			if row.Cause != "" {
				w(", and `awsauth explain` knows the error as [`%s`](troubleshooting.md#%s).\n\n", row.Cause, row.Cause)
			} else {
				w(".\n\n")
			}
		}
		w("Example (tested as it stands; `$TOKEN_FILE` is a web identity token file, `$META` the metadata endpoint):\n\n")
		if row.Example.Config != "" {
			w("```ini\n# ~/.aws/config\n%s```\n\n", row.Example.Config)
		}
		if row.Example.Credentials != "" {
			w("```ini\n# ~/.aws/credentials\n%s```\n\n", row.Example.Credentials)
		}
		if len(row.Example.Env) > 0 || row.Example.Profile != "" {
			w("```sh\n")
			for _, kv := range row.Example.Env {
				k, v, _ := strings.Cut(kv, "=")
				w("export %s=%q\n", k, v)
			}
			if row.Example.Profile != "" {
				w("# and --profile %s\n", row.Example.Profile)
			}
			w("```\n\n")
		}
	}
	return b.Bytes()
}

// splitNames names the groups of SDKs that do different things, leaving
// out the ones nobody checked.
func splitNames(row Divergence) []string {
	var out []string
	for _, o := range row.Outcomes {
		if o.Does == notChecked {
			continue
		}
		names := make([]string, len(o.SDKs))
		for i, s := range o.SDKs {
			names[i] = s.Name()
		}
		out = append(out, strings.Join(names, ", "))
	}
	return out
}

func evidence(o Outcome) string {
	switch {
	case o.Tested:
		var parts []string
		if o.Identity != "" {
			parts = append(parts, "`"+o.Identity+"`")
		}
		if o.Fails != "" {
			parts = append(parts, "fails: `"+o.Fails+"`")
		}
		if o.AssumeRole > 0 {
			parts = append(parts, fmt.Sprintf("AssumeRole ×%d", o.AssumeRole))
		}
		if o.WebIdentity > 0 {
			parts = append(parts, fmt.Sprintf("AssumeRoleWithWebIdentity ×%d", o.WebIdentity))
		}
		if o.Region != "" {
			parts = append(parts, "region "+o.Region)
		}
		return "tested: " + strings.Join(parts, ", ")
	case o.Does == notChecked:
		return ""
	}
	return "not tested here"
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func capitalise(s string) string {
	if s == "" || strings.HasPrefix(s, "AWS_") || strings.HasPrefix(s, "aws_") {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
