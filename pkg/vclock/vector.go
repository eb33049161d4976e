// Vector clocks: one counter per writer, compared entry by entry.

package vclock

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Ordering is the causal relation between two events, as [Compare] reports it.
type Ordering int

// The four answers [Compare] can give. Only vector clocks can say
// Concurrent; a Lamport clock orders every pair of events, causal or not.
const (
	// Before: a happened before b (every entry of a <= b, and a != b).
	Before Ordering = iota + 1
	// After: b happened before a.
	After
	// Equal: the same history.
	Equal
	// Concurrent: neither saw the other; a replica must keep both or merge them.
	Concurrent
)

// String returns "before", "after", "equal" or "concurrent".
func (o Ordering) String() string {
	switch o {
	case Before:
		return "before"
	case After:
		return "after"
	case Equal:
		return "equal"
	case Concurrent:
		return "concurrent"
	}
	return "Ordering(" + strconv.Itoa(int(o)) + ")"
}

// VC is a vector clock: node ID -> number of events that node has performed
// and that this clock has seen. A missing entry means zero, so the zero
// value (a nil map) is a valid empty clock for reading and comparing; call
// [New] (or [VC.Copy]) before [VC.Tick] or [VC.Merge], which write to the map.
//
// A VC is a plain map: it is not safe for concurrent use, and assigning it
// shares it. Copy before handing a clock to another goroutine or storing it
// next to a value.
type VC map[string]uint64

// New returns an empty vector clock, ready to Tick.
func New() VC { return VC{} }

// Tick records one local event on node and returns the node's new counter.
// Call it before each write a replica accepts (and, in message passing, before
// each send). Tick panics on a nil VC, like any write to a nil map: that is a
// programming mistake, never a network one.
func (v VC) Tick(node string) uint64 {
	v[node]++
	return v[node]
}

// Merge folds other into v, keeping the larger counter for every node (the
// pointwise maximum). After Merge, v has seen everything either clock saw:
// Compare(v, other) is After or Equal. A receiver merges the sender's clock
// and then Ticks its own entry. Merge is commutative, associative and
// idempotent, which is what makes vector clocks a CRDT in their own right.
func (v VC) Merge(other VC) {
	for node, n := range other {
		if n > v[node] {
			v[node] = n
		}
	}
}

// Copy returns an independent clock with the same entries. Copy of nil
// returns an empty, writable clock.
func (v VC) Copy() VC {
	c := make(VC, len(v))
	maps.Copy(c, v)
	return c
}

// Get returns node's counter, zero if the clock has never seen it.
func (v VC) Get(node string) uint64 { return v[node] }

// Descends reports whether v has seen everything other has: Compare(v,
// other) is After or Equal. A replica that receives a version whose clock its
// own clock descends from can drop it as stale.
func (v VC) Descends(other VC) bool {
	o := Compare(v, other)
	return o == After || o == Equal
}

// Compare reports how a relates to b. It walks the union of both clocks'
// nodes once: if some entry of a is smaller and some is larger, neither
// event saw the other, and they are Concurrent.
func Compare(a, b VC) Ordering {
	aLess, bLess := false, false // some entry where a < b, some where b < a
	for node, an := range a {
		bn := b[node]
		if an < bn {
			aLess = true
		} else if an > bn {
			bLess = true
		}
	}
	// Entries only b has: a holds zero there.
	for node, bn := range b {
		if _, ok := a[node]; !ok && bn > 0 {
			aLess = true
		}
	}
	switch {
	case aLess && bLess:
		return Concurrent
	case aLess:
		return Before
	case bLess:
		return After
	}
	return Equal
}

// String renders the clock with nodes sorted and zero entries left out,
// for example "{a:2 b:1}", so equal clocks print the same.
func (v VC) String() string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, node := range v.nodes() {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(node)
		sb.WriteByte(':')
		sb.WriteString(strconv.FormatUint(v[node], 10))
	}
	sb.WriteByte('}')
	return sb.String()
}

// nodes returns the nodes with a non-zero counter, sorted: the canonical
// order for printing and encoding.
func (v VC) nodes() []string {
	ns := make([]string, 0, len(v))
	for node, n := range v {
		if n > 0 {
			ns = append(ns, node)
		}
	}
	slices.Sort(ns)
	return ns
}
