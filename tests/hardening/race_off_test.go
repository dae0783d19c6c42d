//go:build linux && !race

package hardening

const raceEnabled = false
