package cli

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/credsource"
	"github.com/awsauth/awsauth/internal/iostreams"
	"github.com/awsauth/awsauth/internal/keeper"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// TestExecReportsAnOutageAsItIs: failed renewals say until when the
// credentials still hold, and once they do not, that they expired; an
// expiry that a login would not cure does not ask for one; and the
// renewal that ends the outage is told, even with -q.
func TestExecReportsAnOutageAsItIs(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	exp := t0.Add(time.Minute)
	busy := errors.New("AWS throttled SSO GetRoleCredentials: TooManyRequestsException: Rate exceeded")
	ended := &credsource.LoginRequiredError{Hop: awsconfig.Hop{Profile: "dev"}, Why: "the SSO session has ended"}
	tests := []struct {
		name   string
		quiet  bool
		events []keeper.Event
		want   []string
	}{
		{"outage", false, []keeper.Event{
			{Kind: keeper.EventRefreshFailed, Time: t0, Expires: exp, Err: busy},
			{Kind: keeper.EventExpired, Time: exp, Expires: exp, Err: busy},
			{Kind: keeper.EventRefreshFailed, Time: exp.Add(time.Second), Expires: exp, Err: busy},
			{Kind: keeper.EventRefreshed, Time: exp.Add(2 * time.Second), Expires: exp.Add(time.Hour)},
			{Kind: keeper.EventRefreshed, Time: exp.Add(time.Hour), Expires: exp.Add(2 * time.Hour)},
		}, []string{
			"awsauth: renewing credentials failed (" + busy.Error() + "); still valid until 2026-11-23T09:01:00Z, retrying",
			"awsauth: the credentials expired at 2026-11-23T09:01:00Z and could not be renewed (" + busy.Error() + "); AWS calls of the command fail until a renewal succeeds, retrying",
			"awsauth: renewing credentials failed (" + busy.Error() + "); they expired at 2026-11-23T09:01:00Z, retrying",
			"awsauth: credentials renewed after all; valid again until 2026-11-23T10:01:00Z",
		}},
		{"quiet outage", true, []keeper.Event{
			{Kind: keeper.EventRefreshFailed, Time: t0, Expires: exp, Err: busy},
			{Kind: keeper.EventExpired, Time: exp, Expires: exp, Err: busy},
			{Kind: keeper.EventRefreshed, Time: exp.Add(2 * time.Second), Expires: exp.Add(time.Hour)},
		}, []string{
			"awsauth: the credentials expired at 2026-11-23T09:01:00Z and could not be renewed (" + busy.Error() + "); AWS calls of the command fail until a renewal succeeds, retrying",
			"awsauth: credentials renewed after all; valid again until 2026-11-23T10:01:00Z",
		}},
		{"login needed", true, []keeper.Event{
			{Kind: keeper.EventExpired, Time: exp, Expires: exp, Err: ended},
		}, []string{
			"awsauth: the credentials have expired and could not be renewed (" + ended.Error() + "); AWS calls of the command will fail until you log in",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, errOut := iostreams.Test()
			a := &app{deps: Deps{IO: ios}}
			show := a.execEventPrinter(&awsconfig.Trace{Profile: "dev"}, execOptions{quiet: tt.quiet})
			for _, e := range tt.events {
				show(e)
			}
			if got, want := errOut.String(), strings.Join(tt.want, "\n")+"\n"; got != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// The login notice goes to the desktop too, once, unless --no-notify or
// AWSAUTH_NO_NOTIFY says not to.
func TestExecNotifiesTheDesktop(t *testing.T) {
	ended := &credsource.LoginRequiredError{Hop: awsconfig.Hop{Profile: "dev"}, Why: "the SSO session has ended"}
	exp := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		noNotify bool
		env      map[string]string
		want     int
	}{
		{"default", false, nil, 1},
		{"--no-notify", true, nil, 0},
		{"AWSAUTH_NO_NOTIFY", false, map[string]string{"AWSAUTH_NO_NOTIFY": "1"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got []string
			a := &app{deps: Deps{IO: ios, Env: sysenv.FromMap(c.env), Notify: func(title, body string) { got = append(got, title+": "+body) }}}
			show := a.execEventPrinter(&awsconfig.Trace{Profile: "dev"}, execOptions{noNotify: c.noNotify})
			show(keeper.Event{Kind: keeper.EventNeedsLogin, Time: exp.Add(-time.Minute), Expires: exp, Err: ended})
			if len(got) != c.want {
				t.Fatalf("notifications %q, want %d", got, c.want)
			}
			if c.want == 1 && !strings.Contains(got[0], "awsauth login --profile dev") {
				t.Errorf("notification %q does not say what to run", got[0])
			}
		})
	}
}
