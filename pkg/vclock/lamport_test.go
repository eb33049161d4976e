package vclock

import "testing"

func TestLamport(t *testing.T) {
	var a, b Lamport
	tests := []struct {
		name string
		step func() uint64
		want uint64
	}{
		{"a local event", a.Tick, 1},
		{"a sends", a.Tick, 2},
		{"b local event", b.Tick, 1},
		{"b receives a's send (stamp 2)", func() uint64 { return b.Observe(2) }, 3},
		{"b receives an old message", func() uint64 { return b.Observe(1) }, 4},
		{"a local event again", a.Tick, 3},
	}
	for _, tt := range tests {
		if got := tt.step(); got != tt.want {
			t.Fatalf("%s: got stamp %d, want %d", tt.name, got, tt.want)
		}
	}
	// a's third event (3) and b's receive (3) tie, and a's event has a smaller
	// stamp than b's fourth, yet neither saw the other: Lamport stamps order
	// concurrent events arbitrarily, which is all they can do.
	if got, want := b.Time(), uint64(4); got != want {
		t.Errorf("b.Time() = %d, want %d", got, want)
	}
}
