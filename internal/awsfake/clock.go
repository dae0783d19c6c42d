package awsfake

import (
	"math"
	"sync"
	"time"
)

// Clock is the fake's notion of "now". Every expiry the fake enforces is
// measured on it, never on the wall clock, so tests decide when things
// expire.
type Clock interface {
	Now() time.Time
}

// realTimer is implemented by clocks that know how a fake instant maps onto
// the wall clock. The fake uses it to express lifetimes on the wire in real
// time, which is what SDK clients compare against.
type realTimer interface {
	RealTime(fake time.Time) time.Time
}

// wallNow is the real clock behind the clocks in this file; tests replace it
// per clock through the unexported real field.
func wallNow() time.Time { return time.Now() }

// ManualClock is a Clock that moves only when told to. It runs at speed 1:
// [ManualClock.RealTime] maps a fake instant to the wall clock by keeping its
// distance from the fake now.
type ManualClock struct {
	mu   sync.Mutex
	now  time.Time
	real func() time.Time
}

// NewManualClock returns a clock standing at start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start, real: wallNow}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (or back, when d is negative).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// RealTime maps a fake instant to the wall clock: what remains until fake on
// this clock remains until the result on the wall clock.
func (c *ManualClock) RealTime(fake time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.real().Add(fake.Sub(c.now))
}

// ScaledClock is a Clock that runs speed times faster than the wall clock,
// so a demo can play a multi-hour deployment with one-hour credentials in a
// few minutes. Advance jumps ahead on top of the scaled flow.
type ScaledClock struct {
	mu        sync.Mutex
	start     time.Time // fake time at realStart
	realStart time.Time
	speed     float64
	offset    time.Duration // sum of Advance calls
	real      func() time.Time
}

// NewScaledClock returns a clock that reads start now and then runs speed
// times faster than real time. A speed that is not a positive finite number
// is treated as 1, because a clock that stands still or runs backwards would
// make every lifetime meaningless.
func NewScaledClock(start time.Time, speed float64) *ScaledClock {
	return newScaledClock(start, speed, wallNow)
}

func newScaledClock(start time.Time, speed float64, real func() time.Time) *ScaledClock {
	if !(speed > 0) || math.IsInf(speed, 0) {
		speed = 1
	}
	return &ScaledClock{start: start, realStart: real(), speed: speed, real: real}
}

// Speed reports how many fake seconds pass per real second.
func (c *ScaledClock) Speed() float64 { return c.speed }

// Now returns the fake time.
func (c *ScaledClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked(c.real())
}

func (c *ScaledClock) nowLocked(realNow time.Time) time.Time {
	elapsed := realNow.Sub(c.realStart)
	return c.start.Add(scale(elapsed, c.speed)).Add(c.offset)
}

// Advance jumps the fake time forward by d without waiting.
func (c *ScaledClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// RealTime maps a fake instant to the wall-clock instant at which this clock
// will read it (ignoring future Advance calls).
func (c *ScaledClock) RealTime(fake time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	realNow := c.real()
	remaining := fake.Sub(c.nowLocked(realNow))
	return realNow.Add(scale(remaining, 1/c.speed))
}

// scale multiplies d by f, saturating instead of overflowing.
func scale(d time.Duration, f float64) time.Duration {
	v := float64(d) * f
	switch {
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	}
	return time.Duration(v)
}

// clockSpeed reports how fast c runs relative to the wall clock.
func clockSpeed(c Clock) float64 {
	if s, ok := c.(interface{ Speed() float64 }); ok && s.Speed() > 0 {
		return s.Speed()
	}
	return 1
}

// realExpiry converts a fake expiry into the wall-clock instant a client
// must see. Clocks that do not know the mapping are treated as running at
// speed 1 alongside the wall clock.
func realExpiry(c Clock, fake time.Time) time.Time {
	if rt, ok := c.(realTimer); ok {
		return rt.RealTime(fake)
	}
	return time.Now().Add(fake.Sub(c.Now()))
}
