// A node: its store, its hints for others, the replica side of the RPCs
// (Read and Write), and the background loop that hands off hints and runs
// anti-entropy.

package leaderless

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"distkit/pkg/ring"
)

// Caller is how a node reaches another: the signature of (*rpc.Client).Call,
// which pkg/netsim's Client has too.
type Caller interface {
	Call(serviceMethod string, args any, reply any) error
}

// Registrar is where a node registers its RPC methods: *rpc.Server or
// *netsim.Server.
type Registrar interface {
	RegisterName(name string, rcvr any) error
}

// Config configures a Node.
type Config struct {
	Name  string            // this node's name on the ring
	Ring  *ring.Ring        // the membership; every node must build the same ring
	Peers map[string]Caller // every other node on the ring, by name
	N     int               // replicas per key (default 3)

	// HandoffInterval is how often the node tries to hand its hints to the
	// replicas they belong to (default 500ms).
	HandoffInterval time.Duration
	// AntiEntropyInterval is how often the node compares its Merkle tree
	// with one other replica, round robin (default 2s; negative: never).
	AntiEntropyInterval time.Duration

	Now    func() time.Time // stamps versions for last-writer-wins (default time.Now)
	Logger *slog.Logger     // default: discard
}

// Node is one member of the store: a replica of the keys the ring gives it,
// and a coordinator for any request a client sends it. Its exported methods
// with net/rpc signatures are its RPC handlers, registered as "Node"; the
// rest are safe for concurrent use too.
type Node struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	store   map[string][]Version            // key -> merged versions this node replicates
	hints   map[string]map[string][]Version // home replica -> key -> versions held for it
	counter uint64                          // dots this node has handed out as coordinator

	stop chan struct{}  // closed by Stop
	wg   sync.WaitGroup // the loop and every background RPC
}

// NewNode returns a node; Register it, then Start it.
func NewNode(cfg Config) (*Node, error) {
	if cfg.Name == "" || cfg.Ring == nil {
		return nil, errors.New("leaderless: config needs a Name and a Ring")
	}
	if cfg.N <= 0 {
		cfg.N = 3
	}
	if cfg.HandoffInterval <= 0 {
		cfg.HandoffInterval = 500 * time.Millisecond
	}
	if cfg.AntiEntropyInterval == 0 {
		cfg.AntiEntropyInterval = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Node{cfg: cfg, log: cfg.Logger.With("node", cfg.Name),
		store: make(map[string][]Version), hints: make(map[string]map[string][]Version),
		stop: make(chan struct{})}, nil
}

// Register serves the node's RPC methods as "Node" on srv.
func (n *Node) Register(srv Registrar) error { return srv.RegisterName("Node", n) }

// Start runs the background loop: hinted handoff every HandoffInterval and
// one anti-entropy exchange every AntiEntropyInterval. Stop ends it.
func (n *Node) Start() {
	n.wg.Add(1)
	go n.loop()
}

// Stop ends the background loop and waits for it and for every RPC the node
// still has out (writes past the quorum, repairs).
func (n *Node) Stop() {
	close(n.stop)
	n.wg.Wait()
}

func (n *Node) loop() {
	defer n.wg.Done()
	handoff := time.NewTicker(n.cfg.HandoffInterval)
	defer handoff.Stop()
	var antiEntropy <-chan time.Time
	if n.cfg.AntiEntropyInterval > 0 {
		t := time.NewTicker(n.cfg.AntiEntropyInterval)
		defer t.Stop()
		antiEntropy = t.C
	}
	next := 0 // round robin over the peers for anti-entropy
	for {
		select {
		case <-n.stop:
			return
		case <-handoff.C:
			n.HandOff()
		case <-antiEntropy:
			peers := slices.Sorted(maps.Keys(n.cfg.Peers))
			if len(peers) > 0 {
				peer := peers[next%len(peers)]
				next++
				if _, err := n.SyncWith(peer); err != nil {
					n.log.Debug("anti-entropy failed", "peer", peer, "err", err)
				}
			}
		}
	}
}

// ReadArgs asks a replica for its versions of Key.
type ReadArgs struct{ Key string }

// ReadReply carries a replica's versions: what it stores, plus what it holds
// as hints for a replica that was down.
type ReadReply struct{ Versions []Version }

// Read is the replica side of a read.
func (n *Node) Read(args *ReadArgs, reply *ReadReply) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	vs := n.store[args.Key]
	for _, held := range n.hints {
		vs = merge(vs, held[args.Key])
	}
	reply.Versions = vs
	return nil
}

