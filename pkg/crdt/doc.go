// Package crdt implements conflict-free replicated data types: values that
// replicas update without coordinating and that still converge, because
// their states merge like sets under union. Here: a grow-only counter
// ([GCounter]), an up-and-down counter ([PNCounter]), a last-writer-wins
// register ([LWWRegister]) and an add-wins observed-remove set ([ORSet]).
//
// # How it works
//
// These are state-based CRDTs (Shapiro, Preguiça, Baquero, Zawirski 2011,
// "Conflict-free Replicated Data Types"). A replica updates its own state
// locally and now and then sends the whole state to another replica, which
// merges it in. Merge is a join: commutative (a⊔b = b⊔a), associative
// ((a⊔b)⊔c = a⊔(b⊔c)) and idempotent (a⊔a = a). So the network may reorder,
// duplicate or delay states as it likes; once every replica has merged
// every other's updates, directly or through others, all hold the same
// state. That is strong eventual consistency, and it is why pkg/gossip can
// spread these states by random push-pull without any ordering guarantees.
//
//	replica a: {a:3}      ──state──►  replica b: {a:3 b:2} = 5
//	replica b: {b:2}      ◄──state──  replica a: {a:3 b:2} = 5
//	(a G-Counter: one entry per replica, merge = entry-wise max, value = sum)
//
// Each type's trick:
//
//   - [GCounter]: each replica bumps only its own entry, so the maximum of
//     two entries is the latest count, not a lost update.
//   - [PNCounter]: two G-Counters, increments and decrements, because a
//     maximum can never go down.
//   - [LWWRegister]: the write with the largest (HLC timestamp, node ID)
//     wins. It converges, but it loses data: of two concurrent writes one
//     vanishes, and a clock that runs behind loses even writes that came
//     later (see ExampleLWWRegister).
//   - [ORSet]: each add carries a unique [Dot] (replica, sequence); a remove
//     deletes only the dots it has seen, so a concurrent add survives (add
//     wins). A version vector ([vclock.VC]) of seen dots replaces the
//     tombstones of the textbook version.
//
// The property tests in laws_test.go run random seeded histories (replicas
// updating and merging in random orders) and check the three laws on the
// states they reach, plus convergence; go test ./pkg/crdt -seeds=2000 runs
// more. A failure prints the seed and the states.
//
// # Usage
//
//	var views crdt.PNCounter        // one per replica
//	views.Inc("replica-1", 1)       // local update, no coordination
//	views.Merge(stateFromPeer)      // whenever a peer's state arrives
//	fmt.Println(views.Value())
//
// States have exported fields so encoding/gob (net/rpc, pkg/netsim) carries
// them as they are. Updates name the replica making them, and each replica
// must use only its own ID.
//
// # Concurrency
//
// The types are plain values, not safe for concurrent use: guard each
// replica's state with its owner's mutex, and Copy a state before sending
// it, as pkg/gossip does.
//
// # Reading order
//
// counter.go (GCounter, PNCounter), lww.go, orset.go, then laws_test.go for
// how the laws are checked. pkg/vclock explains the clocks these build on.
package crdt
