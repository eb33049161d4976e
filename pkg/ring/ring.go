// The ring itself: points on a circle of 2^64 positions, each owned by a
// node, and the two questions a store asks it.

package ring

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// DefaultVirtualNodes is how many points each node gets on the ring when New
// is given zero. With 100 points per node the share of keys each node owns
// stays within about 10% of even (see TestRing_Balance).
const DefaultVirtualNodes = 100

// Errors returned by the ring. Check them with errors.Is.
var (
	// ErrEmpty is returned by Lookup and Preference on a ring with no nodes:
	// there is nobody to own the key.
	ErrEmpty = errors.New("ring: no nodes")
	// ErrUnknownNode is returned by Remove for a node that is not on the ring.
	ErrUnknownNode = errors.New("ring: unknown node")
	// ErrDuplicateNode is returned by Add for a node already on the ring.
	ErrDuplicateNode = errors.New("ring: node already on the ring")
)

// point is one virtual node: a position on the circle and its owner.
type point struct {
	hash uint64
	node string
}

// Ring is a consistent-hashing ring with virtual nodes. The zero value is not
// usable; call New. Safe for concurrent use: lookups share a read lock, Add
// and Remove take the write lock.
type Ring struct {
	vnodes int

	mu     sync.RWMutex
	points []point         // sorted by hash; rebuilt by Add and Remove
	nodes  map[string]bool // the nodes on the ring; same set as the owners in points
}

// New returns an empty ring that gives each node vnodes points on the
// circle. vnodes <= 0 means DefaultVirtualNodes.
func New(vnodes int) *Ring {
	if vnodes <= 0 {
		vnodes = DefaultVirtualNodes
	}
	return &Ring{vnodes: vnodes, nodes: make(map[string]bool)}
}

// Add puts node on the ring: vnodes points at positions derived from its
// name and from the points already there (see place), so every process that
// adds the same names in the same order builds the same ring.
// It fails for an empty name or a node already present.
func (r *Ring) Add(node string) error {
	if node == "" {
		return errors.New("ring: add: empty node name")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nodes[node] {
		return fmt.Errorf("add %q: %w", node, ErrDuplicateNode)
	}
	r.nodes[node] = true
	// The share each node should own once node is in, split over its
	// points: the length of arc each new point should take over.
	ideal := ^uint64(0) / uint64(len(r.nodes)) / uint64(r.vnodes)
	for i := range r.vnodes {
		p := point{hash: r.place(node, i, ideal), node: node}
		at, _ := slices.BinarySearchFunc(r.points, p, comparePoints)
		r.points = slices.Insert(r.points, at, p)
	}
	return nil
}

// candidates is how many positions place considers for each virtual node.
const candidates = 8

// place chooses the position of node's i-th point among a few candidates
// derived from its name. A point takes over the keys between the point
// before it and itself, from the owner of the point after it (the victim).
// place prefers the candidate whose arc is closest to ideal, taken from the
// most loaded victim. Points dropped at random give each node a share that
// strays by about 1/sqrt(vnodes) from even, which is 10% for 100 points; a
// little choice brings the worst node well within that. Cassandra's token
// allocation for new nodes makes the same trade: where a node's points go then
// depends on the points already there, so members must agree on the order
// nodes joined in (here: the order of Add calls), or share the points
// themselves, as Cassandra does through gossip.
func (r *Ring) place(node string, i int, ideal uint64) uint64 {
	loads := r.loads()
	best, bestScore := uint64(0), -1.0
	for c := range candidates {
		h := hashString(node + "#" + strconv.Itoa(i) + "#" + strconv.Itoa(c))
		if len(r.nodes) == 1 {
			// The first node owns the whole circle whatever it does;
			// its points go where its name puts them.
			return h
		}
		at, _ := slices.BinarySearchFunc(r.points, point{hash: h}, comparePoints)
		prev := r.points[(at+len(r.points)-1)%len(r.points)]
		victim := r.points[at%len(r.points)].node
		arc := float64(h-prev.hash) / float64(ideal) // wraps around zero correctly in uint64
		if victim == node {
			continue // the keys before h are node's already
		}
		score := loads[victim] * min(arc, 1/arc)
		if score > bestScore {
			best, bestScore = h, score
		}
	}
	if bestScore < 0 {
		return hashString(node + "#" + strconv.Itoa(i) + "#0")
	}
	return best
}

// loads returns each node's share of the circle.
func (r *Ring) loads() map[string]float64 {
	out := make(map[string]float64)
	for i, p := range r.points {
		prev := r.points[(i+len(r.points)-1)%len(r.points)]
		out[p.node] += float64(p.hash-prev.hash) / (1 << 64)
	}
	return out
}

// comparePoints orders points by position, ties (two points at one
// position, about 1 in 2^64 per pair) by name, so that every process orders
// them the same way.
func comparePoints(a, b point) int {
	if a.hash != b.hash {
		if a.hash < b.hash {
			return -1
		}
		return 1
	}
	return strings.Compare(a.node, b.node)
}

// Remove takes node and all its points off the ring. The keys it owned now
// belong to the next point clockwise of each, which is spread over all the
// other nodes: that is the point of virtual nodes.
func (r *Ring) Remove(node string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.nodes[node] {
		return fmt.Errorf("remove %q: %w", node, ErrUnknownNode)
	}
	delete(r.nodes, node)
	r.points = slices.DeleteFunc(r.points, func(p point) bool { return p.node == node })
	return nil
}

// Lookup returns the node that owns key: the owner of the first point at or
// after the key's hash, going clockwise and wrapping at the top.
func (r *Ring) Lookup(key string) (string, error) {
	owners, err := r.Preference(key, 1)
	if err != nil {
		return "", err
	}
	return owners[0], nil
}

// Preference returns the first n distinct nodes clockwise from key: the
// key's owner first, then the nodes that hold its replicas (Dynamo's
// "preference list"). If the ring has fewer than n nodes, it returns all of
// them. It fails with ErrEmpty on an empty ring and for n < 1.
func (r *Ring) Preference(key string, n int) ([]string, error) {
	if n < 1 {
		return nil, fmt.Errorf("ring: preference list of %d nodes: n must be at least 1", n)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.points) == 0 {
		return nil, fmt.Errorf("lookup %q: %w", key, ErrEmpty)
	}
	n = min(n, len(r.nodes))
	h := hashString(key)
	start := sort.Search(len(r.points), func(i int) bool { return r.points[i].hash >= h })
	// Walk clockwise, skipping points of nodes already chosen: with
	// virtual nodes, the next point often belongs to a node we have.
	out := make([]string, 0, n)
	for i := 0; len(out) < n; i++ {
		node := r.points[(start+i)%len(r.points)].node
		if !slices.Contains(out, node) {
			out = append(out, node)
		}
	}
	// The loop ends: n is at most the number of distinct nodes, and a walk
	// of len(points) steps meets every one of them.
	return out, nil
}

// Nodes returns the nodes on the ring, sorted by name.
func (r *Ring) Nodes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.nodes))
	for n := range r.nodes {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Len returns the number of nodes on the ring.
func (r *Ring) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.nodes)
}

// hashString places a string on the circle. FNV-1a is fast and stable
// across processes and Go versions, but similar inputs ("n1#1", "n1#2") land
// close together; the finalizer of SplitMix64 spreads them over the circle.
func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
