// The lab: five pkg/kv servers in one process, each with its own net/rpc
// server on its own port, and the operator's powers over them: crash,
// restart, and restart everyone with new timing or a new read mode.

package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/rpc"
	"sync"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
)

// Base timing at slowdown 1, the same as rpcdemo/raft's. The slow-motion
// control multiplies all of it (see setSlowdown).
const (
	electionMin  = 300 * time.Millisecond
	electionMax  = 600 * time.Millisecond
	heartbeat    = 60 * time.Millisecond
	peerTimeout  = 200 * time.Millisecond
	wirePerSlow  = 25 * time.Millisecond // visible travel time per unit of slowdown
	maxRaftState = 64 << 10              // snapshot after this many bytes of commands
)

// labConfig is what newLab needs. wire is a delay added to every message,
// clients' included; tests give it a millisecond so that a workload moves
// virtual time forward (net.Pipe alone delivers in zero time).
type labConfig struct {
	nodes  int
	seed   uint64
	net    network
	wire   time.Duration
	logger *slog.Logger
	out    io.Writer // the narration; nil for none
}

// lab is the running cluster. Its methods are safe for concurrent use:
// ops serializes the operator's actions (an HTTP request and a script
// line never crash the same node at once), and the fields they change are
// read by the dashboard under mu.
type lab struct {
	cfg    labConfig
	faults *faults
	hub    *hub

	ops sync.Mutex // one operator action at a time

	mu       sync.Mutex
	members  []*member
	slowdown int
	unsafe   bool // kv.Config.UnsafeStaleReads of the running servers
	work     *workload
}

// member is one node and what it takes to kill and revive it.
type member struct {
	id      int
	addr    string
	storage *tailStorage // survives a crash, like a disk
	starts  int          // how many times it started, to vary its timeouts

	// Set by start, cleared by crash; guarded by lab.mu for readers.
	srv      *kv.Server
	listener net.Listener
	peers    []*raft.RPCPeer

	connMu sync.Mutex
	conns  map[net.Conn]struct{} // accepted connections, cut on a crash
	wg     sync.WaitGroup        // the accept loop
}

// newLab listens for every node (so each has its address before any
// starts) and starts them all.
func newLab(cfg labConfig) (*lab, error) {
	l := &lab{cfg: cfg, faults: newFaults(cfg.nodes, cfg.seed, cfg.wire), slowdown: 1}
	l.hub = newHub(l)
	for i := range cfg.nodes {
		ln, err := cfg.net.listen("127.0.0.1:0")
		if err != nil {
			l.close()
			return nil, fmt.Errorf("listen for node %d: %w", i, err)
		}
		l.members = append(l.members, &member{id: i, addr: ln.Addr().String(), storage: newTailStorage(), listener: ln})
	}
	for _, m := range l.members {
		if err := l.start(m); err != nil {
			l.close()
			return nil, err
		}
	}
	l.hub.run()
	return l, nil
}

// start boots m from its storage with the lab's current timing and read
// mode, and serves its RPCs. Call with l.ops held (or before the lab is
// shared).
func (l *lab) start(m *member) error {
	ln := m.listener
	if ln == nil {
		var err error
		if ln, err = l.cfg.net.listen(m.addr); err != nil { // the same address, as a restarted process would use
			return fmt.Errorf("listen for node %d on %s: %w", m.id, m.addr, err)
		}
	}
	l.mu.Lock()
	s, unsafe := time.Duration(l.slowdown), l.unsafe
	l.mu.Unlock()
	peers := make(map[int]raft.Peer)
	var rpcPeers []*raft.RPCPeer
	for _, p := range l.members {
		if p != m {
			inner := raft.DialPeerWith(p.addr, peerTimeout*s, l.cfg.net.dial)
			rpcPeers = append(rpcPeers, inner)
			peers[p.id] = &faultyPeer{from: m.id, to: p.id, faults: l.faults, inner: inner}
		}
	}
	srv, err := kv.NewServer(kv.Config{
		Raft: raft.Config{
			ID: m.id, Peers: peers, Storage: m.storage,
			ElectionTimeoutMin: electionMin * s, ElectionTimeoutMax: electionMax * s,
			HeartbeatInterval: heartbeat * s,
			Rand:              rand.New(rand.NewPCG(l.cfg.seed, uint64(m.id)<<32|uint64(m.starts))),
			Logger:            l.cfg.logger.With("node", m.id),
			OnEvent:           l.hub.record,
		},
		MaxRaftState:     maxRaftState,
		RequestTimeout:   time.Second * s,
		UnsafeStaleReads: unsafe,
		Logger:           l.cfg.logger,
	})
	if err != nil {
		ln.Close()
		return fmt.Errorf("start node %d: %w", m.id, err)
	}
	rpcSrv := rpc.NewServer() // one server per node: never the global rpc.Register
	if err := srv.Register(rpcSrv); err != nil {
		srv.Stop()
		ln.Close()
		return fmt.Errorf("register node %d: %w", m.id, err)
	}
	m.conns = make(map[net.Conn]struct{})
	m.starts++
	l.mu.Lock()
	m.srv, m.listener, m.peers = srv, ln, rpcPeers
	l.mu.Unlock()
	m.wg.Add(1)
	go m.serve(rpcSrv, ln)
	return nil
}

