// The server: net/rpc handlers that turn requests into log entries, and the
// loop that applies committed entries and answers the waiting handlers.

package kv

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"distkit/pkg/raft"
)

// Config configures a Server.
type Config struct {
	// Raft configures the server's Raft node. The server sets ApplyCh.
	Raft raft.Config

	// MaxRaftState, if positive, makes the server snapshot its state once
	// the commands applied since the last snapshot reach this many bytes,
	// so the Raft log stays bounded.
	MaxRaftState int

	// RequestTimeout bounds how long a handler waits for its command to
	// commit before answering CodeTimeout (default 1s).
	RequestTimeout time.Duration

	// UnsafeStaleReads makes every replica, leader or not, answer Get from
	// its own state machine at once, without the log. Reads get fast and
	// stay available in a minority partition, and stop being
	// linearizable: a follower that lags, or a deposed leader that has not
	// heard of its successor, returns old values. It exists to show that
	// violation (the consistency demo, the dashboard); never turn it on
	// for data you care about.
	UnsafeStaleReads bool

	// TickInterval is how often a leader with live leases proposes a tick,
	// so that leases expire even when no client writes (default 100ms).
	TickInterval time.Duration

	Logger *slog.Logger
}

// Request is the argument of every KV RPC. The method name says which
// operation it is; the fields carry its operands (see Command).
type Request struct {
	Key      string
	Value    string
	Version  int64
	Lease    int64
	TTL      time.Duration
	ClientID int64
	Seq      int64
}

// Reply is the result of every KV RPC. Code is CodeOK on success; CodeWrongLeader
// comes with LeaderHint, the ID of the node believed to lead (-1: unknown).
type Reply struct {
	Result
	LeaderHint int
}

