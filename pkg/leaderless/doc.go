// Package leaderless is a Dynamo-style key-value store: no leader, every
// key on N replicas chosen by a consistent-hashing ring, and a quorum (R
// replicas to read, W to write) picked by each request. It is the other end
// of the consistency spectrum from pkg/kv: always writable, even in a
// minority partition, at the price of conflicts the client resolves and of
// guarantees much weaker than linearizability.
//
// # Who talks to whom
//
//	Client ──Node.Put──▶ coordinator (any node) ──Node.Write──▶ N home replicas (ring.Preference)
//	                          │  a home replica is down?  ──Node.Write + hint──▶ next node on the ring
//	Client ◀──ack after W─────┘
//	                     stand-in ──HandOff: Node.Write──▶ the home replica, once it is back
//	replica ◀──Node.Tree / Node.Bucket (Merkle anti-entropy)──▶ replica
//
// Coordinators and replicas speak net/rpc (Caller is the signature of
// (*rpc.Client).Call), so the same code runs on pkg/netsim inside synctest
// bubbles and over real net/rpc (see the package example).
//
// # Versions and siblings
//
// Each write gets a dot from its coordinator (node, counter) and carries the
// context its client read before writing (a vector clock from pkg/vclock). A
// version replaces another exactly when its writer had seen it; two writes
// that did not see each other are both kept, as siblings, and a read returns
// them all with a context naming them. The client resolves them: merge them
// (a shopping cart takes the union) or pick one with [LWW], which says which
// updates it drops. Writing back with the read's context replaces the
// siblings. Keeping the dot apart from the context (dotted version vectors,
// as in Riak) is what lets two blind writes through one coordinator become
// siblings instead of the second silently replacing the first.
//
// # How replicas converge
//
//   - Read repair: a read merges the R answers and writes the merge back to
//     every replica that answered with less, before it answers the client.
//   - Hinted handoff: when a home replica does not answer a write, the next
//     node on the ring that is not a home replica takes it with a hint
//     naming the home (the sloppy quorum), and hands it over once the home
//     replica answers again ([Node.HandOff], every Config.HandoffInterval).
//   - Anti-entropy: now and then two replicas build Merkle trees (64 leaves,
//     each a range of key hashes) of the keys they share, walk down only
//     where the hashes differ and exchange those leaves' keys
//     ([Node.SyncWith]). This is what repairs keys nobody reads.
//
// # What R + W > N does and does not guarantee
//
// With R + W > N every read quorum overlaps every write quorum, so a read
// that starts after a write was acknowledged by W home replicas meets at least
// one replica that has it. And because a read repairs the replicas it read
// before answering, a value once returned is on R replicas, and when 2R > N
// no later read misses it. With N=3, R=W=2, no failures and clients that read
// before they write, TestQuorum_RWGreaterThanNIsLinearizable finds every
// history linearizable (3 seeds by default, 40 with -seeds=40). And with
// W > N/2, an acknowledged write is on a majority of its home replicas, so no
// later quorum write can be acknowledged without meeting it (as long as
// replicas do not lose their data for good).
//
// It is not linearizability in general:
//
//   - Sloppy quorums. W acknowledgements may come from stand-ins, outside
//     the home replicas a read asks; until the hint is handed off, a quorum
//     read can miss an acknowledged write. The demo's R=W=2 run shows it.
//   - Concurrent writes. Two writes that did not see each other become
//     siblings; last-writer-wins then keeps one by timestamp, and a clock
//     that runs behind loses writes that came later in real time.
//   - Failed writes. A write that reached fewer than W replicas fails, but
//     is not rolled back: a later read may return it, or not, or first one
//     then the other (until read repair spreads it).
//   - Read repair races. A read that meets a write in flight can return it
//     before the write's own client has its acknowledgement.
//
// With R + W <= N the quorums need not overlap at all, and
// TestQuorum_RWAtMostNIsNot shows a read missing a finished write.
//
// # Usage
//
//	n, err := leaderless.NewNode(leaderless.Config{Name: "n1", Ring: r, Peers: peers, N: 3})
//	n.Register(rpcServer) // serves "Node"
//	n.Start()
//	defer n.Stop()
//
//	c := leaderless.NewClient(coordinator)
//	res, err := c.Get(ctx, "cart", 2)             // R=2
//	win, lost := leaderless.LWW(res.Siblings)      // or merge them yourself
//	_, err = c.Put(ctx, "cart", "milk", res.Context, 2) // W=2
//
// R or W out of 1..N is [ErrBadRequest]; a context the store never issued is
// [ErrMalformed]; too few replicas is [ErrQuorum].
//
// # Reading order
//
// version.go (dots, contexts, siblings), node.go (the replica side, hints,
// the background loop), coordinator.go (quorums, sloppy quorum, read
// repair), merkle.go (anti-entropy), client.go.
package leaderless
