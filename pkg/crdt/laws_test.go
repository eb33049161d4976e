package crdt

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"distkit/pkg/vclock"
)

var seeds = flag.Int("seeds", 25, "random operation orders per CRDT property test (try -seeds=2000)")

// model describes one CRDT type to the property tests: how to start, how
// replica i makes a random local update, and how to merge, copy and compare
// states.
type model[S any] struct {
	zero  func() S
	op    func(rng *rand.Rand, replica int, s *S)
	merge func(dst *S, src S)
	copy  func(S) S
	equal func(a, b S) bool
	show  func(S) string
}

const replicas = 4

// simulate runs one random history: replicas make local updates and merge
// each other's states in a random order. It returns every state some replica
// held along the way (all reachable states, which is what the laws are about)
// and the replicas' final states.
func simulate[S any](rng *rand.Rand, m model[S]) (seen, final []S) {
	states := make([]S, replicas)
	for i := range states {
		states[i] = m.zero()
	}
	for range 30 + rng.IntN(30) {
		i := rng.IntN(replicas)
		if rng.IntN(10) < 6 {
			m.op(rng, i, &states[i])
		} else {
			m.merge(&states[i], m.copy(states[rng.IntN(replicas)]))
		}
		seen = append(seen, m.copy(states[i]))
	}
	return seen, states
}

// checkLaws runs many seeded histories and checks, on random reachable
// states a, b, c, that merge is commutative, associative and idempotent, and
// that replicas merging everything in different orders converge.
func checkLaws[S any](t *testing.T, m model[S]) {
	t.Helper()
	for seed := range uint64(*seeds) {
		rng := rand.New(rand.NewPCG(seed, 0xC0FFEE))
		seen, final := simulate(rng, m)
		merged := func(a, b S) S { x := m.copy(a); m.merge(&x, m.copy(b)); return x }
		for range 20 {
			a, b, c := seen[rng.IntN(len(seen))], seen[rng.IntN(len(seen))], seen[rng.IntN(len(seen))]
			if ab, ba := merged(a, b), merged(b, a); !m.equal(ab, ba) {
				t.Fatalf("seed %d: not commutative:\n a=%s\n b=%s\n a⊔b=%s\n b⊔a=%s", seed, m.show(a), m.show(b), m.show(ab), m.show(ba))
			}
			if l, r := merged(merged(a, b), c), merged(a, merged(b, c)); !m.equal(l, r) {
				t.Fatalf("seed %d: not associative:\n a=%s\n b=%s\n c=%s\n (a⊔b)⊔c=%s\n a⊔(b⊔c)=%s", seed, m.show(a), m.show(b), m.show(c), m.show(l), m.show(r))
			}
			if aa := merged(a, a); !m.equal(aa, a) {
				t.Fatalf("seed %d: not idempotent:\n a=%s\n a⊔a=%s", seed, m.show(a), m.show(aa))
			}
		}
		// Convergence: fold the final states in two random orders.
		x, y := m.zero(), m.zero()
		for _, i := range rng.Perm(replicas) {
			m.merge(&x, m.copy(final[i]))
		}
		for _, i := range rng.Perm(replicas) {
			m.merge(&y, m.copy(final[i]))
		}
		if !m.equal(x, y) {
			t.Fatalf("seed %d: merging in different orders diverged: %s vs %s", seed, m.show(x), m.show(y))
		}
	}
}

func replicaID(i int) string { return fmt.Sprintf("r%d", i) }

func TestGCounterLaws(t *testing.T) {
	checkLaws(t, model[GCounter]{
		zero:  func() GCounter { return GCounter{} },
		op:    func(rng *rand.Rand, i int, s *GCounter) { s.Inc(replicaID(i), uint64(1+rng.IntN(5))) },
		merge: func(d *GCounter, s GCounter) { d.Merge(s) },
		copy:  GCounter.Copy,
		equal: GCounter.Equal,
		show:  GCounter.String,
	})
}

func TestPNCounterLaws(t *testing.T) {
	checkLaws(t, model[PNCounter]{
		zero: func() PNCounter { return PNCounter{} },
		op: func(rng *rand.Rand, i int, s *PNCounter) {
			if rng.IntN(2) == 0 {
				s.Inc(replicaID(i), uint64(1+rng.IntN(5)))
			} else {
				s.Dec(replicaID(i), uint64(1+rng.IntN(5)))
			}
		},
		merge: func(d *PNCounter, s PNCounter) { d.Merge(s) },
		copy:  PNCounter.Copy,
		equal: PNCounter.Equal,
		show:  func(c PNCounter) string { return fmt.Sprintf("P%v N%v", c.P, c.N) },
	})
}

func TestLWWRegisterLaws(t *testing.T) {
	// A coarse shared physical clock (it moves only now and then) makes
	// timestamp ties common, so the node-ID tie-break gets exercised.
	wall := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	clocks := make([]*vclock.HLC, replicas)
	for i := range clocks {
		clocks[i] = vclock.NewHLC(func() time.Time { return wall }, 0)
	}
	checkLaws(t, model[LWWRegister[string]]{
		zero: func() LWWRegister[string] { return LWWRegister[string]{} },
		op: func(rng *rand.Rand, i int, s *LWWRegister[string]) {
			if rng.IntN(4) == 0 {
				wall = wall.Add(time.Millisecond)
			}
			s.Set(fmt.Sprintf("v%d", rng.IntN(100)), clocks[i].Now(), replicaID(i))
		},
		merge: func(d *LWWRegister[string], s LWWRegister[string]) { d.Merge(s) },
		copy:  func(r LWWRegister[string]) LWWRegister[string] { return r },
		equal: func(a, b LWWRegister[string]) bool { return a == b },
		show:  func(r LWWRegister[string]) string { return fmt.Sprintf("%q@%v/%s", r.Value, r.Time, r.Node) },
	})
}

func TestORSetLaws(t *testing.T) {
	elems := []string{"x", "y", "z"}
	checkLaws(t, model[ORSet]{
		zero: func() ORSet { return ORSet{} },
		op: func(rng *rand.Rand, i int, s *ORSet) {
			e := elems[rng.IntN(len(elems))]
			if rng.IntN(3) == 0 {
				s.Remove(e)
			} else {
				s.Add(replicaID(i), e)
			}
		},
		merge: func(d *ORSet, s ORSet) { d.Merge(s) },
		copy:  ORSet.Copy,
		equal: ORSet.Equal,
		show:  func(s ORSet) string { return fmt.Sprintf("%v dots=%v clock=%v", s.Elements(), s.Dots, s.Clock) },
	})
}
