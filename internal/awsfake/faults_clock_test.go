package awsfake

import (
	"testing"
	"time"
)

// TestScaledClockJumps checks both directions of a jump on a running
// ScaledClock: Set and a negative Advance move the fake time back, the
// clock keeps its speed afterwards, and RealTime still maps a lifetime
// onto real time at that speed.
func TestScaledClockJumps(t *testing.T) {
	wall := &fakeWall{now: realStart}
	c := newScaledClock(fakeT0, 60, wall.Now)
	wall.add(time.Minute) // fake: +1h

	back := fakeT0.Add(-2 * time.Hour)
	c.Set(back)
	if got := c.Now(); !got.Equal(back) {
		t.Fatalf("Now after Set back = %s, want %s", got, back)
	}
	wall.add(time.Second)
	if got, want := c.Now(), back.Add(time.Minute); !got.Equal(want) {
		t.Fatalf("Now a second after the jump = %s, want %s (speed 60 kept)", got, want)
	}
	if got, want := c.RealTime(c.Now().Add(time.Hour)), wall.Now().Add(time.Minute); !got.Equal(want) {
		t.Errorf("RealTime(now+1h) after a jump back = %s, want %s", got, want)
	}

	c.Advance(-30 * time.Minute)
	if got, want := c.Now(), back.Add(time.Minute-30*time.Minute); !got.Equal(want) {
		t.Errorf("Now after Advance(-30m) = %s, want %s", got, want)
	}
	fwd := fakeT0.Add(24 * time.Hour)
	c.Set(fwd)
	if got := c.Now(); !got.Equal(fwd) {
		t.Errorf("Now after Set forward = %s, want %s", got, fwd)
	}
}
