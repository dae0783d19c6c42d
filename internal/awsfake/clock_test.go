package awsfake

import (
	"math"
	"sync"
	"testing"
	"time"
)

// fakeWall is a controllable wall clock for the clocks' real side.
type fakeWall struct {
	mu  sync.Mutex
	now time.Time
}

func (w *fakeWall) Now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *fakeWall) add(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.now = w.now.Add(d)
}

var (
	realStart = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	fakeT0    = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
)

func TestScaledClock(t *testing.T) {
	wall := &fakeWall{now: realStart}
	c := newScaledClock(fakeT0, 60, wall.Now)

	if got := c.Now(); !got.Equal(fakeT0) {
		t.Fatalf("Now at start = %s, want %s", got, fakeT0)
	}
	wall.add(time.Minute)
	if got, want := c.Now(), fakeT0.Add(time.Hour); !got.Equal(want) {
		t.Fatalf("after one real minute at speed 60: %s, want %s", got, want)
	}
	// Credentials that live one fake hour from now expire one real minute
	// from now.
	if got, want := c.RealTime(c.Now().Add(time.Hour)), wall.Now().Add(time.Minute); !got.Equal(want) {
		t.Fatalf("RealTime = %s, want %s", got, want)
	}
	c.Advance(30 * time.Minute)
	if got, want := c.Now(), fakeT0.Add(90*time.Minute); !got.Equal(want) {
		t.Fatalf("after Advance: %s, want %s", got, want)
	}
	if got, want := c.RealTime(fakeT0.Add(2*time.Hour)), wall.Now().Add(30*time.Second); !got.Equal(want) {
		t.Fatalf("RealTime after Advance = %s, want %s", got, want)
	}
	// Past instants map into the real past.
	if got, want := c.RealTime(fakeT0), wall.Now().Add(-90*time.Second); !got.Equal(want) {
		t.Fatalf("RealTime of the past = %s, want %s", got, want)
	}
}

func TestScaledClockRejectsNonsenseSpeeds(t *testing.T) {
	for _, speed := range []float64{0, -2, math.NaN(), math.Inf(1)} {
		wall := &fakeWall{now: realStart}
		c := newScaledClock(fakeT0, speed, wall.Now)
		wall.add(time.Second)
		if c.Speed() != 1 || !c.Now().Equal(fakeT0.Add(time.Second)) {
			t.Errorf("speed %v: Speed() = %v, Now = %s; want speed 1", speed, c.Speed(), c.Now())
		}
	}
}

func TestManualClock(t *testing.T) {
	wall := &fakeWall{now: realStart}
	c := NewManualClock(fakeT0)
	c.real = wall.Now
	wall.add(time.Hour) // real time passing does not move it
	if !c.Now().Equal(fakeT0) {
		t.Fatalf("Now = %s", c.Now())
	}
	c.Advance(time.Minute)
	if got, want := c.RealTime(fakeT0.Add(time.Hour)), wall.Now().Add(59*time.Minute); !got.Equal(want) {
		t.Fatalf("RealTime = %s, want %s", got, want)
	}
	c.Set(fakeT0)
	if !c.Now().Equal(fakeT0) {
		t.Fatalf("Set: Now = %s", c.Now())
	}
	if clockSpeed(c) != 1 {
		t.Fatalf("clockSpeed = %v", clockSpeed(c))
	}
}

func TestScaleSaturates(t *testing.T) {
	if got := scale(math.MaxInt64/2, 4); got != math.MaxInt64 {
		t.Errorf("scale overflow = %d", got)
	}
	if got := scale(math.MinInt64/2, 4); got != math.MinInt64 {
		t.Errorf("scale underflow = %d", got)
	}
}
