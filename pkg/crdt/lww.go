// Last-writer-wins register: the simplest conflict resolution, and what it throws away.

package crdt

import (
	"cmp"

	"distkit/pkg/vclock"
)

// LWWRegister holds one value; of two concurrent writes, the one with the
// later timestamp wins and the other is silently discarded. Timestamps come
// from each writer's [vclock.HLC]; equal timestamps are broken by the
// writer's node ID (the larger wins) and, should one node ever reuse a
// timestamp, by the value itself, so every replica picks the same winner and
// Merge is commutative, associative and idempotent.
//
// What it loses: a write that really came later can lose to one stamped by a
// clock running ahead (up to the HLC's maximum offset), and of two writes made
// at the same moment one just disappears, with no error, on every replica.
// See the package example. Use it when losing one of two concurrent writes is
// acceptable (a profile picture, a config value); keep both with vector
// clocks and siblings when it is not.
//
// The zero value is an unset register. Not safe for concurrent use.
type LWWRegister[T cmp.Ordered] struct {
	Value T
	Time  vclock.Timestamp // when Value was written
	Node  string           // who wrote it; breaks timestamp ties
}

// Set writes v, stamped ts by node, and reports whether it won: a write
// older than the register's current one is dropped, exactly as if it had
// arrived by Merge.
func (r *LWWRegister[T]) Set(v T, ts vclock.Timestamp, node string) bool {
	w := LWWRegister[T]{Value: v, Time: ts, Node: node}
	if !w.wins(*r) {
		return false
	}
	*r = w
	return true
}

// Merge keeps whichever of r and other wins.
func (r *LWWRegister[T]) Merge(other LWWRegister[T]) {
	if other.wins(*r) {
		*r = other
	}
}

// IsSet reports whether the register has ever been written.
func (r LWWRegister[T]) IsSet() bool { return r.Time != vclock.Timestamp{} || r.Node != "" }

// wins reports whether w beats cur in the total order (Time, Node, Value).
func (w LWWRegister[T]) wins(cur LWWRegister[T]) bool {
	if c := w.Time.Compare(cur.Time); c != 0 {
		return c > 0
	}
	if w.Node != cur.Node {
		return w.Node > cur.Node
	}
	return cmp.Compare(w.Value, cur.Value) > 0
}
