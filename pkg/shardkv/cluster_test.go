// The test world: a controller (three pkg/kv servers) and replica groups
// of three shardkv servers each, all on one simulated network inside a
// synctest bubble.

package shardkv

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/netsim"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
	"distkit/pkg/shardctl"
)

var seedsFlag = flag.Int("seeds", 1, "how many seeds each randomized scenario runs")

type world struct {
	t       *testing.T
	seed    uint64
	net     *netsim.Network
	ctl     []*kv.Server
	groups  map[int]*testGroup
	admin   *shardctl.Controller
	tune    func(*Config) // adjusts each group server's Config; may be nil
	clients int
}

// testGroup is one replica group: its servers, their storage (which
// survives a crash) and their addresses on the network.
type testGroup struct {
	gid      int
	servers  []*Server
	storages []*raft.MemoryStorage
	names    []string
}

var raftTimings = raft.Config{
	ElectionTimeoutMin: 150 * time.Millisecond, ElectionTimeoutMax: 300 * time.Millisecond,
	HeartbeatInterval: 50 * time.Millisecond,
}

// newWorld starts the controller and the groups gids (not joined yet).
// Call it in a synctest bubble and defer w.cleanup().
func newWorld(t *testing.T, seed uint64, tune func(*Config), gids ...int) *world {
	t.Helper()
	w := &world{t: t, seed: seed, net: netsim.New(seed), groups: make(map[int]*testGroup), tune: tune}
	w.net.SetDelay(time.Millisecond, 3*time.Millisecond)
	names := []string{"ctl0", "ctl1", "ctl2"}
	for i := range names {
		peers := make(map[int]raft.Peer)
		for j := range names {
			if j != i {
				peers[j] = w.net.Client(names[i], names[j])
			}
		}
		rc := raftTimings
		rc.ID, rc.Peers, rc.Rand = i, peers, rand.New(rand.NewPCG(seed, uint64(100+i)))
		s, err := kv.NewServer(kv.Config{Raft: rc, Logger: w.logger()})
		if err != nil {
			t.Fatal(err)
		}
		srv := netsim.NewServer()
		if err := s.Register(srv); err != nil {
			t.Fatal(err)
		}
		w.net.AddServer(names[i], srv)
		w.ctl = append(w.ctl, s)
	}
	w.admin = w.controller("admin")
	for _, gid := range gids {
		w.addGroup(gid)
	}
	return w
}

func (w *world) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(w.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// controller returns a controller client attached to the network as node from.
func (w *world) controller(from string) *shardctl.Controller {
	servers := make(map[int]raft.Peer)
	for j := range w.ctl {
		servers[j] = w.net.Client(from, fmt.Sprintf("ctl%d", j))
	}
	// Each node gets its own client ID: two clerks sharing one would
	// see each other's answers from the deduplication table.
	h := fnv.New64a()
	h.Write([]byte(from))
	rng := rand.New(rand.NewPCG(w.seed, h.Sum64()))
	return shardctl.New(kv.NewClerk(servers, rng, retry.Policy{Rand: rng}))
}

// addGroup starts the three servers of group gid.
func (w *world) addGroup(gid int) *testGroup {
	g := &testGroup{gid: gid}
	for i := range 3 {
		g.names = append(g.names, fmt.Sprintf("g%d-%d", gid, i))
		g.storages = append(g.storages, raft.NewMemoryStorage())
	}
	g.servers = make([]*Server, 3)
	w.groups[gid] = g
	for i := range 3 {
		w.start(g, i)
	}
	return g
}

func (w *world) start(g *testGroup, i int) {
	w.t.Helper()
	me := g.names[i]
	peers := make(map[int]raft.Peer)
	for j := range g.names {
		if j != i {
			peers[j] = w.net.Client(me, g.names[j])
		}
	}
	rc := raftTimings
	rc.ID, rc.Peers, rc.Storage = i, peers, g.storages[i]
	rc.Rand = rand.New(rand.NewPCG(w.seed, uint64(g.gid*10+i)))
	cfg := Config{
		GID: g.gid, Raft: rc, Controller: w.controller(me),
		Dial:   func(addr string) raft.Peer { return w.net.Client(me, addr) },
		Logger: w.logger(),
	}
	if w.tune != nil {
		w.tune(&cfg)
	}
	s, err := NewServer(cfg)
	if err != nil {
		w.t.Fatalf("seed %d: start %s: %v", w.seed, me, err)
	}
	srv := netsim.NewServer()
	if err := s.Register(srv); err != nil {
		w.t.Fatal(err)
	}
	g.servers[i] = s
	w.net.Restart(me, srv)
}

func (w *world) crash(g *testGroup, i int) {
	if g.servers[i] == nil {
		return
	}
	w.net.Crash(g.names[i])
	g.servers[i].Stop()
	g.servers[i] = nil
}

func (w *world) cleanup() {
	for _, g := range w.groups {
		for i := range g.servers {
			w.crash(g, i)
		}
	}
	for _, s := range w.ctl {
		s.Stop()
	}
	w.net.Close()
}

// clerk returns a new sharded client attached to the network as its own node.
func (w *world) clerk() *Clerk {
	w.clients++
	me := fmt.Sprintf("client%d", w.clients)
	rng := rand.New(rand.NewPCG(w.seed, uint64(1000+w.clients)))
	return NewClerk(w.controller(me), func(addr string) raft.Peer { return w.net.Client(me, addr) },
		rng, retry.Policy{Rand: rand.New(rand.NewPCG(w.seed, uint64(2000+w.clients)))})
}

func (w *world) join(gids ...int) shardctl.Config {
	w.t.Helper()
	groups := make(map[int][]string)
	for _, gid := range gids {
		groups[gid] = w.groups[gid].names
	}
	cfg, err := w.admin.Join(context.Background(), groups)
	if err != nil {
		w.t.Fatalf("seed %d: join %v: %v", w.seed, gids, err)
	}
	return cfg
}

func (w *world) leave(gids ...int) shardctl.Config {
	w.t.Helper()
	cfg, err := w.admin.Leave(context.Background(), gids...)
	if err != nil {
		w.t.Fatalf("seed %d: leave %v: %v", w.seed, gids, err)
	}
	return cfg
}

// settledAt reports whether every live server of every group has reached
// configuration num with no shard in flight.
func (w *world) settledAt(num int) bool {
	for _, g := range w.groups {
		for _, s := range g.servers {
			if s == nil {
				continue
			}
			st := s.Status()
			if st.Config < num {
				return false
			}
			for _, ss := range st.Shards {
				if ss != Serving && ss != Absent {
					return false
				}
			}
		}
	}
	return true
}

// waitSettled waits (in virtual time) until settledAt(num), or fails.
func (w *world) waitSettled(num int, limit time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(limit)
	for !w.settledAt(num) {
		if time.Now().After(deadline) {
			w.t.Fatalf("seed %d: groups did not settle at config %d within %v", w.seed, num, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkOwnership checks that, in a settled world, every live server holds
// exactly the shards its group owns in cfg.
func (w *world) checkOwnership(cfg shardctl.Config) {
	w.t.Helper()
	for _, g := range w.groups {
		for i, s := range g.servers {
			if s == nil {
				continue
			}
			st := s.Status()
			for shard, ss := range st.Shards {
				if owns := cfg.Shards[shard] == g.gid; owns != (ss == Serving) {
					w.t.Errorf("seed %d: %s: shard %d is %v in config %d owned by group %d",
						w.seed, g.names[i], shard, ss, cfg.Num, cfg.Shards[shard])
				}
			}
		}
	}
}
