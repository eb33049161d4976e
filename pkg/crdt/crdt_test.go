package crdt

import (
	"bytes"
	"encoding/gob"
	"slices"
	"testing"

	"distkit/pkg/vclock"
)

func TestCountersCountEveryUpdateOnce(t *testing.T) {
	var a, b PNCounter
	a.Inc("a", 5)
	b.Inc("b", 3)
	b.Dec("b", 1)
	a.Merge(b)
	a.Merge(b) // a duplicate delivery changes nothing
	b.Merge(a)
	a.Dec("a", 2)
	b.Merge(a)
	if got, want := b.Value(), int64(5+3-1-2); got != want {
		t.Errorf("PN-Counter value after merges = %d, want %d", got, want)
	}
	if got, want := a.Value(), int64(5); got != want {
		t.Errorf("a's value = %d, want %d", got, want)
	}
}

func TestLWWRegisterOrder(t *testing.T) {
	ts := func(wall int64, l uint32) vclock.Timestamp { return vclock.Timestamp{WallTime: wall, Logical: l} }
	tests := []struct {
		name       string
		cur, write LWWRegister[string]
		wantWin    bool
	}{
		{"later wall time wins", LWWRegister[string]{"old", ts(1, 5), "z"}, LWWRegister[string]{"new", ts(2, 0), "a"}, true},
		{"later logical wins", LWWRegister[string]{"old", ts(1, 1), "z"}, LWWRegister[string]{"new", ts(1, 2), "a"}, true},
		{"earlier write loses", LWWRegister[string]{"cur", ts(2, 0), "a"}, LWWRegister[string]{"late", ts(1, 9), "z"}, false},
		{"tie: larger node ID wins", LWWRegister[string]{"from a", ts(1, 0), "a"}, LWWRegister[string]{"from b", ts(1, 0), "b"}, true},
		{"tie: smaller node ID loses", LWWRegister[string]{"from b", ts(1, 0), "b"}, LWWRegister[string]{"from a", ts(1, 0), "a"}, false},
		{"same stamp and node: larger value", LWWRegister[string]{"x", ts(1, 0), "a"}, LWWRegister[string]{"y", ts(1, 0), "a"}, true},
		{"anything beats unset", LWWRegister[string]{}, LWWRegister[string]{"v", ts(0, 1), "a"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.cur
			won := r.Set(tt.write.Value, tt.write.Time, tt.write.Node)
			want := tt.cur
			if tt.wantWin {
				want = tt.write
			}
			if won != tt.wantWin || r != want {
				t.Errorf("register %+v, Set(%+v): won %v, now %+v; want won %v, %+v", tt.cur, tt.write, won, r, tt.wantWin, want)
			}
		})
	}
}

func TestORSetAddWins(t *testing.T) {
	tests := []struct {
		name string
		run  func(a, b *ORSet)
		want []string
	}{
		{"remove then merge removes everywhere", func(a, b *ORSet) {
			a.Add("a", "x")
			b.Merge(*a)
			b.Remove("x")
			a.Merge(*b)
			b.Merge(*a)
		}, nil},
		{"concurrent add and remove: add wins", func(a, b *ORSet) {
			a.Add("a", "x")
			b.Merge(*a)
			b.Remove("x")   // b removes the add it saw...
			a.Add("a", "x") // ...while a adds x again
			a.Merge(*b)
			b.Merge(*a)
		}, []string{"x"}},
		{"remove of an unseen add does nothing", func(a, b *ORSet) {
			a.Add("a", "x")
			b.Remove("x")
			b.Merge(*a)
			a.Merge(*b)
		}, []string{"x"}},
		{"re-add after remove", func(a, b *ORSet) {
			a.Add("a", "x")
			a.Remove("x")
			b.Merge(*a)
			b.Add("b", "x")
			a.Merge(*b)
		}, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, b ORSet
			tt.run(&a, &b)
			for _, s := range []struct {
				name string
				set  ORSet
			}{{"a", a}, {"b", b}} {
				if got := s.set.Elements(); !slices.Equal(got, tt.want) {
					t.Errorf("replica %s holds %q, want %q", s.name, got, tt.want)
				}
			}
		})
	}
}

// TestGobRoundTrip checks that every state survives encoding/gob, which is
// how pkg/gossip and net/rpc carry them.
func TestGobRoundTrip(t *testing.T) {
	var g GCounter
	g.Inc("a", 2)
	var pn PNCounter
	pn.Dec("b", 4)
	var s ORSet
	s.Add("a", "x")
	s.Add("b", "y")
	s.Remove("y")
	r := LWWRegister[string]{Value: "v", Time: vclock.Timestamp{WallTime: 9, Logical: 1}, Node: "a"}
	in := struct {
		G GCounter
		P PNCounter
		S ORSet
		R LWWRegister[string]
	}{g, pn, s, r}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(in); err != nil {
		t.Fatalf("encode: %v", err)
	}
	out := in
	out.G, out.P, out.S, out.R = GCounter{}, PNCounter{}, ORSet{}, LWWRegister[string]{}
	if err := gob.NewDecoder(&buf).Decode(&out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !out.G.Equal(g) || !out.P.Equal(pn) || !out.S.Equal(s) || out.R != r {
		t.Errorf("gob round trip: got %+v, want %+v", out, in)
	}
}
