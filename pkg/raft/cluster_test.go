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
	"fmt"
	"log/slog"
	"math/rand/v2"
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

	mu            sync.Mutex
	nodes         []*Node          // nil while crashed
	storages      []*MemoryStorage // survive crashes
	quit          []chan struct{}  // stops each node's consumer goroutine
	wg            sync.WaitGroup   // the consumer goroutines
	applied       []map[int][]byte // what each node applied, by index
	lastApplied   []int
	maxIndex      int // highest index applied anywhere
	snapshotEvery int // when > 0, each node snapshots every this many entries
}

// newCluster starts n nodes. Call it inside a synctest bubble and stop the
// cluster with c.cleanup() before the bubble ends.
func newCluster(t *testing.T, n int, seed uint64) *cluster {
	t.Helper()
	c := &cluster{
		t:           t,
		seed:        seed,
		net:         netsim.New(seed),
		rng:         rand.New(rand.NewPCG(seed, 1)),
		nodes:       make([]*Node, n),
		storages:    make([]*MemoryStorage, n),
		quit:        make([]chan struct{}, n),
		applied:     make([]map[int][]byte, n),
		lastApplied: make([]int, n),
	}
	for i := range n {
		c.storages[i] = NewMemoryStorage()
		c.start(i)
	}
	return c
}

func name(i int) string { return strconv.Itoa(i) }

// start boots node i from its storage and connects it to the network.
func (c *cluster) start(i int) {
	c.t.Helper()
	peers := make(map[int]Peer)
	for j := range c.nodes {
		if j != i {
			peers[j] = c.net.Client(name(i), name(j))
		}
	}
	applyCh := make(chan ApplyMsg)
	node, err := New(Config{
		ID:                 i,
		Peers:              peers,
		ApplyCh:            applyCh,
		Storage:            c.storages[i],
		ElectionTimeoutMin: electionMin,
		ElectionTimeoutMax: electionMax,
		HeartbeatInterval:  heartbeat,
		Rand:               rand.New(rand.NewPCG(c.seed, uint64(i)+100)),
		Logger:             slog.New(slog.NewTextHandler(c.t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo})),
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
	if m.CommandIndex != c.lastApplied[i]+1 {
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
}

func (c *cluster) node(i int) *Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

// pass lets d of virtual time go by inside the bubble.
func pass(d time.Duration) { <-time.After(d) }

// checkOneLeader waits for exactly one leader among the connected nodes
// given and returns it, failing if none emerges in ten election timeouts.
func (c *cluster) checkOneLeader(among ...int) int {
	c.t.Helper()
	if len(among) == 0 {
		for i := range c.nodes {
			among = append(among, i)
		}
	}
	for range 10 {
		pass(electionMax)
		leaders := make(map[int][]int) // term -> leaders
		lastTerm := 0
		for _, i := range among {
			if n := c.node(i); n != nil {
				if term, isLeader := n.State(); isLeader {
					leaders[term] = append(leaders[term], i)
					lastTerm = max(lastTerm, term)
				}
			}
		}
		for term, ls := range leaders {
			if len(ls) > 1 {
				c.t.Fatalf("seed %d: term %d has %d leaders: %v", c.seed, term, len(ls), ls)
			}
		}
		if len(leaders) > 0 {
			return leaders[lastTerm][0]
		}
	}
	c.t.Fatalf("seed %d: no leader among %v", c.seed, among)
	return -1
}

// checkNoLeader fails if any of the given nodes thinks it is leader.
func (c *cluster) checkNoLeader(among ...int) {
	c.t.Helper()
	for _, i := range among {
		if n := c.node(i); n != nil {
			if _, isLeader := n.State(); isLeader {
				c.t.Fatalf("seed %d: node %d is leader, want none among %v", c.seed, i, among)
			}
		}
	}
}

// checkTerms returns the term all running nodes agree on, failing if they
// disagree.
func (c *cluster) checkTerms() int {
	c.t.Helper()
	term := -1
	for i := range c.nodes {
		if n := c.node(i); n != nil {
			t, _ := n.State()
			if term == -1 {
				term = t
			} else if t != term {
				c.t.Fatalf("seed %d: nodes disagree on the term: %d and %d", c.seed, term, t)
			}
		}
	}
	return term
}

// nCommitted reports how many nodes have applied index, and the command.
func (c *cluster) nCommitted(index int) (int, []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	count := 0
	var cmd []byte
	for i := range c.applied {
		if got, ok := c.applied[i][index]; ok {
			count++
			cmd = got
		}
	}
	return count, cmd
}

// one submits cmd to whichever node is leader and waits until at least
// want nodes have applied it, returning its index. With retry, it submits
// again if a leader loses the command; without, the first leader must
// commit it. It fails after ten seconds of virtual time.
func (c *cluster) one(cmd []byte, want int, retry bool) int {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	start := 0
	for time.Now().Before(deadline) {
		index := -1
		for range c.nodes {
			start = (start + 1) % len(c.nodes)
			if n := c.node(start); n != nil {
				if i, _, ok := n.Start(cmd); ok {
					index = i
					break
				}
			}
		}
		if index != -1 {
			until := time.Now().Add(2 * time.Second)
			for time.Now().Before(until) {
				if n, got := c.nCommitted(index); n >= want && bytes.Equal(got, cmd) {
					return index
				}
				pass(20 * time.Millisecond)
			}
			if !retry {
				c.t.Fatalf("seed %d: command %q not agreed by %d nodes", c.seed, cmd, want)
			}
		} else {
			pass(50 * time.Millisecond)
		}
	}
	c.t.Fatalf("seed %d: command %q not agreed by %d nodes within 10s", c.seed, cmd, want)
	return -1
}

// wait waits for at least n nodes to apply index and returns the command,
// failing after a second and a half of virtual time.
func (c *cluster) wait(index, n int) []byte {
	c.t.Helper()
	for range 30 {
		if got, cmd := c.nCommitted(index); got >= n {
			return cmd
		}
		pass(50 * time.Millisecond)
	}
	got, _ := c.nCommitted(index)
	c.t.Fatalf("seed %d: only %d nodes applied index %d, want %d", c.seed, got, index, n)
	return nil
}

func cmd(format string, args ...any) []byte { return fmt.Appendf(nil, format, args...) }
