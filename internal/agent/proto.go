// Package agent is awsauth's per-user agent: one credential session per
// profile for all of a person's terminals, editors and tools. The agent
// listens on a Unix socket only (0600, in a 0700 directory), answers only
// its owner (the peer's uid is checked on every connection), holds one
// [session.Session] per (profile, shared files, endpoint overrides) — the
// credential cache's own key — renews it once for everyone, and tells every
// attached client when the session needs a person. It exits by itself
// after an idle time with no clients.
//
// Clients never depend on it: [Attach] fails fast when no agent answers,
// and an attachment reports when the agent goes away, so that exec can fall
// back to its own in-process session without its child noticing.
//
// The protocol is one JSON object per line. A client sends one [Request];
// the agent answers with [Message]s: one for get, status and stop; for
// attach, a stream that lasts as long as the connection.
package agent

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Request is what a client asks for.
type Request struct {
	// Op is attach, get, status or stop.
	Op string `json:"op"`
	// Profile is the --profile of the client ("" for none), Env the part
	// of its environment that decides what the profile resolves to (see
	// [RequestEnv]: never a secret).
	Profile string            `json:"profile,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	// PID and Command describe an attaching client for agent status.
	PID     int    `json:"pid,omitempty"`
	Command string `json:"command,omitempty"`
	// Notify asks for a desktop notification when the session needs a
	// person (one for every client that asks).
	Notify bool `json:"notify,omitempty"`
	// Prompt says the client has a person at a terminal who can type an
	// MFA code: the agent asks the first such client of a session.
	Prompt bool `json:"prompt,omitempty"`
	// Code is the MFA code, on an attached connection (op mfa).
	Code string `json:"code,omitempty"`
}

// Message is one line from the agent.
type Message struct {
	// Type is creds, event, mfa, status, ok or error.
	Type string `json:"type"`
	// Serial names the MFA device whose code the agent asks for, for mfa.
	Serial string `json:"serial,omitempty"`
	// Creds, for creds.
	Creds *WireCredentials `json:"creds,omitempty"`
	// Event, for event: needs-login, login-failed, expired, refresh-failed.
	Event   string    `json:"event,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
	// Error, for error and for events that carry one.
	Error string `json:"error,omitempty"`
	// LoginRequired marks an error that only a person can cure.
	LoginRequired bool `json:"login_required,omitempty"`
	// Sessions and the agent's PID, for status.
	Sessions []SessionStatus `json:"sessions,omitempty"`
	PID      int             `json:"pid,omitempty"`
	// Source is the held session's credential source, for creds.
	Source string `json:"source,omitempty"`
}

// WireCredentials are credentials on the socket.
type WireCredentials struct {
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token,omitempty"`
	Expires         time.Time `json:"expires,omitzero"`
	AccountID       string    `json:"account_id,omitempty"`
}

func toWire(c aws.Credentials) *WireCredentials {
	w := &WireCredentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, AccountID: c.AccountID}
	if c.CanExpire {
		w.Expires = c.Expires
	}
	return w
}

// Credentials converts back.
func (w *WireCredentials) Credentials() aws.Credentials {
	c := aws.Credentials{AccessKeyID: w.AccessKeyID, SecretAccessKey: w.SecretAccessKey, SessionToken: w.SessionToken, AccountID: w.AccountID, Source: "awsauth-agent"}
	if !w.Expires.IsZero() {
		c.CanExpire, c.Expires = true, w.Expires
	}
	return c
}

// SessionStatus is one held session, for agent status.
type SessionStatus struct {
	Profile     string         `json:"profile"`
	Source      string         `json:"source"`
	Account     string         `json:"account,omitempty"`
	Expires     time.Time      `json:"credentials_expire,omitzero"`
	SSOExpires  time.Time      `json:"sso_session_expires,omitzero"`
	NextRenewal time.Time      `json:"next_renewal,omitzero"`
	Renewals    uint64         `json:"renewals"`
	State       string         `json:"state"`
	Clients     []ClientStatus `json:"clients"`
}

// ClientStatus is one attached client.
type ClientStatus struct {
	PID     int    `json:"pid"`
	Command string `json:"command"`
}
