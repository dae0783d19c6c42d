package keeper

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// State is what a keeper is doing about its credentials.
type State int

const (
	// Fresh: valid credentials in memory, no refresh under way or failing.
	Fresh State = iota
	// Refreshing: a background refresh is under way; the current
	// credentials are served meanwhile.
	Refreshing
	// Failing: the last upstream call failed and will be retried with
	// backoff; still-valid credentials are served meanwhile.
	Failing
	// NeedsLogin: the upstream needs a person (SSO session ended, MFA);
	// still-valid credentials are served and the upstream is polled.
	NeedsLogin
	// Expired: no valid credentials in memory; Get fails.
	Expired
)

func (s State) String() string {
	switch s {
	case Fresh:
		return "fresh"
	case Refreshing:
		return "refreshing"
	case Failing:
		return "failing"
	case NeedsLogin:
		return "needs-login"
	case Expired:
		return "expired"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// EventKind says what an [Event] reports.
type EventKind int

const (
	// EventRefreshed: new credentials are in memory (Expires).
	EventRefreshed EventKind = iota + 1
	// EventRefreshFailed: an upstream call failed (Err); the next is
	// planned at Retry.
	EventRefreshFailed
	// EventNeedsLogin: the upstream needs a person (Err). Sent once per
	// episode; the keeper then polls quietly until a login shows up.
	EventNeedsLogin
	// EventLoginFailed: [Options.OnNeedsLogin] returned an error (Err).
	EventLoginFailed
	// EventExpired: the credentials in memory expired (Expires) with
	// nothing to replace them; Err is the last upstream failure.
	EventExpired
)

func (k EventKind) String() string {
	switch k {
	case EventRefreshed:
		return "refreshed"
	case EventRefreshFailed:
		return "refresh-failed"
	case EventNeedsLogin:
		return "needs-login"
	case EventLoginFailed:
		return "login-failed"
	case EventExpired:
		return "expired"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is something the CLI may want to tell the person. It never holds
// secret values: only times and the upstream's error.
type Event struct {
	Kind EventKind
	Time time.Time
	// Expires is when the credentials in memory expire (the new ones for
	// EventRefreshed); zero when there are none or they never expire.
	Expires time.Time
	// Retry is when the upstream will be asked next, for failures.
	Retry time.Time
	Err   error
}

// String is a one-line description for --debug logs.
func (e Event) String() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if !e.Expires.IsZero() {
		fmt.Fprintf(&b, " expires=%s", e.Expires.UTC().Format(time.RFC3339))
	}
	if !e.Retry.IsZero() {
		fmt.Fprintf(&b, " retry=%s", e.Retry.UTC().Format(time.RFC3339))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, " err=%q", e.Err.Error())
	}
	return b.String()
}

// ErrNoValidCredentials is matched (with errors.Is) by the error [Keeper.Get]
// returns when it has no valid credentials.
var ErrNoValidCredentials = errors.New("no valid AWS credentials")

// NoValidCredentialsError is returned by [Keeper.Get] when nothing valid is in
// memory. It unwraps to [ErrNoValidCredentials] and to the last upstream
// failure, so errors.As finds, say, the login-required error beneath it.
type NoValidCredentialsError struct {
	// Expired is when the last credentials expired; zero if there were none.
	Expired time.Time
	// Err is the last upstream failure, if any.
	Err error
}

func (e *NoValidCredentialsError) Error() string {
	var b strings.Builder
	b.WriteString(ErrNoValidCredentials.Error())
	if !e.Expired.IsZero() {
		fmt.Fprintf(&b, ": the last ones expired at %s", e.Expired.UTC().Format(time.RFC3339))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *NoValidCredentialsError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrNoValidCredentials}
	}
	return []error{ErrNoValidCredentials, e.Err}
}
