package doctor

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/awsauth/awsauth/internal/identity"
)

// AWS refuses requests signed more than 5 minutes off its clock; past a
// minute of skew the check warns, since clocks that drift keep drifting.
const (
	maxSkew  = 5 * time.Minute
	warnSkew = time.Minute
)

// ClockSkew: this machine's clock agrees with AWS's.
var ClockSkew = Check{
	ID:      "clock-skew",
	Title:   "Clock agrees with AWS",
	Network: true,
	Run: func(ctx context.Context, e *Env) Result {
		if _, err := e.Trace(ctx); err != nil {
			return Result{Status: Skip, Detail: "the chain does not resolve (see credentials)"}
		}
		c, _ := e.Caller(ctx)
		if c == nil || c.ServerTime.IsZero() {
			return Result{Status: Skip, Detail: "no answer from STS to compare with (see sts)"}
		}
		// The Date header is whole seconds: up to a second of the
		// difference is its rounding.
		skew := c.LocalTime.Sub(c.ServerTime)
		abs := skew
		if abs < 0 {
			abs = -abs
		}
		dir := "ahead of"
		if skew < 0 {
			dir = "behind"
		}
		d := fmt.Sprintf("this clock is %s %s AWS's (STS answered with Date %s)", roundSkew(abs), dir, c.ServerTime.UTC().Format(time.RFC3339))
		switch {
		case abs > maxSkew:
			return Result{Status: Fail, Detail: d + ": AWS refuses requests signed more than 5 minutes off", Fix: clockFix(e.GOOS)}
		case abs > warnSkew:
			return Result{Status: Warn, Detail: d + ": AWS refuses requests at 5 minutes", Fix: clockFix(e.GOOS)}
		}
		return Result{Status: OK, Detail: fmt.Sprintf("within %s of AWS's clock", roundSkew(abs+time.Second))}
	},
}

func roundSkew(d time.Duration) string { return d.Round(time.Second).String() }

// clockFix is the command that turns on network time sync.
func clockFix(goos string) string {
	if goos == "" {
		goos = runtime.GOOS
	}
	return identity.ClockSyncCommand(goos)
}
