package vclock

import (
	"math/rand/v2"
	"testing"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		name string
		a, b VC
		want Ordering
	}{
		{"both empty", VC{}, VC{}, Equal},
		{"nil and empty", nil, VC{}, Equal},
		{"zero entry equals missing", VC{"a": 0}, VC{}, Equal},
		{"same entries", VC{"a": 1, "b": 2}, VC{"a": 1, "b": 2}, Equal},
		{"empty before anything", VC{}, VC{"a": 1}, Before},
		{"one entry smaller", VC{"a": 1, "b": 2}, VC{"a": 2, "b": 2}, Before},
		{"b has an extra node", VC{"a": 1}, VC{"a": 1, "b": 1}, Before},
		{"a has an extra node", VC{"a": 1, "b": 1}, VC{"a": 1}, After},
		{"all entries larger", VC{"a": 3, "b": 3}, VC{"a": 1, "b": 2}, After},
		{"crossed counters", VC{"a": 2, "b": 1}, VC{"a": 1, "b": 2}, Concurrent},
		{"disjoint writers", VC{"a": 1}, VC{"b": 1}, Concurrent},
		{"extra node on each side", VC{"a": 1, "c": 1}, VC{"a": 1, "b": 1}, Concurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Compare(tt.a, tt.b); got != tt.want {
				t.Errorf("Compare(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			// The relation must be antisymmetric.
			if got, want := Compare(tt.b, tt.a), flip(tt.want); got != want {
				t.Errorf("Compare(%v, %v) = %v, want %v", tt.b, tt.a, got, want)
			}
		})
	}
}

func flip(o Ordering) Ordering {
	switch o {
	case Before:
		return After
	case After:
		return Before
	}
	return o
}

// TestMessagePassing replays a three-node exchange and checks each pair of
// events: the sends order what they connect, and nothing else.
func TestMessagePassing(t *testing.T) {
	a, b, c := New(), New(), New()
	a.Tick("a")
	a1 := a.Copy() // a writes
	c.Tick("c")
	c1 := c.Copy() // c writes, unaware of a
	// a sends to b: b merges, then ticks its own entry for the receive.
	b.Merge(a)
	b.Tick("b")
	b1 := b.Copy()
	// b sends to c.
	c.Merge(b)
	c.Tick("c")
	c2 := c.Copy()

	tests := []struct {
		name string
		x, y VC
		want Ordering
	}{
		{"a's write before b's receive", a1, b1, Before},
		{"a's write before c's second event (through b)", a1, c2, Before},
		{"a's write and c's first write are concurrent", a1, c1, Concurrent},
		{"c's first event before its second", c1, c2, Before},
		{"b's receive and c's first write are concurrent", b1, c1, Concurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Compare(tt.x, tt.y); got != tt.want {
				t.Errorf("Compare(%v, %v) = %v, want %v", tt.x, tt.y, got, tt.want)
			}
		})
	}
}

func TestMergeIsLeastUpperBound(t *testing.T) {
	const seed = 7
	rng := rand.New(rand.NewPCG(seed, seed))
	nodes := []string{"a", "b", "c", "d"}
	random := func() VC {
		v := New()
		for _, n := range nodes {
			if k := rng.IntN(4); k > 0 {
				v[n] = uint64(k)
			}
		}
		return v
	}
	for i := range 500 {
		x, y := random(), random()
		m := x.Copy()
		m.Merge(y)
		if !m.Descends(x) || !m.Descends(y) {
			t.Fatalf("seed %d, case %d: merge %v of %v and %v does not descend from both", seed, i, m, x, y)
		}
		yx := y.Copy()
		yx.Merge(x)
		if Compare(m, yx) != Equal {
			t.Fatalf("seed %d, case %d: merge not commutative: %v vs %v", seed, i, m, yx)
		}
		again := m.Copy()
		again.Merge(y)
		if Compare(again, m) != Equal {
			t.Fatalf("seed %d, case %d: merge not idempotent: %v vs %v", seed, i, again, m)
		}
	}
}

func TestCopyIsIndependent(t *testing.T) {
	v := VC{"a": 1}
	c := v.Copy()
	c.Tick("a")
	if got := v.Get("a"); got != 1 {
		t.Errorf("after ticking a copy, original a = %d, want 1", got)
	}
	var nilVC VC
	if got := nilVC.Copy().Tick("x"); got != 1 {
		t.Errorf("Copy of nil then Tick = %d, want 1", got)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		v    VC
		want string
	}{
		{nil, "{}"},
		{VC{"b": 1, "a": 2, "z": 0}, "{a:2 b:1}"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String of %#v = %q, want %q", tt.v, got, tt.want)
		}
	}
	if got, want := Concurrent.String(), "concurrent"; got != want {
		t.Errorf("Concurrent.String() = %q, want %q", got, want)
	}
	if got, want := Ordering(0).String(), "Ordering(0)"; got != want {
		t.Errorf("Ordering(0).String() = %q, want %q", got, want)
	}
}
