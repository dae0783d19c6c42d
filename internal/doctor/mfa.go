package doctor

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

// maxRoleSession is the longest session AWS grants a role (duration_seconds
// may ask for up to this when the role's own maximum allows).
const maxRoleSession = 12 * time.Hour

// MFA: a role that asks for an MFA code can get one.
var MFA = Check{
	ID:    "mfa",
	Title: "MFA prompts can be answered",
	Run: func(ctx context.Context, e *Env) Result {
		t, err := e.Trace(ctx)
		if err != nil {
			return Result{Status: Skip, Detail: "the chain does not resolve (see credentials)"}
		}
		i := -1
		for j, h := range t.Hops {
			if h.Kind == awsconfig.KindAssumeRole && h.MFASerial != "" {
				i = j
				break
			}
		}
		if i < 0 {
			return Result{Status: Skip, Detail: "no role in the chain has mfa_serial"}
		}
		h := t.Hops[i]
		what := fmt.Sprintf("role %s (profile %s) needs a code from %s", h.RoleARN, h.Profile, h.MFASerial)
		if !e.Interactive || inCI(e) {
			return Result{
				Status: Fail,
				Detail: what + ", and no terminal is attached to type it: the first AWS call will fail",
				Fix:    fmt.Sprintf("run it from a terminal: awsauth exec --profile %s -- cdk deploy   (unattended runs need a role without mfa_serial)", h.Profile),
			}
		}
		session := h.Duration
		if session == 0 {
			session = time.Hour
		}
		chained := i+1 < len(t.Hops) && roleSession(t.Hops[i+1])
		if chained && session > chainCap {
			session = chainCap
		}
		how := "the prompt comes on this terminal from whoever assumes the role: awsauth exec asks before the command starts; the AWS CLI and the CDK CLI ask themselves when they use the profile"
		if i+1 < len(t.Hops) && (t.Hops[i+1].Kind == awsconfig.KindStatic || t.Hops[i+1].Kind == awsconfig.KindEnv) && t.Hops[i+1].Static.SessionToken == "" {
			how = "awsauth asks once on this terminal, trades the code for a 12-hour MFA session of the IAM user, and renews the role from it without asking again; the AWS CLI and the CDK CLI ask themselves when they use the profile"
		}
		if d := e.Expect.Duration; d > session {
			fix := deployCmd(t) + "   (asks once, in this terminal, and renews the session)"
			if !chained && d <= maxRoleSession {
				secs := int(math.Ceil(d.Seconds()))
				fix = fmt.Sprintf("add \"duration_seconds = %d\" to [profile %s] in %s (the role's maximum session duration must allow it)", secs, h.Profile, t.Files.Config)
			}
			return Result{
				Status: Warn,
				Detail: fmt.Sprintf("%s; its sessions last %s, less than the planned %s: a tool that assumes the role itself asks for a new code each time; %s", what, human(session), human(d), how),
				Fix:    fix,
			}
		}
		return Result{Status: OK, Detail: what + "; " + how}
	},
}
