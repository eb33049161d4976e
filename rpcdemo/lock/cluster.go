// The cluster: three kv servers in one process, each behind its own net/rpc
// server on its own 127.0.0.1 port, and clients that reach them over TCP
// exactly as other processes would.

package main

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/rpc"
	"sync"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// network is how servers listen and everyone dials: TCP in the demo,
// net.Pipe in tests.
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

// node is one kv server and what it takes to shut it down.
type node struct {
	server   *kv.Server
	listener net.Listener
	peers    []*raft.RPCPeer
	mu       sync.Mutex
	conns    []net.Conn // accepted connections, closed on stop
	wg       sync.WaitGroup
}

type cluster struct {
	net   network
	seed  uint64
	addrs map[int]string
	nodes []*node
	peers []*raft.RPCPeer // the clients' connections, closed on stop
}

// startCluster starts n kv servers that elect a leader among themselves.
func startCluster(nw network, n int, seed uint64, logger *slog.Logger) (*cluster, error) {
	c := &cluster{net: nw, seed: seed, addrs: make(map[int]string)}
	listeners := make([]net.Listener, n)
	for i := range n {
		l, err := nw.listen("127.0.0.1:0")
		if err != nil {
			closeAll(listeners[:i])
			return nil, fmt.Errorf("listen for server %d: %w", i, err)
		}
		listeners[i], c.addrs[i] = l, l.Addr().String()
	}
	for i := range n {
		nd := &node{listener: listeners[i]}
		peers := make(map[int]raft.Peer)
		for j, addr := range c.addrs {
			if j != i {
				p := raft.DialPeerWith(addr, 100*time.Millisecond, nw.dial)
				peers[j], nd.peers = p, append(nd.peers, p)
			}
		}
		s, err := kv.NewServer(kv.Config{
			Raft: raft.Config{
				ID: i, Peers: peers, Storage: raft.NewMemoryStorage(),
				ElectionTimeoutMin: 150 * time.Millisecond, ElectionTimeoutMax: 300 * time.Millisecond,
				HeartbeatInterval: 50 * time.Millisecond,
				Rand:              rand.New(rand.NewPCG(seed, uint64(i))),
			},
			Logger: logger.With("server", i),
		})
		if err != nil {
			closeAll(listeners[i:])
			c.stop()
			return nil, fmt.Errorf("start server %d: %w", i, err)
		}
		srv := rpc.NewServer() // one per server: never the global rpc.Register
		if err := s.Register(srv); err != nil {
			s.Stop()
			closeAll(listeners[i:])
			c.stop()
			return nil, fmt.Errorf("register server %d: %w", i, err)
		}
		nd.server = s
		c.nodes = append(c.nodes, nd)
		nd.wg.Add(1)
		go nd.serve(srv)
	}
	return c, nil
}

// serve accepts connections until the listener closes.
func (nd *node) serve(srv *rpc.Server) {
	defer nd.wg.Done()
	for {
		conn, err := nd.listener.Accept()
		if err != nil {
			return
		}
		nd.mu.Lock()
		nd.conns = append(nd.conns, conn)
		nd.mu.Unlock()
		go srv.ServeConn(conn)
	}
}

// clerk returns a client of the cluster whose every call first waits on
// pause: freezing the pause freezes the client's conversation with the
// cluster, as a stop-the-world pause freezes a whole process.
func (c *cluster) clerk(pause *pause) *kv.Clerk {
	servers := make(map[int]raft.Peer)
	for id, addr := range c.addrs {
		p := raft.DialPeerWith(addr, 500*time.Millisecond, c.net.dial)
		c.peers = append(c.peers, p)
		servers[id] = pausedPeer{p, pause}
	}
	n := uint64(len(c.peers))
	return kv.NewClerk(servers, rand.New(rand.NewPCG(c.seed, n)),
		retry.Policy{Rand: rand.New(rand.NewPCG(c.seed, n+1))})
}

// stop shuts every server down and closes every connection.
func (c *cluster) stop() {
	for _, p := range c.peers {
		p.Close()
	}
	for _, nd := range c.nodes {
		nd.listener.Close()
		nd.mu.Lock()
		for _, conn := range nd.conns {
			conn.Close()
		}
		nd.mu.Unlock()
		nd.server.Stop()
		for _, p := range nd.peers {
			p.Close()
		}
		nd.wg.Wait()
	}
}

// pause freezes a client: while frozen, its calls wait.
type pause struct {
	mu     sync.Mutex
	thawed chan struct{} // nil while running
}

func (p *pause) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thawed == nil {
		p.thawed = make(chan struct{})
	}
}

func (p *pause) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thawed != nil {
		close(p.thawed)
		p.thawed = nil
	}
}

func (p *pause) wait() {
	p.mu.Lock()
	ch := p.thawed
	p.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

// pausedPeer is a connection to a server that waits out its client's pause
// before each call.
type pausedPeer struct {
	raft.Peer
	pause *pause
}

func (pp pausedPeer) Call(serviceMethod string, args, reply any) error {
	pp.pause.wait()
	return pp.Peer.Call(serviceMethod, args, reply)
}

func closeAll(listeners []net.Listener) {
	for _, l := range listeners {
		l.Close()
	}
}
