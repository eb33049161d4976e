// Observed-remove set: add wins over a concurrent remove, thanks to unique tags.

package crdt

import (
	"maps"
	"slices"

	"distkit/pkg/vclock"
)

// Dot tags one add: the replica that made it and that replica's sequence
// number for it. No two adds anywhere share a dot.
type Dot struct {
	Replica string
	Seq     uint64
}

// ORSet is an observed-remove set with add-wins semantics (Shapiro et al.
// 2011), in its optimized form without tombstones (Bieniusa et al. 2012).
//
// Every Add gets a fresh [Dot]. Remove deletes the dots the replica has
// observed for the element, no more: an Add made concurrently elsewhere has
// a dot the remover never saw, so it survives the merge and the element
// stays. That is "add wins". To tell "removed here" from "not yet seen
// here", each set carries a version vector of the dots it has seen: a dot
// missing from one side is dropped by Merge only if that side's clock has
// seen it (so it was removed there); otherwise it is new and kept.
//
// The zero value is an empty set, ready to use. Not safe for concurrent use.
// Exported fields let encoding/gob carry the state.
type ORSet struct {
	Dots  map[Dot]string // live adds: dot -> element
	Clock vclock.VC      // Clock[r] = number of adds replica r has made that this set has seen
}

// Add inserts elem on behalf of replica (its own ID only, as the dots of one
// replica must be numbered by that replica alone).
func (s *ORSet) Add(replica, elem string) {
	s.init()
	d := Dot{Replica: replica, Seq: s.Clock.Tick(replica)}
	s.Dots[d] = elem
}

// Remove deletes elem as far as this replica has observed it, and reports
// whether it was present.
func (s *ORSet) Remove(elem string) bool {
	found := false
	for d, e := range s.Dots {
		if e == elem {
			delete(s.Dots, d)
			found = true
		}
	}
	return found
}

// Contains reports whether elem is in the set.
func (s ORSet) Contains(elem string) bool {
	for _, e := range s.Dots {
		if e == elem {
			return true
		}
	}
	return false
}

// Elements returns the elements, sorted, each once.
func (s ORSet) Elements() []string {
	return slices.Compact(slices.Sorted(maps.Values(s.Dots)))
}

// Merge folds other into s. A dot both sides hold stays; a dot only one side
// holds stays unless the other side's clock shows it saw that dot, which
// means it removed it. Commutative, associative and idempotent.
func (s *ORSet) Merge(other ORSet) {
	s.init()
	for d := range s.Dots {
		if _, ok := other.Dots[d]; !ok && other.Clock.Get(d.Replica) >= d.Seq {
			delete(s.Dots, d) // other saw this add and removed it
		}
	}
	for d, e := range other.Dots {
		if _, ok := s.Dots[d]; !ok && s.Clock.Get(d.Replica) < d.Seq {
			s.Dots[d] = e // an add s has not seen yet
		}
	}
	s.Clock.Merge(other.Clock)
}

// Copy returns an independent set with the same state.
func (s ORSet) Copy() ORSet { return ORSet{Dots: maps.Clone(s.Dots), Clock: s.Clock.Copy()} }

// Equal reports whether s and other hold the same state.
func (s ORSet) Equal(other ORSet) bool {
	return maps.Equal(s.Dots, other.Dots) && vclock.Compare(s.Clock, other.Clock) == vclock.Equal
}

func (s *ORSet) init() {
	if s.Dots == nil {
		s.Dots = map[Dot]string{}
	}
	if s.Clock == nil {
		s.Clock = vclock.New()
	}
}
