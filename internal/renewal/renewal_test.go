package renewal

import (
	"testing"
	"time"
)

func TestRule(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var unknown time.Time
	tests := []struct {
		name     string
		obtained time.Time
		expires  time.Time
		window   time.Duration
	}{
		{"1h credentials", t0, t0.Add(time.Hour), 15 * time.Minute},
		// The lifetime counts from when they were obtained, not from when
		// they are looked at: 40 minutes later they still live an hour.
		{"1h credentials obtained 40 min before", t0.Add(-40 * time.Minute), t0.Add(20 * time.Minute), 15 * time.Minute},
		{"40 s credentials", t0, t0.Add(40 * time.Second), 20 * time.Second},
		{"12h credentials", t0, t0.Add(12 * time.Hour), 15 * time.Minute},
		{"20 min credentials", t0, t0.Add(20 * time.Minute), 10 * time.Minute},
		{"exactly 30 min", t0, t0.Add(30 * time.Minute), 15 * time.Minute},
		// Obtained at an unknown time: the widest window, never later than
		// the rule for any lifetime.
		{"1h credentials, obtained unknown", unknown, t0.Add(time.Hour), 15 * time.Minute},
		{"40 s credentials, obtained unknown", unknown, t0.Add(40 * time.Second), 15 * time.Minute},
		{"12h credentials, obtained unknown", unknown, t0.Add(12 * time.Hour), 15 * time.Minute},
		{"obtained after they expire", t0.Add(time.Hour), t0, 15 * time.Minute},
		{"obtained as they expire", t0, t0, 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Window(tt.obtained, tt.expires); got != tt.window {
				t.Errorf("Window = %v, want %v", got, tt.window)
			}
			due := tt.expires.Add(-tt.window)
			if got := Due(tt.obtained, tt.expires); !got.Equal(due) {
				t.Errorf("Due = %v, want %v", got, due)
			}
			// Fresh up to the instant renewal is due, not at it.
			if !Fresh(tt.obtained, tt.expires, due.Add(-time.Nanosecond)) {
				t.Errorf("not fresh just before %v", due)
			}
			if Fresh(tt.obtained, tt.expires, due) {
				t.Errorf("still fresh at %v, when renewal is due", due)
			}
		})
	}
}

// TestLifetime: known only from a plausible obtained time.
func TestLifetime(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	if life, ok := Lifetime(t0.Add(-40*time.Minute), t0.Add(20*time.Minute)); !ok || life != time.Hour {
		t.Errorf("Lifetime = %v, %v; want 1h, known", life, ok)
	}
	for _, obtained := range []time.Time{{}, t0, t0.Add(time.Minute)} {
		if life, ok := Lifetime(obtained, t0); ok {
			t.Errorf("Lifetime(obtained %v, expires %v) = %v, known; want unknown", obtained, t0, life)
		}
	}
}

func TestWindowFits(t *testing.T) {
	tests := []struct {
		window, life time.Duration
		want         bool
	}{
		{20 * time.Minute, time.Hour, true},
		{59 * time.Minute, time.Hour, true},
		{time.Hour, time.Hour, false},
		{2 * time.Hour, time.Hour, false},
		// Measured from before the call, a lifetime comes out a little long.
		{time.Hour, time.Hour + 3*time.Millisecond, false},
		{27 * time.Second, 30 * time.Second, true},
		{0, time.Hour, false},
		{-time.Minute, time.Hour, false},
	}
	for _, tt := range tests {
		if got := WindowFits(tt.window, tt.life); got != tt.want {
			t.Errorf("WindowFits(%v, %v) = %v, want %v", tt.window, tt.life, got, tt.want)
		}
	}
}
