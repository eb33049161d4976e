// Package ring is a consistent-hashing ring with virtual nodes: the way
// Dynamo, Cassandra and Riak decide which nodes hold a key, so that adding or
// removing a node moves only the keys it gains or loses.
//
// # Why not hash(key) mod N
//
// With N nodes, hash(key) mod N spreads keys evenly, until N changes: going
// from 4 to 5 nodes changes the owner of 4 keys in 5, and the whole data set
// moves. Consistent hashing (Karger et al. 1997) puts nodes and keys on the
// same circle of 2^64 positions; a key belongs to the first node clockwise
// from it. A new node takes over only the arcs just before its positions, so
// it gains about 1/N of the keys, all from the other nodes, and no key moves
// between two old nodes. A node that leaves hands its arcs to its successors.
//
// # Virtual nodes
//
// One position per node leaves arcs of very uneven length, and a leaving node
// dumps its whole load on one neighbour. So each node gets many positions
// (virtual nodes, 100 by default): its share is the sum of many arcs, close
// to even, and when it leaves, its arcs go to many different nodes. Where the
// positions go matters too. Dropped at random (hash of "name#i"), 100 points
// per node leave the worst node 10 to 12% off an even share (measured for 3,
// 5 and 10 nodes over 100,000 keys). So [Ring.Add] chooses each point among
// eight candidates, preferring an arc of the right length taken from the most
// loaded node, the idea behind Cassandra's token allocation for new nodes;
// the worst node is then 3 to 8% off (TestRing_Balance prints the figures
// under -v). The price: the ring depends on the order nodes were added in.
//
// # Replicas: the preference list
//
// [Ring.Preference] walks clockwise from the key and returns the first n
// distinct nodes: the owner and the nodes that keep the key's replicas
// (Dynamo's "preference list"). Virtual nodes make the walk skip points of
// nodes it already has. pkg/leaderless asks for more than N nodes to find
// stand-ins when a replica is down (sloppy quorum).
//
// # Usage
//
//	r := ring.New(100)
//	r.Add("n1"); r.Add("n2"); r.Add("n3")
//	owner, err := r.Lookup("user:42")        // "n2", say
//	replicas, err := r.Preference("user:42", 3) // ["n2" "n3" "n1"]
//
// A ring with no nodes answers [ErrEmpty].
//
// # Figures
//
// TestRing_Balance and TestRing_Movement assert the targets and print their
// figures under -v (go test -v -run 'Balance|Movement' ./pkg/ring, virtual
// and exact: the ring is deterministic): with 100 virtual nodes each the worst
// of 3, 5 and 10 nodes is 2.5%, 8.1% and 4.1% off an even share of 30,000 keys;
// adding a fifth node moves 20.1% of the keys (1/5), removing one of ten
// moves 10.3% (1/10).
//
// # Reading order
//
// ring.go, then ring_test.go.
package ring
