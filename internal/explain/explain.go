// Package explain turns an AWS authentication error, or a whole log with one
// in it, into its cause and the commands that fix it, for the person's own
// setup.
//
// # Rules
//
// [Rules] is the one table of known causes: the message fragments that
// identify each, what it means, and the fixes, with conditional advice keyed
// on the person's credential chain. The command (awsauth explain) and the
// guide (docs/troubleshooting.md, written by [Markdown] through go generate)
// both read it, so they cannot disagree.
//
// # Reading input
//
// [ScanLog] reads a log line by line with a bounded buffer: a line longer
// than [MaxLine] is cut, not fatal, and memory stays the same for a 10 MB log
// as for one line. It reports the root failure, which is the first line
// matching a cause; lines that only wrap or repeat another error ("weak"
// patterns) count only when nothing else matched. The input is read to its
// end even after the root is found, so that a deployment piped into it is
// never cut off by a closed pipe.
//
// # Secrets
//
// Every line this package hands back passes through [Redact] first: secret
// keys, session and bearer tokens and key=value secrets never reach the
// output, and access key ids are masked.
package explain

import (
	"strings"
)

//go:generate go run ../../cmd/gen-troubleshooting -o ../../docs/troubleshooting.md

// Cause is the stable id of a cause, as --json reports it.
type Cause string

// The known causes.
const (
	ExpiredSessionToken     Cause = "expired_session_token"
	ExpiredSSOToken         Cause = "expired_sso_token"
	SSONotLoggedIn          Cause = "sso_session_not_logged_in"
	NoCredentialsFound      Cause = "no_credentials_found"
	SDKLoadConfigMissing    Cause = "sdk_load_config_missing"
	InvalidClientTokenID    Cause = "invalid_client_token_id"
	SignatureMismatch       Cause = "signature_mismatch"
	ClockSkew               Cause = "clock_skew"
	AccessDenied            Cause = "access_denied_permissions"
	AssumeRoleDenied        Cause = "assume_role_denied"
	MFARequired             Cause = "mfa_required"
	RoleChainingLimit       Cause = "role_chaining_duration_limit"
	RoleDurationTooLong     Cause = "role_duration_exceeds_max"
	ProfileNotFound         Cause = "profile_not_found"
	ProfileSettingsConflict Cause = "profile_settings_conflict"
	CDKWrongAccount         Cause = "cdk_wrong_account_context"
	CDKBootstrapMissing     Cause = "cdk_bootstrap_missing"
	RegionMissing           Cause = "region_missing"
	IMDSUnavailable         Cause = "imds_unavailable"
	CredentialProcessFailed Cause = "credential_process_failed"
	WebIdentityFailed       Cause = "web_identity_failed"
	LoginSessionExpired     Cause = "login_session_expired"
	ConfigFileInvalid       Cause = "config_file_invalid"
	EKSUnauthorized         Cause = "eks_unauthorized"
	EKSExecPluginFailed     Cause = "eks_exec_plugin_failed"
	// Unknown is reported when nothing in the input resembles a known cause.
	Unknown Cause = "unknown"
)

// Rule is one known cause: how to recognise it and what to do about it.
//
// Texts may hold placeholders in braces, filled from the [Situation] and
// from the matched line ({profile}, {cmd}, {account}, ...); see [vars].
type Rule struct {
	Cause Cause
	// Title names the cause in a few words.
	Title string
	// Match lists the patterns that identify the cause; any one suffices.
	Match []Pattern
	// Priority breaks ties when several causes match one line: the most
	// specific (highest) wins, so "Signature expired" inside a
	// SignatureDoesNotMatch line is clock skew, not a wrong secret.
	Priority int
	// Extract pulls placeholders out of the matched line, by group name.
	Extract []string
	// Summary says in one sentence what happened.
	Summary string
	// Explain says why it happens, for anyone.
	Explain string
	// Fixes apply to everyone, after the advice for the situation.
	Fixes []Fix
	// When is advice for particular setups, in order.
	When []Advice
	// Keywords score the input when no pattern matched, to name the
	// closest cause.
	Keywords []string
}

// Pattern is a set of fragments that must all appear in one line, compared
// without regard to case.
type Pattern struct {
	All []string
	// Boost is added to the rule's priority for this pattern.
	Boost int
	// Weak marks a line that wraps or announces a failure reported better
	// elsewhere: it is the answer only when no other line matches.
	Weak bool
}

// Fix is one thing to do: a command, or an instruction when there is no
// single command.
type Fix struct {
	Cmd  string `json:"command,omitempty"`
	Note string `json:"note,omitempty"`
}

// String is the command, or the instruction when there is none.
func (f Fix) String() string {
	if f.Cmd != "" {
		return f.Cmd
	}
	return f.Note
}

// Advice applies when its condition holds for the person's setup.
type Advice struct {
	If    Cond
	Why   string
	Fixes []Fix
}

// Cond is a test on the [Situation], with the sentence the guide shows for it.
type Cond struct {
	Doc  string
	Test func(*Situation) bool
}

// p builds a pattern from fragments that must all appear.
func p(all ...string) Pattern { return Pattern{All: all} }

// weak marks a pattern as a wrapper line.
func weak(pt Pattern) Pattern { pt.Weak = true; return pt }

// boost raises a pattern above its rule's priority.
func boost(pt Pattern, n int) Pattern { pt.Boost = n; return pt }

// cmd and note build fixes.
func cmd(c string, note ...string) Fix { return Fix{Cmd: c, Note: strings.Join(note, " ")} }
func note(n string) Fix                { return Fix{Note: n} }

// RuleFor returns the rule of a cause.
func RuleFor(c Cause) (*Rule, bool) {
	for i := range rules {
		if rules[i].Cause == c {
			return &rules[i], true
		}
	}
	return nil, false
}

// Rules returns the table, in the order the guide shows it.
func Rules() []Rule { return rules }
