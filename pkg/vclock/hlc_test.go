package vclock

import (
	"errors"
	"testing"
	"time"
)

// fakeClock is a physical clock the test sets by hand.
type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time { return f.t }

var epoch = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func ts(offset time.Duration, logical uint32) Timestamp {
	return Timestamp{WallTime: epoch.Add(offset).UnixNano(), Logical: logical}
}

func TestHLC(t *testing.T) {
	pc := &fakeClock{t: epoch}
	c := NewHLC(pc.now, 500*time.Millisecond)
	type step struct {
		name     string
		physical time.Duration // physical clock, relative to epoch
		remote   *Timestamp    // nil: a local event (Now)
		want     Timestamp
		wantErr  error
	}
	r := func(d time.Duration, l uint32) *Timestamp { t := ts(d, l); return &t }
	steps := []step{
		{name: "first event takes physical time", physical: 0, want: ts(0, 0)},
		{name: "clock stands still: logical counts", physical: 0, want: ts(0, 1)},
		{name: "clock moves: logical resets", physical: time.Millisecond, want: ts(time.Millisecond, 0)},
		{name: "clock steps back: wall time holds", physical: 0, want: ts(time.Millisecond, 1)},
		{name: "remote ahead within offset", physical: time.Millisecond, remote: r(100*time.Millisecond, 4), want: ts(100*time.Millisecond, 5)},
		{name: "remote behind", physical: 2 * time.Millisecond, remote: r(time.Millisecond, 9), want: ts(100*time.Millisecond, 6)},
		{name: "remote same wall, larger logical", physical: 2 * time.Millisecond, remote: r(100*time.Millisecond, 20), want: ts(100*time.Millisecond, 21)},
		{name: "physical ahead of both", physical: time.Second, remote: r(100*time.Millisecond, 3), want: ts(time.Second, 0)},
		{name: "remote too far ahead", physical: time.Second, remote: r(2*time.Second, 0), wantErr: ErrClockOffset},
		{name: "rejected remote left the clock alone", physical: time.Second, want: ts(time.Second, 1)},
	}
	for _, s := range steps {
		pc.t = epoch.Add(s.physical)
		var got Timestamp
		var err error
		if s.remote == nil {
			got = c.Now()
		} else {
			got, err = c.Update(*s.remote)
		}
		if s.wantErr != nil {
			if !errors.Is(err, s.wantErr) {
				t.Fatalf("%s: Update(%v) error = %v, want %v", s.name, *s.remote, err, s.wantErr)
			}
			continue
		}
		if err != nil || got != s.want {
			t.Fatalf("%s: got %v, %v; want %v", s.name, got, err, s.want)
		}
	}
}

func TestHLCLogicalOverflowStaysMonotonic(t *testing.T) {
	pc := &fakeClock{t: epoch}
	c := NewHLC(pc.now, 0)
	big := Timestamp{WallTime: epoch.UnixNano(), Logical: ^uint32(0)}
	got, err := c.Update(big)
	if err != nil {
		t.Fatal(err)
	}
	if !big.Less(got) {
		t.Errorf("Update(%v) = %v, want a later timestamp", big, got)
	}
}

func TestTimestampCompare(t *testing.T) {
	tests := []struct {
		a, b Timestamp
		want int
	}{
		{Timestamp{1, 0}, Timestamp{2, 0}, -1},
		{Timestamp{2, 0}, Timestamp{1, 9}, 1},
		{Timestamp{1, 1}, Timestamp{1, 2}, -1},
		{Timestamp{1, 2}, Timestamp{1, 2}, 0},
	}
	for _, tt := range tests {
		if got := tt.a.Compare(tt.b); got != tt.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