// Server is one replica of the key-value service: a Raft node and the state
// machine it feeds. Its RPC methods (Get, Put, Append, CompareAndSwap,
// Delete, Grant, KeepAlive, Revoke) are meant for an rpc.Server under the
// name "KV", next to the node under "Raft" (see [Server.Register]). Safe for
// concurrent use.
type Server struct {
	cfg    Config
	rf     *raft.Node
	logger *slog.Logger

	mu          sync.Mutex
	m           *machine
	lastApplied int
	waiters     map[int]chan applied // log index -> the handler waiting for it
	readers     []readWaiter         // reads waiting for lastApplied to reach their index
	sinceSnap   int                  // bytes of commands applied since the last snapshot

	gate Gate // turns requests away once draining (lifecycle.go)

	done     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// readWaiter is a Get waiting for the apply loop to reach its read index:
// ch is closed once lastApplied >= index.
type readWaiter struct {
	index int
	ch    chan struct{}
}

// applied is what the apply loop tells a waiting handler: which command
// landed at its index (it may be another leader's) and with what result.
type applied struct {
	clientID, seq int64
	result        Result
}

// NewServer starts a replica: its Raft node, its apply loop and its lease
// ticker.
func NewServer(cfg Config) (*Server, error) {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = time.Second
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = 100 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Raft.Logger == nil {
		cfg.Raft.Logger = cfg.Logger
	}
	applyCh := make(chan raft.ApplyMsg, 256)
	cfg.Raft.ApplyCh = applyCh
	s := &Server{
		cfg:     cfg,
		logger:  cfg.Logger.With("node", cfg.Raft.ID),
		m:       newMachine(),
		waiters: make(map[int]chan applied),
		done:    make(chan struct{}),
	}
	rf, err := raft.New(cfg.Raft)
	if err != nil {
		return nil, fmt.Errorf("kv: start raft: %w", err)
	}
	s.rf = rf
	s.wg.Add(2)
	go s.applyLoop(applyCh)
	go s.ticker()
	return s, nil
}

// Raft returns the server's Raft node, for registering its RPC handlers
// and for status pages.
func (s *Server) Raft() *raft.Node { return s.rf }

// Register serves the KV service and its Raft node on srv (which should be
// a server of its own, rpc.NewServer(), never the global one).
func (s *Server) Register(srv interface{ RegisterName(string, any) error }) error {
	if err := srv.RegisterName("Raft", s.rf); err != nil {
		return err
	}
	return srv.RegisterName("KV", s)
}

// The RPC handlers. Each names its operation and hands the request to
// propose; a write goes through the log, a Get is served with ReadIndex
// (read.go) and goes through the log only when ReadIndex cannot serve it.

// Get reads Key.
func (s *Server) Get(args *Request, reply *Reply) error { return s.propose(OpGet, args, reply) }

// Put sets Key to Value, attached to Lease if not 0.
func (s *Server) Put(args *Request, reply *Reply) error { return s.propose(OpPut, args, reply) }

// Append appends Value to Key's value (creating it if absent).
func (s *Server) Append(args *Request, reply *Reply) error { return s.propose(OpAppend, args, reply) }

// CompareAndSwap sets Key to Value if Key's version is Version (0: absent).
func (s *Server) CompareAndSwap(args *Request, reply *Reply) error {
	return s.propose(OpCompareAndSwap, args, reply)
}

// Delete removes Key.
func (s *Server) Delete(args *Request, reply *Reply) error { return s.propose(OpDelete, args, reply) }

// Grant creates a lease that lives TTL unless kept alive.
func (s *Server) Grant(args *Request, reply *Reply) error { return s.propose(OpGrant, args, reply) }

// KeepAlive renews Lease for another TTL.
func (s *Server) KeepAlive(args *Request, reply *Reply) error {
	return s.propose(OpKeepAlive, args, reply)
}

// Revoke ends Lease now and deletes its keys.
func (s *Server) Revoke(args *Request, reply *Reply) error { return s.propose(OpRevoke, args, reply) }

// propose appends the operation to the log, waits until it is applied and
// fills reply with its result. Expected outcomes (wrong leader, timeout, a
// failed compare) go in reply.Code; the error result is for broken calls.
func (s *Server) propose(op Op, args *Request, reply *Reply) error {
	reply.LeaderHint = -1
	if !s.gate.Enter() {
		// Nothing was proposed, so "not the leader" is true as far as
		// this request goes: the clerk retries it elsewhere. No hint:
		// this node may lead for a moment yet.
		reply.Code = CodeWrongLeader
		return nil
	}
	defer s.gate.Leave()

	if len(args.Key) > MaxKeySize || len(args.Value) > MaxValueSize {
		reply.Code = CodeTooLarge
		return nil
	}
	// Every request names its client: the ID is how a retry is recognized
	// and how a handler knows the entry at its index is its own (0 is the
	// leader's own Tick).
	if args.ClientID == 0 {
		reply.Code = CodeInvalid
		return nil
	}
	c := Command{
		Op: op, Key: args.Key, Value: args.Value, Version: args.Version, Lease: args.Lease,
		TTL: int64(args.TTL), ClientID: args.ClientID, Seq: args.Seq,
		// The one clock reading of the whole path: taken by the leader
		// and written into the entry, so replicas agree on what time it is.
		Now: time.Now().UnixNano(),
	}
	if op == OpGet && s.cfg.UnsafeStaleReads {
		s.mu.Lock()
		reply.Result = s.m.execute(c) // no log entry, no session: a bare local read
		s.mu.Unlock()
		return nil
	}
	if op == OpGet && s.read(&c, reply) {
		return nil
	}
	index, ch, ok := s.start(&c)
	if !ok {
		reply.Code = CodeWrongLeader
		reply.LeaderHint = s.rf.Status().LeaderID
		return nil
	}
	timer := time.NewTimer(s.cfg.RequestTimeout)
	defer timer.Stop()
	select {
	case a, ok := <-ch:
		if !ok || a.clientID != c.ClientID || a.seq != c.Seq {
			// Another leader's entry took our index: ours was lost with
			// the leadership. The client retries with the same Seq.
			reply.Code = CodeWrongLeader
			return nil
		}
		reply.Result = a.result
	case <-timer.C:
		s.forget(index, ch)
		reply.Code = CodeTimeout
	case <-s.done:
		reply.Code = CodeTimeout
	}
	return nil
}

// start hands c to Raft and registers a waiter for its index.
func (s *Server) start(c *Command) (int, chan applied, bool) {
	// Hold s.mu across Start so the apply loop cannot apply the index
	// before the waiter is registered.
	s.mu.Lock()
	defer s.mu.Unlock()
	index, _, isLeader := s.rf.Start(c.encode(nil))
	if !isLeader {
		return 0, nil, false
	}
	ch := make(chan applied, 1)
	if old, ok := s.waiters[index]; ok {
		close(old) // a waiter from a lost leadership: its entry is gone
	}
	s.waiters[index] = ch
	return index, ch, true
}

// forget removes a waiter that gave up.
func (s *Server) forget(index int, ch chan applied) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiters[index] == ch {
		delete(s.waiters, index)
	}
}

