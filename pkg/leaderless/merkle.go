// Anti-entropy: two replicas compare Merkle trees of the keys they share,
// walk down only where the hashes differ, and exchange the keys of the
// differing leaves. Read repair fixes the keys clients read; this fixes the
// cold ones too.

package leaderless

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
)

// treeDepth gives 2^treeDepth leaves. Each leaf covers a range of key
// hashes; the tree is rebuilt for each exchange (Cassandra builds its trees
// per repair as well; Dynamo keeps one per key range up to date as writes
// arrive, so an exchange costs nothing to start).
const (
	treeDepth = 6
	leaves    = 1 << treeDepth
)

// TreeArgs asks a node for its Merkle tree of the keys it shares with Peer:
// the keys whose home replicas include both.
type TreeArgs struct{ Peer string }

// TreeReply is the whole tree, heap order: Hashes[0] is the root, the
// children of i are 2i+1 and 2i+2, and the last `leaves` entries are the
// leaves. At 127 hashes (1 KB) it goes in one message; a deeper tree would
// be sent level by level, only below the nodes that differ.
type TreeReply struct{ Hashes []uint64 }

// Tree is the RPC handler for a peer's anti-entropy exchange.
func (n *Node) Tree(args *TreeArgs, reply *TreeReply) error {
	reply.Hashes = n.tree(args.Peer)
	return nil
}

// BucketArgs asks for the keys of one leaf shared with Peer.
type BucketArgs struct {
	Peer string
	Leaf int
}

// BucketReply is every shared key in the leaf with its versions.
type BucketReply struct{ Keys map[string][]Version }

// Bucket is the RPC handler that sends the keys of one leaf.
func (n *Node) Bucket(args *BucketArgs, reply *BucketReply) error {
	if args.Leaf < 0 || args.Leaf >= leaves {
		return fmt.Errorf("%w: leaf %d of %d", ErrBadRequest, args.Leaf, leaves)
	}
	reply.Keys = n.shared(args.Peer)[args.Leaf]
	return nil
}

// SyncWith runs one anti-entropy exchange with peer: fetch its tree, find
// the leaves whose hashes differ from ours, fetch those leaves' keys, merge
// them into our store and send the merged versions back where the peer
// lacked something. It returns how many keys changed on either side.
func (n *Node) SyncWith(peer string) (int, error) {
	var tr TreeReply
	if err := n.call(peer, "Node.Tree", &TreeArgs{Peer: n.cfg.Name}, &tr); err != nil {
		return 0, fmt.Errorf("anti-entropy with %s: tree: %w", peer, err)
	}
	if len(tr.Hashes) != 2*leaves-1 {
		return 0, fmt.Errorf("anti-entropy with %s: %w: tree of %d hashes", peer, ErrMalformed, len(tr.Hashes))
	}
	mine := n.tree(peer)
	changed := 0
	for _, leaf := range differingLeaves(mine, tr.Hashes) {
		var br BucketReply
		if err := n.call(peer, "Node.Bucket", &BucketArgs{Peer: n.cfg.Name, Leaf: leaf}, &br); err != nil {
			return changed, fmt.Errorf("anti-entropy with %s: leaf %d: %w", peer, leaf, err)
		}
		ours := n.shared(peer)[leaf]
		for _, key := range slices.Sorted(maps.Keys(mergeKeys(ours, br.Keys))) {
			theirs := br.Keys[key]
			if validate(key, theirs) != nil {
				continue
			}
			merged := merge(ours[key], theirs)
			if !sameVersions(merged, ours[key]) {
				n.Write(&WriteArgs{Key: key, Versions: merged}, &WriteReply{})
				changed++
			}
			if !sameVersions(merged, theirs) {
				if err := n.call(peer, "Node.Write", &WriteArgs{Key: key, Versions: merged}, &WriteReply{}); err != nil {
					return changed, fmt.Errorf("anti-entropy with %s: push %q: %w", peer, key, err)
				}
				changed++
			}
		}
	}
	return changed, nil
}

// differingLeaves walks both trees from the root, descending only into
// subtrees whose hashes differ, and returns the differing leaves. Equal
// roots cost one comparison: that is the point of the tree.
func differingLeaves(a, b []uint64) []int {
	var out []int
	var walk func(i int)
	walk = func(i int) {
		if a[i] == b[i] {
			return
		}
		if i >= leaves-1 { // a leaf
			out = append(out, i-(leaves-1))
			return
		}
		walk(2*i + 1)
		walk(2*i + 2)
	}
	walk(0)
	return out
}

// tree builds the Merkle tree of the keys this node shares with peer.
func (n *Node) tree(peer string) []uint64 {
	buckets := n.shared(peer)
	h := make([]uint64, 2*leaves-1)
	for leaf, keys := range buckets {
		f := fnv.New64a()
		for _, key := range slices.Sorted(maps.Keys(keys)) {
			f.Write([]byte(key))
			f.Write([]byte{0})
			for _, v := range keys[key] { // merged, so in canonical order
				f.Write([]byte(v.Node))
				f.Write(binary.BigEndian.AppendUint64([]byte{0}, v.Counter))
			}
		}
		h[leaves-1+leaf] = f.Sum64()
	}
	for i := leaves - 2; i >= 0; i-- {
		f := fnv.New64a()
		f.Write(binary.BigEndian.AppendUint64(nil, h[2*i+1]))
		f.Write(binary.BigEndian.AppendUint64(nil, h[2*i+2]))
		h[i] = f.Sum64()
	}
	return h
}

// shared returns, per leaf, the keys in this node's store whose home
// replicas include peer, with their versions. A key's leaf is the top bits
// of its hash, the same on every node.
func (n *Node) shared(peer string) [leaves]map[string][]Version {
	n.mu.Lock()
	snapshot := make(map[string][]Version, len(n.store))
	for k, vs := range n.store {
		snapshot[k] = vs
	}
	n.mu.Unlock()
	var out [leaves]map[string][]Version
	for key, vs := range snapshot {
		homes, err := n.cfg.Ring.Preference(key, n.cfg.N)
		if err != nil || !slices.Contains(homes, peer) || !slices.Contains(homes, n.cfg.Name) {
			continue
		}
		f := fnv.New64a()
		f.Write([]byte(key))
		leaf := f.Sum64() >> (64 - treeDepth)
		if out[leaf] == nil {
			out[leaf] = make(map[string][]Version)
		}
		out[leaf][key] = vs
	}
	return out
}

// mergeKeys returns the union of two key sets.
func mergeKeys(a, b map[string][]Version) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
