// The test cluster: real Nodes on a simulated network, an application that
// records what each node applies, and checks that run on every delivery.
//
// Every scenario runs inside a synctest bubble, so the network's delays and
// the nodes' timeouts run on a fake clock: a minute of elections takes
// milliseconds and the same seed gives the same story.

package raft

import (
	"bytes"
	"encoding/gob"
	"flag"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"distkit/pkg/netsim"
)

var seedsFlag = flag.Int("seeds", 3, "how many seeds each randomized scenario runs")

// Timing used by every scenario, on the bubble's fake clock.
const (
	electionMin = 150 * time.Millisecond
	electionMax = 300 * time.Millisecond
	heartbeat   = 50 * time.Millisecond
)

// cluster is n Raft nodes wired together through a netsim.Network.
type cluster struct {
	t    *testing.T
	seed uint64
	net  *netsim.Network
	rng  *rand.Rand // the test's own choices (which node to crash...)

	// Nodes 0 to initial-1 form the starting configuration; the others are
	// spares, started with Config.Join and added by AddServer.
	initial int

	mu            sync.Mutex
	nodes         []*Node          // nil while crashed
	storages      []*MemoryStorage // survive crashes
	quit          []chan struct{}  // stops each node's consumer goroutine
	wg            sync.WaitGroup   // the consumer goroutines
	applied       []map[int][]byte // what each node applied, by index
	lastApplied   []int
	maxIndex      int    // highest index applied anywhere
	snapshotEvery int    // when > 0, each node snapshots every this many entries
	snapshots     []int  // snapshots each node has received on ApplyCh
	installs      []int  // InstallSnapshot RPCs each node has received (seen through Config.OnEvent)
	connected     []bool // maintained by connect and disconnect
}

// newCluster starts n nodes. Call it inside a synctest bubble and stop the
// cluster with c.cleanup() before the bubble ends.
func newCluster(t *testing.T, n int, seed uint64) *cluster {
	t.Helper()
	return newClusterWithSpares(t, n, 0, seed)
}

// newClusterWithSpares starts n nodes as the cluster and spares more that
// wait, outside any configuration, to be added (nodes n to n+spares-1).
func newClusterWithSpares(t *testing.T, n, spares int, seed uint64) *cluster {
	t.Helper()
	total := n + spares
	c := &cluster{
		t:           t,
		seed:        seed,
		net:         netsim.New(seed),
		rng:         rand.New(rand.NewPCG(seed, 1)),
		initial:     n,
		nodes:       make([]*Node, total),
		storages:    make([]*MemoryStorage, total),
		quit:        make([]chan struct{}, total),
		applied:     make([]map[int][]byte, total),
		lastApplied: make([]int, total),
		snapshots:   make([]int, total),
		installs:    make([]int, total),
		connected:   make([]bool, total),
	}
	for i := range total {
		c.storages[i] = NewMemoryStorage()
		c.connected[i] = true
		c.start(i)
	}
	return c
}

func name(i int) string { return strconv.Itoa(i) }

// start boots node i from its storage and connects it to the network.
func (c *cluster) start(i int) {
	c.t.Helper()
	// Members find each other by name, the address in configuration
	// entries, so a spare added later can reach everyone.
	peers := make(map[int]Peer)
	addrs := map[int]string{i: name(i)}
	for j := range c.initial {
		if j != i {
			peers[j] = c.net.Client(name(i), name(j))
			addrs[j] = name(j)
		}
	}
	applyCh := make(chan ApplyMsg)
	node, err := New(Config{
		ID:                 i,
		Peers:              peers,
		Join:               i >= c.initial,
		Addrs:              addrs,
		Dial:               func(_ int, addr string) Peer { return c.net.Client(name(i), addr) },
		ApplyCh:            applyCh,
		Storage:            c.storages[i],
		ElectionTimeoutMin: electionMin,
		ElectionTimeoutMax: electionMax,
		HeartbeatInterval:  heartbeat,
		Rand:               rand.New(rand.NewPCG(c.seed, uint64(i)+100)),
		Logger:             slog.New(slog.NewTextHandler(c.t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo})),
		OnEvent:            c.observe,
	})
	if err != nil {
		c.t.Fatalf("seed %d: start node %d: %v", c.seed, i, err)
	}
	srv := netsim.NewServer()
	if err := srv.RegisterName("Raft", node); err != nil {
		c.t.Fatalf("register node %d: %v", i, err)
	}
	c.mu.Lock()
	c.nodes[i] = node
	c.applied[i] = make(map[int][]byte)
	c.lastApplied[i] = 0
	c.quit[i] = make(chan struct{})
	quit := c.quit[i]
	c.mu.Unlock()
	c.net.Restart(name(i), srv)

	c.wg.Add(1)
	go c.consume(i, node, applyCh, quit)
}

// consume plays the service for node i: it applies each message and checks
// the one rule that matters most, that no two nodes apply different
// commands at the same index.
func (c *cluster) consume(i int, node *Node, applyCh <-chan ApplyMsg, quit <-chan struct{}) {
	defer c.wg.Done()
	for {
		var m ApplyMsg
		select {
		case m = <-applyCh:
		case <-quit:
			return
		}
		switch {
		case m.CommandValid:
			c.applyCommand(i, m)
			c.mu.Lock()
			every := c.snapshotEvery
			c.mu.Unlock()
			if every > 0 && m.CommandIndex%every == 0 {
				node.Snapshot(m.CommandIndex, c.snapshotOf(i, m.CommandIndex))
			}
		case m.SnapshotValid:
			c.installSnapshot(i, m)
		}
	}
}