// serve accepts connections until the listener closes.
func (m *member) serve(srv *rpc.Server, ln net.Listener) {
	defer m.wg.Done()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		m.connMu.Lock()
		m.conns[conn] = struct{}{}
		m.connMu.Unlock()
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			raft.ServeConn(srv, conn)
			m.connMu.Lock()
			delete(m.conns, conn)
			m.connMu.Unlock()
		}()
	}
}

// crash kills m as a power cut would: its port closes, its open
// connections drop and the node stops. Only its storage survives.
func (l *lab) crash(m *member) {
	l.mu.Lock()
	srv, ln, peers := m.srv, m.listener, m.peers
	m.srv, m.listener, m.peers = nil, nil, nil
	l.mu.Unlock()
	if srv == nil {
		return
	}
	ln.Close()
	m.connMu.Lock()
	for conn := range m.conns {
		conn.Close()
	}
	m.connMu.Unlock()
	srv.Stop()
	for _, p := range peers {
		p.Close()
	}
	m.wg.Wait()
}

// Errors of operator actions that the API maps to 4xx answers.
var (
	errNoSuchNode = errors.New("no such node")
	errBusy       = errors.New("a workload is running")
	errBadRequest = errors.New("bad request")
)

// member returns node id, or errNoSuchNode.
func (l *lab) member(id int) (*member, error) {
	if id < 0 || id >= len(l.members) {
		return nil, fmt.Errorf("node %d: %w (nodes are 0 to %d)", id, errNoSuchNode, len(l.members)-1)
	}
	return l.members[id], nil
}

// crashNode and restartNode are the operator's crash and restart. Both
// are no-ops (reported as such) when the node is already down or up.
func (l *lab) crashNode(id int) error {
	m, err := l.member(id)
	if err != nil {
		return err
	}
	l.ops.Lock()
	defer l.ops.Unlock()
	if !l.alive(m) {
		return nil
	}
	l.crash(m)
	l.hub.say("node %d CRASHED: its port is closed; its log and vote stay on its disk", id)
	return nil
}

func (l *lab) restartNode(id int) error {
	m, err := l.member(id)
	if err != nil {
		return err
	}
	l.ops.Lock()
	defer l.ops.Unlock()
	if l.alive(m) {
		return nil
	}
	if err := l.start(m); err != nil {
		return err
	}
	l.hub.say("node %d restarted from its storage as a follower", id)
	return nil
}

// restartAll restarts every running node so that a new timing or read
// mode takes effect. Crashed nodes stay crashed and pick it up when they
// restart. Call with l.ops held.
func (l *lab) restartAll() error {
	var running []*member
	for _, m := range l.members {
		if l.alive(m) {
			running = append(running, m)
			l.crash(m)
		}
	}
	for _, m := range running {
		if err := l.start(m); err != nil {
			return err
		}
	}
	return nil
}

// setSlowdown puts the cluster in slow motion. Raft's behaviour depends on
// the ratio of its timeouts to message travel time, so slowing it down
// means stretching both: every node restarts with its election timeout,
// heartbeat and RPC timeout multiplied by s, and the fault injector adds
// s times 25ms to every message so an arrow on the page visibly travels.
// Restarting (rather than changing timeouts on the fly) keeps pkg/raft
// free of a knob only the dashboard needs; it costs one election.
func (l *lab) setSlowdown(s int) error {
	if s < 1 || s > 50 {
		return fmt.Errorf("slowdown %d: %w (1 to 50)", s, errBadRequest)
	}
	l.ops.Lock()
	defer l.ops.Unlock()
	l.mu.Lock()
	l.slowdown = s
	l.mu.Unlock()
	wire := l.cfg.wire + time.Duration(s-1)*wirePerSlow
	l.faults.mu.Lock()
	l.faults.wire = wire
	l.faults.mu.Unlock()
	if err := l.restartAll(); err != nil {
		return err
	}
	l.hub.say("clock slowed down %dx: election timeouts %v-%v, heartbeats every %v; every node restarted", s, electionMin*time.Duration(s), electionMax*time.Duration(s), heartbeat*time.Duration(s))
	return nil
}

// setUnsafe restarts the running servers with kv's UnsafeStaleReads on or
// off. Call with l.ops held.
func (l *lab) setUnsafe(on bool) error {
	l.mu.Lock()
	same := l.unsafe == on
	l.unsafe = on
	l.mu.Unlock()
	if same {
		return nil
	}
	if err := l.restartAll(); err != nil {
		return err
	}
	if on {
		l.hub.say("servers restarted with UNSAFE stale reads: any replica answers Get from its own memory")
	} else {
		l.hub.say("servers restarted with safe reads: the leader confirms it still leads before each Get (ReadIndex)")
	}
	return nil
}

func (l *lab) alive(m *member) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return m.srv != nil
}

// close stops every node and the event hub.
func (l *lab) close() {
	l.ops.Lock()
	defer l.ops.Unlock()
	if w := l.currentWorkload(); w != nil {
		w.stop()
	}
	for _, m := range l.members {
		if l.alive(m) {
			l.crash(m)
		} else if m.listener != nil {
			m.listener.Close()
		}
	}
	l.hub.stop()
}
