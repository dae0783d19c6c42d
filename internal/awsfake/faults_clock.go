package awsfake

import "time"

// Set moves the clock to fake time t, forward or back, and lets it run on
// at the same speed from there. Fault tests use it for clock jumps: a jump
// back leaves everything issued valid for longer in fake time, while the
// lifetimes handed out afterwards still reach clients as real time.
func (c *ScaledClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += t.Sub(c.nowLocked(c.real()))
}
