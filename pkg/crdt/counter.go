// Counters that many replicas can increment without coordinating.

package crdt

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// GCounter is a grow-only counter: each replica counts its own increments
// in its own entry, and the value is the sum of all entries. Merge keeps the
// larger count per replica, so increments are never lost and never counted
// twice, whatever the order or the number of times states are exchanged.
//
// The zero value is an empty counter, ready to use. A GCounter is not safe
// for concurrent use. Its exported field lets encoding/gob (and pkg/gossip)
// carry it; treat it as read-only outside this package.
type GCounter struct {
	Counts map[string]uint64 // replica ID -> increments made on that replica
}

// Inc adds n to replica's entry. Only replica itself may call Inc with its
// own ID: two replicas incrementing the same entry would each count to 1 and
// merge to 1, losing an increment.
func (g *GCounter) Inc(replica string, n uint64) {
	if g.Counts == nil {
		g.Counts = map[string]uint64{}
	}
	g.Counts[replica] += n
}

// Value returns the sum of all replicas' counts.
func (g GCounter) Value() uint64 {
	var sum uint64
	for _, n := range g.Counts {
		sum += n
	}
	return sum
}

// Merge folds other into g: the pointwise maximum, exactly a vector clock
// merge. It is commutative, associative and idempotent.
func (g *GCounter) Merge(other GCounter) {
	for replica, n := range other.Counts {
		if n > g.Counts[replica] {
			if g.Counts == nil {
				g.Counts = map[string]uint64{}
			}
			g.Counts[replica] = n
		}
	}
}

// Copy returns an independent counter with the same state.
func (g GCounter) Copy() GCounter { return GCounter{Counts: maps.Clone(g.Counts)} }

// Equal reports whether g and other hold the same state (a missing entry
// equals a zero one).
func (g GCounter) Equal(other GCounter) bool {
	return sameCounts(g.Counts, other.Counts) && sameCounts(other.Counts, g.Counts)
}

// String renders the entries sorted by replica, for example "{a:2 b:1}=3".
func (g GCounter) String() string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, r := range slices.Sorted(maps.Keys(g.Counts)) {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(r + ":" + strconv.FormatUint(g.Counts[r], 10))
	}
	sb.WriteString("}=" + strconv.FormatUint(g.Value(), 10))
	return sb.String()
}

// PNCounter is a counter that can go down: two G-Counters, one of
// increments (P) and one of decrements (N), and the value is P - N. A single
// map of signed counts would not do: the maximum of +3 and +1 after a
// decrement is +3, and the decrement would vanish.
//
// The zero value is a counter at 0, ready to use. Not safe for concurrent use.
type PNCounter struct {
	P, N GCounter
}

// Inc adds n on behalf of replica (replica's own ID only, as for GCounter).
func (c *PNCounter) Inc(replica string, n uint64) { c.P.Inc(replica, n) }

// Dec subtracts n on behalf of replica.
func (c *PNCounter) Dec(replica string, n uint64) { c.N.Inc(replica, n) }

// Value returns increments minus decrements. It wraps like any int64 if the
// difference exceeds int64's range.
func (c PNCounter) Value() int64 { return int64(c.P.Value() - c.N.Value()) }

// Merge merges both halves. Commutative, associative and idempotent.
func (c *PNCounter) Merge(other PNCounter) {
	c.P.Merge(other.P)
	c.N.Merge(other.N)
}

// Copy returns an independent counter with the same state.
func (c PNCounter) Copy() PNCounter { return PNCounter{P: c.P.Copy(), N: c.N.Copy()} }

// Equal reports whether c and other hold the same state.
func (c PNCounter) Equal(other PNCounter) bool { return c.P.Equal(other.P) && c.N.Equal(other.N) }

// sameCounts reports whether every entry of a matches b.
func sameCounts(a, b map[string]uint64) bool {
	for k, n := range a {
		if b[k] != n {
			return false
		}
	}
	return true
}