// applyLoop applies what Raft commits, answers waiting handlers, and
// snapshots when the log has grown past MaxRaftState.
func (s *Server) applyLoop(applyCh <-chan raft.ApplyMsg) {
	defer s.wg.Done()
	for {
		var msg raft.ApplyMsg
		select {
		case msg = <-applyCh:
		case <-s.done:
			return
		}
		switch {
		case msg.SnapshotValid:
			s.installSnapshot(msg)
		case msg.CommandValid:
			s.applyCommand(msg)
		}
	}
}

func (s *Server) applyCommand(msg raft.ApplyMsg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg.CommandIndex <= s.lastApplied {
		return // already covered by a snapshot
	}
	s.lastApplied = msg.CommandIndex
	s.wakeReaders()
	c, err := decodeCommand(msg.Command)
	var a applied
	if err != nil {
		// Every replica sees the same bytes and skips them the same way.
		s.logger.Warn("skipping malformed log entry", "index", msg.CommandIndex, "err", err)
		a.result = Result{Code: CodeInvalid}
	} else {
		a = applied{clientID: c.ClientID, seq: c.Seq, result: s.m.apply(c)}
	}
	if ch, ok := s.waiters[msg.CommandIndex]; ok {
		ch <- a // buffered: never blocks
		delete(s.waiters, msg.CommandIndex)
	}
	s.sinceSnap += len(msg.Command)
	if s.cfg.MaxRaftState > 0 && s.sinceSnap >= s.cfg.MaxRaftState {
		data, err := s.m.snapshot()
		if err != nil {
			s.logger.Error("snapshot failed", "err", err)
			return
		}
		s.rf.Snapshot(msg.CommandIndex, data)
		s.sinceSnap = 0
	}
}

func (s *Server) installSnapshot(msg raft.ApplyMsg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg.SnapshotIndex <= s.lastApplied {
		return
	}
	m, err := restoreMachine(msg.Snapshot)
	if err != nil {
		// A snapshot that does not decode cannot be applied, and skipping
		// it would silently lose state. Stop serving rather than serve
		// wrong data.
		s.logger.Error("cannot install snapshot; stopping", "index", msg.SnapshotIndex, "err", err)
		go s.Stop()
		return
	}
	s.m = m
	s.lastApplied = msg.SnapshotIndex
	s.wakeReaders()
	s.sinceSnap = 0
	// Handlers waiting for indexes inside the snapshot will never hear of
	// their entries; let them time out and retry.
}

// ticker proposes a Tick while this node leads and leases exist, so the
// machine's clock advances and leases expire without client traffic.
func (s *Server) ticker() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.done:
			return
		}
		s.mu.Lock()
		live := len(s.m.Leases) > 0
		s.mu.Unlock()
		if _, isLeader := s.rf.State(); live && isLeader {
			c := Command{Op: OpTick, Now: time.Now().UnixNano()}
			s.rf.Start(c.encode(nil))
		}
	}
}
