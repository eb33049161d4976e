package ring

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
)

// keys returns n distinct keys of the shape a store sees.
func keys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "user:" + strconv.Itoa(i)
	}
	return out
}

// newRing builds a ring of nodes n0..n(count-1).
func newRing(t *testing.T, count, vnodes int) *Ring {
	t.Helper()
	r := New(vnodes)
	for i := range count {
		if err := r.Add("n" + strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// owners maps each key to its owner.
func owners(t *testing.T, r *Ring, ks []string) map[string]string {
	t.Helper()
	out := make(map[string]string, len(ks))
	for _, k := range ks {
		o, err := r.Lookup(k)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = o
	}
	return out
}

// With 100 virtual nodes each, every node owns within 10% of an even share.
func TestRing_Balance(t *testing.T) {
	ks := keys(30_000)
	for _, nodes := range []int{3, 5, 10} {
		t.Run(fmt.Sprintf("nodes=%d", nodes), func(t *testing.T) {
			r := newRing(t, nodes, 100)
			count := make(map[string]int)
			for _, o := range owners(t, r, ks) {
				count[o]++
			}
			even := float64(len(ks)) / float64(nodes)
			worst := 0.0
			for _, n := range r.Nodes() {
				dev := (float64(count[n]) - even) / even
				worst = max(worst, dev, -dev)
			}
			t.Logf("%d nodes x 100 virtual nodes, %d keys: even share %.0f, worst node off by %.1f%%", nodes, len(ks), even, 100*worst)
			if worst > 0.10 {
				t.Errorf("worst node is %.1f%% off an even share, want within 10%% (counts %v)", 100*worst, count)
			}
		})
	}
}

// Adding or removing one node of N moves about 1/N of the keys, and only
// keys that go to (or come from) that node.
func TestRing_Movement(t *testing.T) {
	ks := keys(30_000)
	for _, nodes := range []int{4, 10} {
		t.Run(fmt.Sprintf("add to %d", nodes), func(t *testing.T) {
			r := newRing(t, nodes, 100)
			before := owners(t, r, ks)
			if err := r.Add("new"); err != nil {
				t.Fatal(err)
			}
			after := owners(t, r, ks)
			moved := 0
			for _, k := range ks {
				if before[k] != after[k] {
					moved++
					if after[k] != "new" {
						t.Fatalf("key %q moved from %s to %s, want only moves to the new node", k, before[k], after[k])
					}
				}
			}
			checkMoved(t, "adding one node to", nodes, moved, len(ks), 1/float64(nodes+1))
		})
		t.Run(fmt.Sprintf("remove from %d", nodes), func(t *testing.T) {
			r := newRing(t, nodes, 100)
			before := owners(t, r, ks)
			if err := r.Remove("n0"); err != nil {
				t.Fatal(err)
			}
			after := owners(t, r, ks)
			moved := 0
			for _, k := range ks {
				if before[k] != after[k] {
					moved++
					if before[k] != "n0" {
						t.Fatalf("key %q moved from %s to %s, want only keys of the removed node to move", k, before[k], after[k])
					}
				}
			}
			checkMoved(t, "removing one node from", nodes, moved, len(ks), 1/float64(nodes))
		})
	}
}

// checkMoved asserts that the fraction moved is within 20% of want.
func checkMoved(t *testing.T, what string, nodes, moved, total int, want float64) {
	t.Helper()
	got := float64(moved) / float64(total)
	t.Logf("%s %d nodes moved %d of %d keys (%.1f%%; 1/N is %.1f%%)", what, nodes, moved, total, 100*got, 100*want)
	if got < want*0.8 || got > want*1.2 {
		t.Errorf("%s %d nodes moved %.1f%% of the keys, want about %.1f%%", what, nodes, 100*got, 100*want)
	}
}

func TestRing_Preference(t *testing.T) {
	r := newRing(t, 5, 100)
	for _, k := range keys(1000) {
		pref, err := r.Preference(k, 3)
		if err != nil {
			t.Fatal(err)
		}
		owner, _ := r.Lookup(k)
		if len(pref) != 3 || pref[0] != owner {
			t.Fatalf("Preference(%q, 3) = %v, want 3 nodes starting with the owner %s", k, pref, owner)
		}
		sorted := slices.Clone(pref)
		slices.Sort(sorted)
		if len(slices.Compact(sorted)) != 3 {
			t.Fatalf("Preference(%q, 3) = %v, want distinct nodes", k, pref)
		}
	}
	all, err := r.Preference("x", 10)
	if err != nil || len(all) != 5 {
		t.Errorf("Preference(x, 10) on 5 nodes = %v, %v; want all 5 nodes", all, err)
	}
}

func TestRing_BadInput(t *testing.T) {
	r := New(0)
	if _, err := r.Lookup("x"); !errors.Is(err, ErrEmpty) {
		t.Errorf("Lookup on an empty ring: got %v, want ErrEmpty", err)
	}
	if _, err := r.Preference("x", 3); !errors.Is(err, ErrEmpty) {
		t.Errorf("Preference on an empty ring: got %v, want ErrEmpty", err)
	}
	if err := r.Add(""); err == nil {
		t.Error("Add(\"\"): got nil, want an error")
	}
	if err := r.Add("a"); err != nil {
		t.Fatal(err)
	}
	if err := r.Add("a"); !errors.Is(err, ErrDuplicateNode) {
		t.Errorf("Add twice: got %v, want ErrDuplicateNode", err)
	}
	if err := r.Remove("b"); !errors.Is(err, ErrUnknownNode) {
		t.Errorf("Remove unknown: got %v, want ErrUnknownNode", err)
	}
	if _, err := r.Preference("x", 0); err == nil {
		t.Error("Preference(x, 0): got nil, want an error")
	}
	if err := r.Remove("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Lookup("x"); !errors.Is(err, ErrEmpty) {
		t.Errorf("Lookup after removing the last node: got %v, want ErrEmpty", err)
	}
}
