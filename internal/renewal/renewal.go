// Package renewal is awsauth's one rule for when temporary credentials are
// renewed, shared by the credential cache (and so the early
// credential-process path, which must not wait for the AWS SDK's packages
// to initialise: this package imports only the standard library's time) and
// the keeper behind exec.
//
// Credentials are renewed when min(15 min, half their lifetime) is left,
// the lifetime running from when they were obtained from their source to
// their expiry. Fifteen minutes because botocore (boto3, the AWS CLI)
// starts refreshing with 15 minutes left, and from then on asks the
// container endpoint again on every request; half the lifetime so that
// short-lived credentials (test sessions, 40 s in a soak) behave the same,
// scaled. Measuring from when they were obtained, not from when a process
// first sees them, makes a process that starts from cached credentials
// renew them at the very moment the one that fetched them would have.
package renewal

import "time"

// MaxWindow is the longest renewal window: what credentials living 30
// minutes or more, and credentials obtained at an unknown time, get.
const MaxWindow = 15 * time.Minute

// Lifetime is how long credentials obtained at obtained and expiring at
// expires live. It is unknown (false) when obtained is zero (a cache entry
// that does not say) or not before expires (a clock that jumped, or a
// corrupt entry).
func Lifetime(obtained, expires time.Time) (time.Duration, bool) {
	if obtained.IsZero() || !obtained.Before(expires) {
		return 0, false
	}
	return expires.Sub(obtained), true
}

// WindowFits reports whether a window chosen by hand (exec
// --refresh-before) can take the rule's place for credentials living life.
// Only a positive window shorter than the lifetime can: a longer one makes
// every renewal due as soon as the credentials arrive. The lifetime counts
// to the second: measured from before the call that obtained the
// credentials to an expiry stated to the second or millisecond, it is off
// by a little, and a window of exactly the lifetime must not slip through.
func WindowFits(window, life time.Duration) bool {
	return window > 0 && window < life.Round(time.Second)
}

// Window is how long before expires the credentials are renewed:
// min([MaxWindow], half their lifetime), or MaxWindow when the lifetime is
// unknown. That is never later than the rule would renew them at for any
// lifetime; for short-lived ones it is earlier (at once, when they live
// less than 15 minutes), which costs one upstream call that then records
// when the new credentials were obtained.
func Window(obtained, expires time.Time) time.Duration {
	life, ok := Lifetime(obtained, expires)
	if !ok {
		return MaxWindow
	}
	return min(MaxWindow, life/2)
}

// Due is when the credentials are to be renewed: [Window] before expires.
func Due(obtained, expires time.Time) time.Time {
	return expires.Add(-Window(obtained, expires))
}

// Fresh reports whether the credentials may still be handed out at now
// without renewing them: now is before [Due].
func Fresh(obtained, expires, now time.Time) bool {
	return now.Before(Due(obtained, expires))
}
