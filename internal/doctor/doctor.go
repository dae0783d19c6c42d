// Package doctor holds the checks behind `awsauth doctor` and `awsauth
// preflight`: the dozen setup mistakes that cost people hours, each found
// and explained with the exact command or edit that fixes it.
//
// # Checks
//
// A [Check] is a small value: an ID, a title, and a Run function that looks
// at an [Env] and returns a [Result] (ok, warn, fail or skip, a detail line,
// and a fix). Checks never print and never read the process environment,
// the clock or the network except through the Env, so every one of them is
// tested with a sealed HOME, a fake clock and a local STS.
//
// Work that several checks need (resolving the chain, retrieving the
// credentials, asking STS who they belong to) is done once per Env, on
// first use, and shared.
//
// # Sets
//
// [All] is what `awsauth doctor` runs. [Preflight] is the subset that can
// break a deployment, which `awsauth preflight` runs before `cdk deploy`.
package doctor

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/session"
	"github.com/awsauth/awsauth/internal/status"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// Status is the outcome of one check.
type Status string

// The outcomes of a check. Only Fail makes `doctor` exit 5; with --strict,
// Warn does too.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Result is what a check found. Its JSON form is the stable
// `awsauth doctor --json` contract: an array of these.
type Result struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Detail says what was found, in one line; never a secret.
	Detail string `json:"detail"`
	// Fix is the exact command or edit that makes a warn or fail go away.
	Fix string `json:"fix"`
}

// Check is one thing doctor looks at.
type Check struct {
	ID    string
	Title string
	// Network checks call AWS; with [Env.Offline] they are skipped
	// without running.
	Network bool
	Run     func(ctx context.Context, env *Env) Result
}

// Expect is what the deployment is meant to use. Empty fields expect
// nothing.
type Expect struct {
	Account     string
	AccountFrom string // where Account came from, e.g. "--expect-account", "CDK_DEFAULT_ACCOUNT in .env"
	Region      string
	RegionFrom  string
	// Duration is how long the deployment will run; 0 asks only that the
	// credentials work now.
	Duration time.Duration
}

// GitFunc runs git with args in dir and returns its stdout.
type GitFunc func(ctx context.Context, dir string, args ...string) ([]byte, error)

// Env is everything a check may look at. Build one per run: it remembers
// what it has resolved and retrieved. Use it through a pointer.
type Env struct {
	// Profile and Region are the --profile and --region flags.
	Profile string
	Region  string
	// Lookup is the process environment.
	Lookup sysenv.Env
	// Now is this machine's clock; the clock-skew check measures it
	// against STS's.
	Now        func() time.Time
	HTTPClient *http.Client
	// Dir is where the deployment runs: cdk.json, cdk.context.json, .env
	// and the git work tree are read there.
	Dir    string
	Expect Expect
	// Offline skips the checks that call AWS; the others use only the
	// configuration.
	Offline bool
	// Interactive says a person at a terminal can answer prompts (an MFA
	// code).
	Interactive bool
	// Git runs git for the repository scan; nil skips that check.
	Git GitFunc
	// GOOS is the operating system the fixes are written for; "" means
	// the one awsauth runs on.
	GOOS string
	// Debugf, when set, receives progress lines; never secrets.
	Debugf func(format string, args ...any)

	reportOnce sync.Once
	report     *status.Report
	reportErr  error

	callerOnce sync.Once
	caller     *Caller
	callerErr  error
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Env) debugf(format string, args ...any) {
	if e.Debugf != nil {
		e.Debugf(format, args...)
	}
}

func (e *Env) request() awsconfig.Request {
	return awsconfig.Request{Profile: e.Profile, Region: e.Region, Env: e.Lookup}
}

func (e *Env) sessionDeps() session.Deps {
	return session.Deps{Env: e.Lookup, HTTPClient: e.HTTPClient, Now: e.Now, Debugf: e.Debugf}
}

// Report resolves the chain once, without the network and without judging
// the credentials (the checks do that), and returns the same report every
// time.
func (e *Env) Report(ctx context.Context) (*status.Report, error) {
	e.reportOnce.Do(func() {
		e.report, e.reportErr = status.Check(ctx, status.Options{
			Request: e.request(), Deps: e.sessionDeps(), Offline: true, ConfigOnly: true, Now: e.Now, Debugf: e.Debugf,
		})
		if e.report == nil && e.reportErr == nil {
			e.reportErr = errNoReport
		}
	})
	return e.report, e.reportErr
}

// Trace is the resolved chain, or the error that stopped resolution.
func (e *Env) Trace(ctx context.Context) (*awsconfig.Trace, error) {
	r, err := e.Report(ctx)
	if err != nil {
		return nil, err
	}
	return r.Trace, nil
}

// Run runs checks in order against env and returns one result for each,
// with its ID and title filled in. A check that panics is a bug, not a
// finding: Run does not recover.
func Run(ctx context.Context, env *Env, checks []Check) []Result {
	out := make([]Result, 0, len(checks))
	for _, c := range checks {
		var r Result
		if c.Network && env.Offline {
			r = Result{Status: Skip, Detail: "not checked: --offline"}
		} else {
			env.debugf("doctor: %s", c.ID)
			r = c.Run(ctx, env)
		}
		r.ID, r.Title = c.ID, c.Title
		if r.Status == "" {
			r.Status = Skip
		}
		out = append(out, r)
	}
	return out
}

// Counts tallies results by status.
func Counts(results []Result) map[Status]int {
	m := map[Status]int{}
	for _, r := range results {
		m[r.Status]++
	}
	return m
}

// Failed returns the IDs of the results that fail a run: those that failed,
// and with strict also those that warned.
func Failed(results []Result, strict bool) []string {
	var ids []string
	for _, r := range results {
		if r.Status == Fail || strict && r.Status == Warn {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// All is every check, in the order `awsauth doctor` shows them.
func All() []Check {
	return []Check{
		Credentials, STS, Account, Region, ClockSkew, Lifetime, MFA,
		EnvConflicts, SDKLoadConfig, CIOIDC, CDKContext, CDKBootstrap,
		StaticKeys, FileModes, RepoSecrets,
	}
}

// Preflight is the subset of [All] that can break a deployment about to
// start. It leaves out what only concerns the machine's hygiene (key files,
// modes, the repository scan), which is slower and not the deployment's
// business.
func Preflight() []Check {
	return []Check{
		Credentials, STS, Account, Region, ClockSkew, Lifetime, MFA,
		EnvConflicts, CIOIDC, CDKContext, CDKBootstrap,
	}
}

// ByID returns the check with id from [All].
func ByID(id string) (Check, bool) {
	for _, c := range All() {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}
