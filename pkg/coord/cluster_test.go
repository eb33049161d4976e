// The test cluster: three KV servers on a simulated network, inside
// synctest bubbles, and clients that each join the network as a node of
// their own, so a test can isolate one of them.

package coord

import (
	"log/slog"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/netsim"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

const ttl = time.Second

type cluster struct {
	t       *testing.T
	seed    uint64
	net     *netsim.Network
	servers []*kv.Server
	clients int
}

// newCluster starts n servers. Call it in a synctest bubble; the cluster
// stops itself when the bubble's test ends.
func newCluster(t *testing.T, n int, seed uint64) *cluster {
	t.Helper()
	c := &cluster{t: t, seed: seed, net: netsim.New(seed), servers: make([]*kv.Server, n)}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	for i := range n {
		peers := make(map[int]raft.Peer)
		for j := range n {
			if j != i {
				peers[j] = c.net.Client(strconv.Itoa(i), strconv.Itoa(j))
			}
		}
		s, err := kv.NewServer(kv.Config{
			Raft: raft.Config{
				ID: i, Peers: peers, Storage: raft.NewMemoryStorage(),
				ElectionTimeoutMin: 150 * time.Millisecond, ElectionTimeoutMax: 300 * time.Millisecond,
				HeartbeatInterval: 50 * time.Millisecond,
				Rand:              rand.New(rand.NewPCG(seed, uint64(i))),
			},
			Logger: logger,
		})
		if err != nil {
			t.Fatalf("seed %d: start server %d: %v", seed, i, err)
		}
		srv := netsim.NewServer()
		if err := s.Register(srv); err != nil {
			t.Fatal(err)
		}
		c.servers[i] = s
		c.net.AddServer(strconv.Itoa(i), srv)
	}
	t.Cleanup(c.stop)
	return c
}

func (c *cluster) stop() {
	for i, s := range c.servers {
		c.net.Crash(strconv.Itoa(i))
		s.Stop()
	}
	c.net.Close() // waits for messages still in flight
}

// clerk returns a new client, attached to the network as the node named
// by the second result.
func (c *cluster) clerk() (*kv.Clerk, string) {
	c.clients++
	name := "client" + strconv.Itoa(c.clients)
	servers := make(map[int]raft.Peer)
	for j := range c.servers {
		servers[j] = c.net.Client(name, strconv.Itoa(j))
	}
	rng := rand.New(rand.NewPCG(c.seed, uint64(1000+c.clients)))
	return kv.NewClerk(servers, rng, retry.Policy{Rand: rand.New(rand.NewPCG(c.seed, uint64(2000+c.clients)))}), name
}

// mutex returns a new client's Mutex for the lock "job", with seeded
// jitter, and the client's node name.
func (c *cluster) mutex() (*Mutex, string) {
	ck, name := c.clerk()
	m := NewMutex(ck, "job", ttl)
	m.Backoff.Rand = rand.New(rand.NewPCG(c.seed, uint64(3000+c.clients)))
	return m, name
}

// election returns a new client's candidate in the election "primary".
func (c *cluster) election() (*Election, string) {
	ck, name := c.clerk()
	e := NewElection(ck, "primary", ttl)
	e.Backoff.Rand = rand.New(rand.NewPCG(c.seed, uint64(3000+c.clients)))
	return e, name
}

// leases returns how many leases each server's state machine holds.
func (c *cluster) leases() []int {
	var n []int
	for _, s := range c.servers {
		n = append(n, s.Status().Leases)
	}
	return n
}
