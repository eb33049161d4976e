// Package vclock gives events an order without trusting wall clocks: Lamport
// clocks, vector clocks and hybrid logical clocks, and what each can and
// cannot tell you.
//
// Machines' clocks drift and jump, so "the write with the later timestamp
// wins" can throw away a write that really came later. Logical clocks count
// events instead. Event a happened before b (Lamport's a → b) if a came
// earlier on the same node, or a was a send and b its receive, or a chain of
// those links them. Two events with no such chain are concurrent: neither
// could have known about the other.
//
// # Which clock tells you what
//
//	clock    size              a → b implies         detects concurrency   near wall time
//	Lamport  one uint64        stamp(a) < stamp(b)   no                    no
//	vector   one entry/writer  Compare(a, b)=before  yes                   no
//	HLC      int64 + uint32    ts(a) < ts(b)         no                    yes, within max offset
//
// In more detail:
//
//   - [Lamport]: consistent with causality, but the converse fails. A smaller
//     stamp does not mean "happened before"; concurrent events get some
//     order anyway, so a store ordered by Lamport stamps silently drops one
//     of two conflicting writes. Cheap, and with a node-ID tie-break it
//     gives the total order a replicated log or a mutual-exclusion protocol
//     needs.
//   - [VC]: exact causality. [Compare] answers [Before], [After], [Equal] or
//     [Concurrent], so a leaderless store can tell an overwrite (keep the
//     newer version) from a conflict (keep both, let the reader merge). The
//     price is size: one entry per node that ever wrote, so stores key the
//     clock by replica (Dynamo) rather than by client, and prune it.
//   - [HLC]: physical time plus a logical counter (Kulkarni et al. 2014;
//     CockroachDB's hlc.Clock). Monotonic, consistent with causality like a
//     Lamport clock, and never more than the maximum clock offset away from
//     real time, so timestamps mean something to people and to MVCC reads
//     "as of 10:00". [HLC.Update] refuses a remote timestamp that is too far
//     ahead ([ErrClockOffset]): a broken clock must not drag the cluster into
//     the future. It cannot detect concurrency either.
//
// # How it works
//
// A vector clock is a map from node ID to the number of that node's events
// this clock has seen. A node ticks its own entry for each write; a receiver
// merges (pointwise maximum) the sender's clock, then ticks. a is Before b
// when no entry of a is larger and some entry is smaller; if each has an
// entry larger than the other's, they are Concurrent.
//
//	a: {a:1}      a: {a:2}             ← a writes twice
//	      \
//	b:     {a:1 b:1}                   ← b saw a's first write, then wrote
//	Compare({a:1}, {a:1 b:1}) = before;  Compare({a:2}, {a:1 b:1}) = concurrent
//
// Clocks travel in a compact canonical binary form ([VC.MarshalBinary]):
// version byte, entry count, then (node, counter) pairs sorted by node, all
// varints. The decoder ([VC.UnmarshalBinary]) treats its input as hostile:
// it checks every length before allocating, rejects duplicates, zero
// counters, padded varints and trailing bytes with errors wrapping
// [ErrMalformed], and is fuzzed (go test -fuzz FuzzUnmarshalBinary
// ./pkg/vclock).
//
// # Usage
//
//	v := vclock.New()
//	v.Tick("replica-1")              // a local write
//	v.Merge(incoming)                 // a replica's clock arrives
//	switch vclock.Compare(v, stored) {
//	case vclock.After:                // newer: overwrite
//	case vclock.Before, vclock.Equal: // stale or duplicate: drop
//	case vclock.Concurrent:           // a conflict: keep both siblings
//	}
//
//	clock := vclock.NewHLC(time.Now, 500*time.Millisecond)
//	ts := clock.Now()                 // stamp a send
//	ts, err := clock.Update(remote)   // on receive; err wraps ErrClockOffset
//
// # Concurrency
//
// [Lamport] and [HLC] are safe for concurrent use. A [VC] is a plain map:
// one goroutine at a time, and [VC.Copy] before sharing it.
//
// # Reading order
//
// lamport.go (the single counter), vector.go (Compare, Merge), encoding.go
// (the wire form and its checks), hlc.go (wall time meets logic). Then
// pkg/crdt, whose merges are the same pointwise maximum, and pkg/gossip,
// which spreads them.
package vclock
