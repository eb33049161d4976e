// The test cluster: KV servers on a simulated network, inside synctest
// bubbles, with helpers to crash, restart and partition them.

package kv

import (
	"flag"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"distkit/pkg/netsim"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

var seedsFlag = flag.Int("seeds", 3, "how many seeds each randomized scenario runs")

type cluster struct {
	t        *testing.T
	seed     uint64
	net      *netsim.Network
	servers  []*Server
	storages []*raft.MemoryStorage
	tune     func(*Config) // adjusts each server's Config; may be nil
	clients  int
	initial  int // servers 0 to initial-1 start as the cluster; the rest wait to be added
}

// newCluster starts n servers; maxState > 0 turns on snapshots. Call it in
// a synctest bubble and defer c.cleanup().
func newCluster(t *testing.T, n int, seed uint64, maxState int) *cluster {
	t.Helper()
	return newClusterConfig(t, n, seed, func(cfg *Config) { cfg.MaxRaftState = maxState })
}

// newClusterConfig is newCluster with tune applied to every server's Config.
func newClusterConfig(t *testing.T, n int, seed uint64, tune func(*Config)) *cluster {
	t.Helper()
	return newClusterWithSpares(t, n, 0, seed, tune)
}

// newClusterWithSpares is newClusterConfig plus spares more servers,
// started with raft.Config.Join: they belong to no configuration until
// the leader's AddServer adds them.
func newClusterWithSpares(t *testing.T, n, spares int, seed uint64, tune func(*Config)) *cluster {
	t.Helper()
	c := &cluster{t: t, seed: seed, net: netsim.New(seed), tune: tune, initial: n,
		servers: make([]*Server, n+spares), storages: make([]*raft.MemoryStorage, n+spares)}
	for i := range n + spares {
		c.storages[i] = raft.NewMemoryStorage()
		c.start(i)
	}
	return c
}

func (c *cluster) start(i int) {
	c.t.Helper()
	// Servers are known by name, the address in configuration entries.
	peers := make(map[int]raft.Peer)
	addrs := map[int]string{i: strconv.Itoa(i)}
	for j := range c.initial {
		if j != i {
			peers[j] = c.net.Client(strconv.Itoa(i), strconv.Itoa(j))
			addrs[j] = strconv.Itoa(j)
		}
	}
	logger := slog.New(slog.NewTextHandler(c.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := Config{
		Raft: raft.Config{
			ID: i, Peers: peers, Storage: c.storages[i],
			Join: i >= c.initial, Addrs: addrs,
			Dial:               func(_ int, addr string) raft.Peer { return c.net.Client(strconv.Itoa(i), addr) },
			ElectionTimeoutMin: 150 * time.Millisecond, ElectionTimeoutMax: 300 * time.Millisecond,
			HeartbeatInterval: 50 * time.Millisecond,
			Rand:              rand.New(rand.NewPCG(c.seed, uint64(i))),
		},
		Logger: logger,
	}
	if c.tune != nil {
		c.tune(&cfg)
	}
	s, err := NewServer(cfg)
	if err != nil {
		c.t.Fatalf("seed %d: start server %d: %v", c.seed, i, err)
	}
	srv := netsim.NewServer()
	if err := s.Register(srv); err != nil {
		c.t.Fatal(err)
	}
	c.servers[i] = s
	c.net.Restart(strconv.Itoa(i), srv)
}

func (c *cluster) crash(i int) {
	if c.servers[i] == nil {
		return
	}
	c.net.Crash(strconv.Itoa(i))
	c.servers[i].Stop()
	c.servers[i] = nil
}

func (c *cluster) restart(i int) {
	c.crash(i)
	c.start(i)
}

func (c *cluster) cleanup() {
	for i := range c.servers {
		c.crash(i)
	}
	c.net.Close() // waits for messages still in flight
}

// clerk returns a new client attached to the network as its own node.
func (c *cluster) clerk() *Clerk {
	c.clients++
	name := "client" + strconv.Itoa(c.clients)
	servers := make(map[int]raft.Peer)
	for j := range c.servers {
		servers[j] = c.net.Client(name, strconv.Itoa(j))
	}
	rng := rand.New(rand.NewPCG(c.seed, uint64(1000+c.clients)))
	return NewClerk(servers, rng, retry.Policy{Rand: rand.New(rand.NewPCG(c.seed, uint64(2000+c.clients)))})
}

// leader returns the index of a server that believes it leads, or -1.
func (c *cluster) leader() int {
	for i, s := range c.servers {
		if s != nil {
			if _, ok := s.Raft().State(); ok {
				return i
			}
		}
	}
	return -1
}
