// The cluster: Raft nodes in one process, each behind its own net/rpc
// server on its own 127.0.0.1 port, reaching each other over TCP exactly as
// separate machines would.

package main

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/rpc"
	"sync"
	"time"

	"distkit/pkg/raft"
)

// network is how nodes listen and dial: TCP in the demo, net.Pipe in tests.
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

// member is one node and what it takes to kill and revive it.
type member struct {
	id       int
	addr     string
	storage  *raft.MemoryStorage // survives a crash, like a disk
	node     *raft.Node
	listener net.Listener
	applied  []string // commands this node's state machine applied, in order
	index    int      // the log index of the last of them
	peers    []*raft.RPCPeer
	join     bool // started outside the configuration, to be added (raft.Config.Join)

	mu    sync.Mutex
	conns []net.Conn // accepted connections, cut on a crash
	quit  chan struct{}
	wg    sync.WaitGroup
}

type cluster struct {
	net     network
	seed    uint64
	members []*member
	onEvent func(raft.Event)
	logger  *slog.Logger
	mu      sync.Mutex // guards members' applied slices
}

// newCluster picks an address for each of n nodes; start boots them.
func newCluster(nw network, n int, seed uint64, onEvent func(raft.Event), logger *slog.Logger) (*cluster, error) {
	c := &cluster{net: nw, seed: seed, onEvent: onEvent, logger: logger}
	for i := range n {
		l, err := nw.listen("127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("listen for node %d: %w", i, err)
		}
		c.members = append(c.members, &member{id: i, addr: l.Addr().String(), storage: raft.NewMemoryStorage(), listener: l})
	}
	return c, nil
}

// add makes room for a new node, outside the cluster until the leader's
// AddServer takes it in; start boots it.
func (c *cluster) add() (*member, error) {
	id := len(c.members)
	l, err := c.net.listen("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for node %d: %w", id, err)
	}
	m := &member{id: id, addr: l.Addr().String(), storage: raft.NewMemoryStorage(), listener: l, join: true}
	c.members = append(c.members, m)
	return m, nil
}

// start boots member m from its storage and serves its RPCs.
func (c *cluster) start(m *member) error {
	if m.listener == nil {
		l, err := c.net.listen(m.addr) // the same address, as a restarted process would use
		if err != nil {
			return fmt.Errorf("listen for node %d on %s: %w", m.id, m.addr, err)
		}
		m.listener = l
	}
	// The starting members know each other; a node added later learns
	// the members and their addresses from the log, and dials them.
	peers := make(map[int]raft.Peer)
	addrs := map[int]string{m.id: m.addr}
	m.peers = nil
	for _, p := range c.members {
		if p != m && !p.join && !m.join {
			peer := raft.DialPeerWith(p.addr, 100*time.Millisecond, c.net.dial)
			peers[p.id] = peer
			addrs[p.id] = p.addr
			m.peers = append(m.peers, peer)
		}
	}
	applyCh := make(chan raft.ApplyMsg, 64)
	node, err := raft.New(raft.Config{
		ID: m.id, Peers: peers, ApplyCh: applyCh, Storage: m.storage,
		Join: m.join, Addrs: addrs,
		Dial:               func(_ int, addr string) raft.Peer { return raft.DialPeerWith(addr, 100*time.Millisecond, c.net.dial) },
		ElectionTimeoutMin: 300 * time.Millisecond, ElectionTimeoutMax: 600 * time.Millisecond,
		HeartbeatInterval: 60 * time.Millisecond,
		Rand:              rand.New(rand.NewPCG(c.seed, uint64(m.id))),
		Logger:            c.logger, OnEvent: c.onEvent,
	})
	if err != nil {
		return err
	}
	srv := rpc.NewServer() // one server per node: never the global rpc.Register
	if err := srv.RegisterName("Raft", node); err != nil {
		return err
	}
	m.node, m.quit = node, make(chan struct{})
	c.mu.Lock()
	m.applied, m.index = nil, 0 // the state machine is rebuilt from the log on restart
	c.mu.Unlock()
	m.wg.Add(2)
	go m.serve(srv, m.listener)
	go c.apply(m, applyCh, m.quit)
	return nil
}

// serve accepts connections until the listener closes.
func (m *member) serve(srv *rpc.Server, l net.Listener) {
	defer m.wg.Done()
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		m.mu.Lock()
		m.conns = append(m.conns, conn)
		m.mu.Unlock()
		go srv.ServeConn(conn)
	}
}

// apply is m's state machine: it records each committed command.
func (c *cluster) apply(m *member, applyCh <-chan raft.ApplyMsg, quit <-chan struct{}) {
	defer m.wg.Done()
	for {
		select {
		case msg := <-applyCh:
			if msg.CommandValid {
				c.mu.Lock()
				m.applied = append(m.applied, string(msg.Command))
				m.index = msg.CommandIndex
				c.mu.Unlock()
			}
		case <-quit:
			return
		}
	}
}

// crash kills m as a power cut would: the node stops, its port closes and
// its open connections drop. Only its storage survives.
func (c *cluster) crash(m *member) {
	m.listener.Close()
	m.listener = nil
	m.mu.Lock()
	for _, conn := range m.conns {
		conn.Close()
	}
	m.conns = nil
	m.mu.Unlock()
	m.node.Stop()
	for _, p := range m.peers {
		p.Close()
	}
	close(m.quit)
	m.wg.Wait()
}

// stop shuts the whole cluster down.
func (c *cluster) stop() {
	for _, m := range c.members {
		if m.listener != nil {
			c.crash(m)
		}
	}
}

// leader returns the member that believes it leads the highest term, or nil.
func (c *cluster) leader() *member {
	var best *member
	bestTerm := -1
	for _, m := range c.members {
		if m.listener == nil || m.node == nil {
			continue
		}
		if term, ok := m.node.State(); ok && term > bestTerm {
			best, bestTerm = m, term
		}
	}
	return best
}

// appliedIndex returns the log index of the last command m applied. Raft's
// own entries (configurations) take indexes too, so it can run ahead of
// the number of commands.
func (c *cluster) appliedIndex(m *member) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return m.index
}

// logOf returns a copy of what m has applied.
func (c *cluster) logOf(m *member) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), m.applied...)
}
