// The test cluster: brokers on a simulated network, inside synctest
// bubbles, with helpers to crash, restart and partition them (the shape of
// pkg/kv's cluster_test.go).

package queue

import (
	"context"
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
	maxState int
	clients  int
}

// newCluster starts n brokers; maxState > 0 turns on snapshots. Call it in
// a synctest bubble and defer c.cleanup().
func newCluster(t *testing.T, n int, seed uint64, maxState int) *cluster {
	t.Helper()
	c := &cluster{t: t, seed: seed, net: netsim.New(seed), maxState: maxState,
		servers: make([]*Server, n), storages: make([]*raft.MemoryStorage, n)}
	for i := range n {
		c.storages[i] = raft.NewMemoryStorage()
		c.start(i)
	}
	return c
}

func (c *cluster) start(i int) {
	c.t.Helper()
	peers := make(map[int]raft.Peer)
	for j := range c.servers {
		if j != i {
			peers[j] = c.net.Client(strconv.Itoa(i), strconv.Itoa(j))
		}
	}
	s, err := NewServer(Config{
		Raft: raft.Config{
			ID: i, Peers: peers, Storage: c.storages[i],
			ElectionTimeoutMin: 150 * time.Millisecond, ElectionTimeoutMax: 300 * time.Millisecond,
			HeartbeatInterval: 50 * time.Millisecond,
			Rand:              rand.New(rand.NewPCG(c.seed, uint64(i))),
		},
		MaxRaftState: c.maxState,
		MaxWait:      50 * time.Millisecond, // below netsim's 100ms call timeout
		Logger:       slog.New(slog.NewTextHandler(c.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
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

// client returns a new client attached to the network as its own node.
func (c *cluster) client() *Client {
	c.clients++
	name := "client" + strconv.Itoa(c.clients)
	servers := make(map[int]raft.Peer)
	for j := range c.servers {
		servers[j] = c.net.Client(name, strconv.Itoa(j))
	}
	rng := rand.New(rand.NewPCG(c.seed, uint64(1000+c.clients)))
	return NewClient(servers, rng, retry.Policy{Rand: rand.New(rand.NewPCG(c.seed, uint64(2000+c.clients)))})
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

// mustCreate creates a topic or fails the test.
func mustCreate(t *testing.T, cl *Client, name string, cfg TopicConfig) {
	t.Helper()
	if err := cl.CreateTopic(context.Background(), name, cfg); err != nil {
		t.Fatalf("CreateTopic(%q, %+v): %v", name, cfg, err)
	}
}

// readAll fetches every message of topic from offset 0 of each partition.
func readAll(t *testing.T, cl *Client, topic string, partitions int) []Message {
	t.Helper()
	from := map[int]int64{}
	for p := range partitions {
		from[p] = 0
	}
	var out []Message
	for {
		msgs, err := cl.Fetch(context.Background(), topic, from, 1000, 0)
		if err != nil {
			t.Fatalf("Fetch(%q, %v): %v", topic, from, err)
		}
		if len(msgs) == 0 {
			return out
		}
		for _, m := range msgs {
			from[m.Partition] = m.Offset + 1
		}
		out = append(out, msgs...)
	}
}