func (c *cluster) applyCommand(i int, m ApplyMsg) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Indexes may skip Raft's own entries (configurations, no-ops), but
	// never go back or repeat.
	if m.CommandIndex <= c.lastApplied[i] {
		c.t.Errorf("seed %d: node %d applied index %d after %d: out of order", c.seed, i, m.CommandIndex, c.lastApplied[i])
	}
	for j, log := range c.applied {
		if prev, ok := log[m.CommandIndex]; ok && !bytes.Equal(prev, m.Command) {
			c.t.Errorf("seed %d: index %d: node %d applied %q but node %d applied %q",
				c.seed, m.CommandIndex, i, m.Command, j, prev)
		}
	}
	c.applied[i][m.CommandIndex] = m.Command
	c.lastApplied[i] = m.CommandIndex
	c.maxIndex = max(c.maxIndex, m.CommandIndex)
}

// observe is every node's Config.OnEvent: it counts the InstallSnapshot
// RPCs that reach each node.
func (c *cluster) observe(e Event) {
	if e.Kind == EventReceive && e.RPC == "InstallSnapshot" {
		c.mu.Lock()
		c.installs[e.Node]++
		c.mu.Unlock()
	}
}

// snapshotOf encodes node i's applied commands up to index, which is what
// this toy state machine calls its state.
func (c *cluster) snapshotOf(i, index int) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	cmds := make([][]byte, index+1)
	for k := 1; k <= index; k++ {
		cmds[k] = c.applied[i][k]
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(cmds); err != nil {
		c.t.Errorf("encode snapshot: %v", err)
	}
	return buf.Bytes()
}

func (c *cluster) installSnapshot(i int, m ApplyMsg) {
	var cmds [][]byte
	if err := gob.NewDecoder(bytes.NewReader(m.Snapshot)).Decode(&cmds); err != nil {
		c.t.Errorf("seed %d: node %d: decode snapshot at %d: %v", c.seed, i, m.SnapshotIndex, err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.SnapshotIndex <= c.lastApplied[i] && c.lastApplied[i] > 0 {
		c.t.Errorf("seed %d: node %d got snapshot at %d after applying %d", c.seed, i, m.SnapshotIndex, c.lastApplied[i])
	}
	c.applied[i] = make(map[int][]byte)
	c.snapshots[i]++
	for k := 1; k < len(cmds) && k <= m.SnapshotIndex; k++ {
		c.applied[i][k] = cmds[k]
	}
	c.lastApplied[i] = m.SnapshotIndex
}

// crash stops node i as a power cut would: it answers nothing, its
// in-flight replies are lost, and only its storage survives.
func (c *cluster) crash(i int) {
	c.mu.Lock()
	node := c.nodes[i]
	c.nodes[i] = nil
	quit := c.quit[i]
	c.mu.Unlock()
	if node == nil {
		return
	}
	c.net.Crash(name(i))
	node.Stop()
	close(quit)
}

// restart brings a crashed node back from its storage.
func (c *cluster) restart(i int) {
	c.t.Helper()
	c.crash(i)
	c.start(i)
}

// cleanup stops every node; call it (deferred) at the end of each bubble.
func (c *cluster) cleanup() {
	for i := range c.nodes {
		c.crash(i)
	}
	c.wg.Wait()
	// Let stragglers on a slow network arrive (and be dropped) before the
	// bubble ends: their goroutines belong to the bubble too.
	pass(3 * time.Second)
}

func (c *cluster) node(i int) *Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

// disconnect cuts node i off from every other node, as a pulled cable would.
func (c *cluster) disconnect(i int) {
	c.mu.Lock()
	c.connected[i] = false
	c.mu.Unlock()
	for j := range c.nodes {
		if j != i {
			c.net.Disconnect(name(i), name(j))
		}
	}
}

// connect links node i back to every node that is itself connected.
func (c *cluster) connect(i int) {
	c.mu.Lock()
	c.connected[i] = true
	conn := slices.Clone(c.connected)
	c.mu.Unlock()
	for j := range c.nodes {
		if j != i && conn[j] {
			c.net.Connect(name(i), name(j))
		}
	}
}

// connectAll heals every link.
func (c *cluster) connectAll() {
	c.mu.Lock()
	for i := range c.connected {
		c.connected[i] = true
	}
	c.mu.Unlock()
	c.net.Heal()
}

// setUnreliable makes the network lose and reorder messages, or stops it.
// One message in ten is lost each way, every message takes up to 20ms, and
// one in twenty straggles for up to half a second, long after its caller
// gave up: that is how stale messages from old terms reach a node.
func (c *cluster) setUnreliable(on bool) {
	if on {
		c.net.SetDropRate(0.1, 0.1)
		c.net.SetDelay(0, 20*time.Millisecond)
		c.net.SetLongDelays(0.05, 500*time.Millisecond)
		return
	}
	c.net.SetDropRate(0, 0)
	c.net.SetDelay(0, 0)
	c.net.SetLongDelays(0, 0)
}

// isConnected reports whether node i is connected (see connect).
func (c *cluster) isConnected(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connected[i]
}
