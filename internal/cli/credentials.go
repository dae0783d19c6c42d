package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/agent"
	"github.com/awsauth/awsauth/internal/credcache"
	"github.com/awsauth/awsauth/internal/credfile"
	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/session"
)

func (a *app) cache() *credcache.Cache {
	return &credcache.Cache{Dir: credfile.DirFor(a.deps.Env), Now: a.deps.Now}
}

func toProcessOutput(c aws.Credentials) credfile.ProcessOutput {
	var expires time.Time
	if c.CanExpire {
		expires = c.Expires
	}
	return credfile.NewProcessOutput(c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.AccountID, expires)
}

func (a *app) newCredentialProcessCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "credential-process",
		Short: "Print credentials in the credential_process format, from a cache",
		Long: `Print credentials as the AWS SDKs expect from a credential_process command:
one JSON object (Version 1) on stdout and nothing else.

Credentials are cached under ~/.cache/awsauth (0600) and served from there
until min(15 minutes, half their lifetime) is left, the lifetime counting from
when they were obtained, so a warm call touches no network, and many parallel
calls on a cold cache make one upstream call.
Use it to give tools that only read profiles the credentials of any source
awsauth understands.`,
		Example: `  # ~/.aws/config
  [profile deploy-cached]
  credential_process = awsauth credential-process --profile deploy

  awsauth credential-process --profile deploy | jq .Expiration`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			creds, hit, err := a.processCredentials(cmd.Context())
			if err != nil {
				return err
			}
			a.debugf("credential-process: cache hit %v", hit)
			return writeJSONCompact(a.deps.IO.Out, toProcessOutput(creds))
		},
	}
}

// processCredentials answers credential-process: from the file cache, else
// from a running agent (which keeps the session for every later call),
// else from the source itself.
func (a *app) processCredentials(ctx context.Context) (aws.Credentials, bool, error) {
	if c, ok := session.Lookup(a.request(), a.sessionDeps()); ok {
		return c, true, nil
	}
	if !agent.Disabled(a.deps.Env) && agentSupported() == nil {
		req := agent.Request{Op: "get", Profile: a.g.profile, Env: agent.RequestEnv(a.environ()), PID: os.Getpid(), Command: "credential-process"}
		c, err := agent.Get(ctx, a.deps.Env, req)
		if err == nil {
			a.debugf("credential-process: answered by the awsauth agent")
			return c, false, nil
		}
		a.debugf("credential-process: not from the agent: %v", err)
	}
	c, hit, _, err := session.Cached(ctx, a.request(), a.sessionDeps())
	return c, hit, err
}

func (a *app) newExportCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print the current credentials for a shell or a tool",
		Long: `Print the current credentials as shell assignments or a file format, for tools
that cannot use a profile or awsauth exec. The credentials expire: for long
jobs prefer "awsauth exec -- COMMAND", which keeps them fresh.

Formats: env (POSIX shell, default), fish, powershell, dotenv, json
(the credential_process format).`,
		Example: `  eval "$(awsauth export --profile dev)"
  awsauth export --profile dev --format dotenv > .env.aws
  awsauth export --profile dev --format fish | source`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			render, ok := exportFormats[format]
			if !ok {
				return &usageError{fmt.Errorf("unknown --format %q: use env, fish, powershell, dotenv or json", format)}
			}
			creds, _, s, err := session.Cached(cmd.Context(), a.request(), a.sessionDeps())
			if err != nil {
				return err
			}
			if err := exportable(creds); err != nil {
				return err
			}
			region := a.g.region
			if region == "" {
				if s == nil {
					// A warm answer resolved nothing: the region is all
					// that is missing.
					s, err = session.Open(cmd.Context(), a.request(), a.sessionDeps())
				}
				if err == nil {
					region = s.Trace.Region
				}
			}
			if err := render(a.deps.IO.Out, creds, region); err != nil {
				return err
			}
			if creds.CanExpire {
				fmt.Fprintf(a.deps.IO.ErrOut, "note: these credentials expire at %s (in %s); for long jobs use: awsauth exec -- COMMAND\n",
					creds.Expires.UTC().Format(time.RFC3339), humanDuration(creds.Expires.Sub(a.deps.Now())))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "env", "env, fish, powershell, dotenv or json")
	return cmd
}

// exportable refuses keys that are blank: every SDK would sign with them
// and AWS would refuse every request (MissingAuthenticationToken), far
// from where they came from.
func exportable(c aws.Credentials) error {
	if strings.TrimSpace(c.AccessKeyID) != "" && strings.TrimSpace(c.SecretAccessKey) != "" {
		return nil
	}
	return hint.With(errors.New("refusing to export blank credentials: the access key id or secret access key is empty or only spaces "+
		"(AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY set to blanks?), and every SDK would sign with them and be refused by AWS"),
		"unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN",
		"see where the credentials come from: awsauth status")
}

type exportVar struct{ k, v string }

func exportVars(c aws.Credentials, region string) []exportVar {
	vs := []exportVar{{"AWS_ACCESS_KEY_ID", c.AccessKeyID}, {"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey}}
	if c.SessionToken != "" {
		vs = append(vs, exportVar{"AWS_SESSION_TOKEN", c.SessionToken})
	}
	if c.CanExpire {
		vs = append(vs, exportVar{"AWS_CREDENTIAL_EXPIRATION", c.Expires.UTC().Format("2006-01-02T15:04:05Z")})
	}
	if region != "" {
		vs = append(vs, exportVar{"AWS_REGION", region}, exportVar{"AWS_DEFAULT_REGION", region})
	}
	return vs
}

// shQuote quotes s for POSIX shells.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

var exportFormats = map[string]func(io.Writer, aws.Credentials, string) error{
	"env": func(w io.Writer, c aws.Credentials, r string) error {
		for _, v := range exportVars(c, r) {
			fmt.Fprintf(w, "export %s=%s\n", v.k, shQuote(v.v))
		}
		if c.SessionToken == "" {
			fmt.Fprintln(w, "unset AWS_SESSION_TOKEN")
		}
		return nil
	},
	"fish": func(w io.Writer, c aws.Credentials, r string) error {
		for _, v := range exportVars(c, r) {
			fmt.Fprintf(w, "set -gx %s %s;\n", v.k, shQuote(v.v))
		}
		if c.SessionToken == "" {
			fmt.Fprintln(w, "set -e AWS_SESSION_TOKEN;")
		}
		return nil
	},
	"powershell": func(w io.Writer, c aws.Credentials, r string) error {
		for _, v := range exportVars(c, r) {
			fmt.Fprintf(w, "$Env:%s = '%s'\n", v.k, strings.ReplaceAll(v.v, "'", "''"))
		}
		return nil
	},
	"dotenv": func(w io.Writer, c aws.Credentials, r string) error {
		for _, v := range exportVars(c, r) {
			fmt.Fprintf(w, "%s=%s\n", v.k, v.v)
		}
		return nil
	},
	"json": func(w io.Writer, c aws.Credentials, r string) error {
		return writeJSONCompact(w, toProcessOutput(c))
	},
}
