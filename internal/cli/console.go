package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/hint"
	"github.com/awsauth/awsauth/internal/identity"
	"github.com/awsauth/awsauth/internal/session"
)

// defaultFederationEndpoint is AWS's console sign-in federation endpoint.
const defaultFederationEndpoint = "https://signin.aws.amazon.com/federation"

func (a *app) newConsoleCmd() *cobra.Command {
	var print bool
	var destination string
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Open the AWS console signed in as the profile's role",
		Long: `Open the AWS Management Console in the browser, signed in with the profile's
current temporary credentials (an IAM Identity Center role, an assumed role,
web identity), through AWS's sign-in federation endpoint. --print writes the
sign-in URL to stdout instead: it logs in whoever opens it within 15 minutes,
so treat it like a password.

Long-term IAM user keys cannot sign in to the console this way: use a role
or an SSO profile.`,
		Example: `  awsauth console --profile prod
  awsauth console --profile prod --print | pbcopy`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runConsole(cmd.Context(), print, destination)
		},
	}
	cmd.Flags().BoolVar(&print, "print", false, "print the sign-in URL instead of opening a browser")
	cmd.Flags().StringVar(&destination, "destination", "", "console page to land on (default: the console home of the profile's region)")
	return cmd
}

func (a *app) runConsole(ctx context.Context, print bool, destination string) error {
	creds, _, _, err := session.Cached(ctx, a.request(), a.sessionDeps())
	if err != nil {
		return err
	}
	if creds.SessionToken == "" {
		return hint.With(errors.New("the console needs temporary credentials, and this profile has long-term IAM user keys"),
			"use a profile that assumes a role or uses IAM Identity Center: awsauth profiles")
	}
	endpoint := a.deps.Env.Get("AWSAUTH_FEDERATION_ENDPOINT")
	if endpoint == "" {
		endpoint = defaultFederationEndpoint
	}
	session, _ := json.Marshal(map[string]string{"sessionId": creds.AccessKeyID, "sessionKey": creds.SecretAccessKey, "sessionToken": creds.SessionToken})
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("federation endpoint %q: %w", endpoint, err)
	}
	a.debugf("console: asking %s for a sign-in token", endpoint)
	resp, err := a.deps.HTTPClient.Do(req)
	if err != nil {
		// The URL carries the credentials: report the host only.
		return &identity.UnreachableError{Endpoint: hostOf(endpoint), Err: errors.Unwrap(err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var out struct{ SigninToken string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil || out.SigninToken == "" {
		return hint.With(fmt.Errorf("the sign-in endpoint refused the credentials (HTTP %d)", resp.StatusCode),
			"check them with: awsauth status"+profileFlag(a.g.profile))
	}
	if destination == "" {
		destination = "https://console.aws.amazon.com/"
		if r := a.regionOf(ctx); r != "" {
			destination = "https://" + r + ".console.aws.amazon.com/console/home?region=" + r
		}
	}
	login := endpoint + "?" + url.Values{"Action": {"login"}, "Issuer": {"awsauth"}, "Destination": {destination}, "SigninToken": {out.SigninToken}}.Encode()
	if print || a.deps.OpenBrowser == nil {
		fmt.Fprintln(a.deps.IO.Out, login)
		return nil
	}
	if err := a.deps.OpenBrowser(login); err != nil {
		return hint.With(fmt.Errorf("could not open a browser: %w", err), "print the URL instead: awsauth console --print"+profileFlag(a.g.profile))
	}
	fmt.Fprintln(a.deps.IO.ErrOut, "opened the AWS console in your browser")
	return nil
}

// regionOf is the region the profile resolves to, or "".
func (a *app) regionOf(ctx context.Context) string {
	tr, err := awsconfig.Resolve(ctx, a.request())
	if err != nil {
		return ""
	}
	return tr.Region
}

func profileFlag(p string) string {
	if p == "" {
		return ""
	}
	return " --profile " + p
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Scheme + "://" + p.Host
	}
	return ""
}
