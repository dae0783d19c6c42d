//go:build linux && race

package hardening

// raceEnabled builds awsauth with the race detector too, so that the
// processes these tests run are checked as well as the tests themselves.
const raceEnabled = true
