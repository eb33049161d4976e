package retry

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestCeiling(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name      string
		base, max time.Duration
		attempt   int
		want      time.Duration
	}{
		{"first retry waits up to base", 100 * ms, 10 * time.Second, 1, 100 * ms},
		{"second retry doubles", 100 * ms, 10 * time.Second, 2, 200 * ms},
		{"fifth retry is base*16", 100 * ms, 10 * time.Second, 5, 1600 * ms},
		{"capped just below the doubling", 100 * ms, 1000 * ms, 4, 800 * ms},
		{"capped at max", 100 * ms, 1000 * ms, 5, 1000 * ms},
		{"max not a power-of-two multiple", 100 * ms, 300 * ms, 3, 300 * ms},
		{"base above max is cut to max", 5 * time.Second, 1 * time.Second, 1, 1 * time.Second},
		{"huge attempt does not overflow", ms, time.Hour, 1000, time.Hour},
		{"huge max does not overflow", time.Second, 1<<63 - 1, 200, 1<<63 - 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Policy{BaseDelay: tc.base, MaxDelay: tc.max}
			if got := p.ceiling(tc.attempt); got != tc.want {
				t.Errorf("ceiling(%d) with base %v, max %v: got %v, want %v", tc.attempt, tc.base, tc.max, got, tc.want)
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	p := Policy{}.withDefaults()
	if p.MaxAttempts != DefaultMaxAttempts || p.BaseDelay != DefaultBaseDelay || p.MaxDelay != DefaultMaxDelay {
		t.Errorf("zero Policy with defaults: got %+v, want MaxAttempts %d, BaseDelay %v, MaxDelay %v",
			p, DefaultMaxAttempts, DefaultBaseDelay, DefaultMaxDelay)
	}
	if got := (Policy{MaxAttempts: -1}).withDefaults().MaxAttempts; got != -1 {
		t.Errorf("MaxAttempts -1 (no limit) with defaults: got %d, want -1", got)
	}
}

// TestBackoff_FullJitter checks that the jitter is reproducible from a seed,
// never leaves [0, ceiling], and covers that range evenly (mean near half).
func TestBackoff_FullJitter(t *testing.T) {
	const seed = 42
	draw := func(attempt, n int) []time.Duration {
		p := Policy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second,
			Rand: rand.New(rand.NewPCG(seed, 0))}.withDefaults()
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = p.backoff(attempt)
		}
		return out
	}

	a, b := draw(3, 5), draw(3, 5)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed %d: draw %d differs between two runs: %v vs %v", seed, i, a[i], b[i])
		}
	}

	for attempt, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 3: 400 * time.Millisecond, 9: time.Second} {
		var sum time.Duration
		delays := draw(attempt, 10000)
		for _, d := range delays {
			if d < 0 || d > ceiling {
				t.Fatalf("seed %d, attempt %d: delay %v outside [0, %v]", seed, attempt, d, ceiling)
			}
			sum += d
		}
		mean := sum / time.Duration(len(delays))
		if lo, hi := ceiling*45/100, ceiling*55/100; mean < lo || mean > hi {
			t.Errorf("seed %d, attempt %d: mean delay %v over %d draws, want within [%v, %v]",
				seed, attempt, mean, len(delays), lo, hi)
		}
	}
}

func TestBackoff_ZeroCeilingIsImmediate(t *testing.T) {
	p := Policy{BaseDelay: 1, MaxDelay: 1, Rand: rand.New(rand.NewPCG(1, 0))}
	for range 100 {
		if d := p.backoff(1); d < 0 || d > 1 {
			t.Fatalf("backoff with ceiling 1ns: got %v, want 0 or 1ns", d)
		}
	}
}
