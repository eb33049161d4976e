// The broker cluster: three pkg/queue servers in one process, each behind
// its own net/rpc server on its own 127.0.0.1 port, reaching each other
// over TCP exactly as separate machines would.

package main

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/rpc"
	"sync"
	"time"

	"distkit/pkg/queue"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// network is how brokers listen and dial: TCP in the demo, net.Pipe in tests.
type network struct {
	listen func(addr string) (net.Listener, error)
	dial   raft.Dialer
}

var tcp = network{
	listen: func(addr string) (net.Listener, error) { return net.Listen("tcp", addr) },
	dial: func(addr string, timeout time.Duration) (net.Conn, error) {
		return net.DialTimeout("tcp", addr, timeout)
	},
}

// broker is one server and what it takes to kill it.
type broker struct {
	id       int
	addr     string
	storage  *raft.MemoryStorage // survives a crash, like a disk
	server   *queue.Server
	listener net.Listener
	peers    []*raft.RPCPeer

	mu    sync.Mutex
	conns []net.Conn // accepted connections, cut on a crash
	wg    sync.WaitGroup
}

type cluster struct {
	net     network
	seed    uint64
	brokers []*broker
	clients []*raft.RPCPeer
	logger  *slog.Logger
}

// startCluster listens for and boots n brokers.
func startCluster(nw network, n int, seed uint64, logger *slog.Logger) (*cluster, error) {
	c := &cluster{net: nw, seed: seed, logger: logger}
	for i := range n {
		l, err := nw.listen("127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("listen for broker %d: %w", i, err)
		}
		c.brokers = append(c.brokers, &broker{id: i, addr: l.Addr().String(), storage: raft.NewMemoryStorage(), listener: l})
	}
	for _, b := range c.brokers {
		if err := c.start(b); err != nil {
			c.stop()
			return nil, err
		}
	}
	return c, nil
}

// start boots broker b from its storage and serves its RPCs.
func (c *cluster) start(b *broker) error {
	peers := make(map[int]raft.Peer)
	for _, p := range c.brokers {
		if p != b {
			peer := raft.DialPeerWith(p.addr, 100*time.Millisecond, c.net.dial)
			peers[p.id] = peer
			b.peers = append(b.peers, peer)
		}
	}
	s, err := queue.NewServer(queue.Config{
		Raft: raft.Config{ID: b.id, Peers: peers, Storage: b.storage,
			ElectionTimeoutMin: 150 * time.Millisecond, ElectionTimeoutMax: 300 * time.Millisecond,
			HeartbeatInterval: 40 * time.Millisecond,
			Rand:              rand.New(rand.NewPCG(c.seed, uint64(b.id)))},
		MaxRaftState: 1 << 20,
		MaxWait:      500 * time.Millisecond, // below the clients' 2s RPC timeout
		Logger:       c.logger,
	})
	if err != nil {
		return err
	}
	srv := rpc.NewServer() // one server per broker: never the global rpc.Register
	if err := s.Register(srv); err != nil {
		return err
	}
	b.server = s
	b.wg.Add(1)
	go b.serve(srv, b.listener)
	return nil
}

// serve accepts connections until the listener closes.
func (b *broker) serve(srv *rpc.Server, l net.Listener) {
	defer b.wg.Done()
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns = append(b.conns, conn)
		b.mu.Unlock()
		go srv.ServeConn(conn)
	}
}

// crash kills b as a power cut would: its port closes, its connections
// drop, its server stops.
func (c *cluster) crash(b *broker) {
	if b.listener == nil {
		return
	}
	b.listener.Close()
	b.listener = nil
	b.mu.Lock()
	for _, conn := range b.conns {
		conn.Close()
	}
	b.conns = nil
	b.mu.Unlock()
	b.server.Stop()
	for _, p := range b.peers {
		p.Close()
	}
	b.wg.Wait()
}

// stop shuts the whole cluster and its clients' connections down.
func (c *cluster) stop() {
	for _, b := range c.brokers {
		c.crash(b)
	}
	for _, p := range c.clients {
		p.Close()
	}
}

// leader returns the live broker that believes it leads the highest term.
func (c *cluster) leader() *broker {
	var best *broker
	bestTerm := -1
	for _, b := range c.brokers {
		if b.listener == nil {
			continue
		}
		if term, ok := b.server.Raft().State(); ok && term > bestTerm {
			best, bestTerm = b, term
		}
	}
	return best
}

// client returns a client with its own connections to every broker.
func (c *cluster) client(n int) *queue.Client {
	servers := make(map[int]raft.Peer)
	for _, b := range c.brokers {
		p := raft.DialPeerWith(b.addr, 2*time.Second, c.net.dial)
		c.clients = append(c.clients, p)
		servers[b.id] = p
	}
	rng := rand.New(rand.NewPCG(c.seed, uint64(100+n)))
	return queue.NewClient(servers, rng, retry.Policy{Rand: rand.New(rand.NewPCG(c.seed, uint64(200+n)))})
}