// WriteArgs gives a replica versions of Key to merge into its own. Hint, if
// set, names the replica the versions really belong to: this node is a
// stand-in (sloppy quorum) and keeps them apart until it can hand them over.
type WriteArgs struct {
	Key      string
	Versions []Version
	Hint     string
}

// WriteReply is empty: a nil error means the versions are merged.
type WriteReply struct{}

// Write is the replica side of a write, of read repair and of hinted
// handoff. Merging is idempotent, so a retried or duplicated Write is
// harmless.
func (n *Node) Write(args *WriteArgs, reply *WriteReply) error {
	if err := validate(args.Key, args.Versions); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if args.Hint != "" && args.Hint != n.cfg.Name {
		held := n.hints[args.Hint]
		if held == nil {
			held = make(map[string][]Version)
			n.hints[args.Hint] = held
		}
		held[args.Key] = merge(held[args.Key], args.Versions)
		return nil
	}
	n.store[args.Key] = merge(n.store[args.Key], args.Versions)
	return nil
}

// Versions returns this node's own versions of key (hints excluded), for
// tests and demos that look inside a replica.
func (n *Node) Versions(key string) []Version {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.store[key])
}

// Hints returns how many keys this node holds for other replicas.
func (n *Node) Hints() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	total := 0
	for _, held := range n.hints {
		total += len(held)
	}
	return total
}

// HandOff tries to deliver every hint to the replica it belongs to, and
// drops the hints that arrived. The loop calls it every HandoffInterval;
// tests call it directly.
func (n *Node) HandOff() {
	n.mu.Lock()
	pending := make(map[string]map[string][]Version, len(n.hints))
	for home, held := range n.hints {
		pending[home] = maps.Clone(held)
	}
	n.mu.Unlock()
	for _, home := range slices.Sorted(maps.Keys(pending)) {
		peer := n.cfg.Peers[home]
		if peer == nil {
			continue
		}
		for _, key := range slices.Sorted(maps.Keys(pending[home])) {
			vs := pending[home][key]
			if err := peer.Call("Node.Write", &WriteArgs{Key: key, Versions: vs}, &WriteReply{}); err != nil {
				n.log.Debug("handoff failed; keeping the hint", "to", home, "key", key, "err", err)
				break // the replica is still down; try the rest next time
			}
			n.mu.Lock()
			// Drop the hint only if nothing newer arrived for it meanwhile.
			if held := n.hints[home]; held != nil && sameVersions(held[key], vs) {
				delete(held, key)
				if len(held) == 0 {
					delete(n.hints, home)
				}
			}
			n.mu.Unlock()
			n.log.Debug("hint handed off", "to", home, "key", key)
		}
	}
}

// call reaches node name, or this node itself without the network.
func (n *Node) call(name, method string, args, reply any) error {
	if name == n.cfg.Name {
		switch method {
		case "Node.Read":
			return n.Read(args.(*ReadArgs), reply.(*ReadReply))
		case "Node.Write":
			return n.Write(args.(*WriteArgs), reply.(*WriteReply))
		}
	}
	peer := n.cfg.Peers[name]
	if peer == nil {
		return fmt.Errorf("leaderless: no connection to %q", name)
	}
	return peer.Call(method, args, reply)
}
