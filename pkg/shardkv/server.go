// The server: one replica of one group. Client RPCs become log entries;
// the apply loop feeds committed entries to the group's state machine and
// answers the waiting handlers.

package shardkv

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/shardctl"
)

// Outcomes of the sharded service, beside pkg/kv's codes.
const (
	// CodeWrongGroup: this group does not own the key's shard in its
	// current configuration. The clerk asks the controller again.
	CodeWrongGroup kv.Code = "wrong group"
	// CodeMigrating: this group owns the shard but its data has not
	// arrived yet. The clerk waits a little and asks again.
	CodeMigrating kv.Code = "shard still arriving"
)

// Config configures a Server.
type Config struct {
	// GID is the group's ID in the controller's configurations.
	GID int

	// Raft configures the replica's Raft node (its peers are the other
	// servers of the same group). The server sets ApplyCh.
	Raft raft.Config

	// Controller is how the group's leader learns new configurations.
	Controller *shardctl.Controller

	// Dial returns a client for a server address found in a
	// configuration, to pull shards from other groups. It is called once
	// per address; the server keeps the result.
	Dial func(addr string) raft.Peer

	// MaxRaftState, if positive, snapshots the group's state once that
	// many bytes of entries have been applied since the last snapshot.
	MaxRaftState int

	// RequestTimeout bounds how long a handler waits for its entry to
	// commit (default 1s).
	RequestTimeout time.Duration

	// PollInterval is how often the leader asks for the next
	// configuration and retries pending shard moves (default 100ms).
	PollInterval time.Duration

	// ServiceTime, if positive, is a modeled cost of applying one client
	// operation: the apply loop waits this long before each. It stands in
	// for a real server's CPU or disk time per request, so that a
	// measurement in virtual time (the scaling test, the demo) has a
	// capacity per group to saturate. Zero in real deployments.
	ServiceTime time.Duration

	Logger *slog.Logger
}

// Server is one replica of one group. Its RPC methods (Get, Put, Append,
// CompareAndSwap, Delete for clients; PullShard and DeleteShard for other
// groups) are served under "ShardKV", next to the Raft node under "Raft"
// (see [Server.Register]). Safe for concurrent use.
type Server struct {
	cfg    Config
	rf     *raft.Node
	logger *slog.Logger

	mu          sync.Mutex
	g           *group
	lastApplied int
	waiters     map[int]waiter // log index -> the handler waiting for it
	sinceSnap   int
	opsApplied  int64 // client operations applied, for Status

	peersMu sync.Mutex
	peers   map[string]raft.Peer // other groups' servers, by address

	gate kv.Gate // turns client requests away once draining (lifecycle.go)

	ctx  context.Context // canceled by Stop: ends controller queries and pulls
	stop context.CancelFunc
	done chan struct{}
	wg   sync.WaitGroup
}

// waiter is a handler waiting for its entry: it knows the entry's bytes, so
// it can tell whether the entry applied at its index is its own or one
// from another leader that took the index.
type waiter struct {
	entry []byte
	ch    chan kv.Result
}

// NewServer starts a replica: its Raft node, its apply loop and its
// migration loop.
func NewServer(cfg Config) (*Server, error) {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Raft.Logger == nil {
		cfg.Raft.Logger = cfg.Logger
	}
	applyCh := make(chan raft.ApplyMsg, 256)
	cfg.Raft.ApplyCh = applyCh
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{
		cfg:     cfg,
		logger:  cfg.Logger.With("group", cfg.GID, "node", cfg.Raft.ID),
		g:       newGroup(cfg.GID),
		waiters: make(map[int]waiter),
		peers:   make(map[string]raft.Peer),
		ctx:     ctx, stop: stop,
		done: make(chan struct{}),
	}
	rf, err := raft.New(cfg.Raft)
	if err != nil {
		stop()
		return nil, err
	}
	s.rf = rf
	s.wg.Add(2)
	go s.applyLoop(applyCh)
	go s.migrateLoop()
	return s, nil
}

// Raft returns the replica's Raft node.
func (s *Server) Raft() *raft.Node { return s.rf }

// Register serves the group service as "ShardKV" and the Raft node as
// "Raft" on srv (a server of its own, never the global one).
func (s *Server) Register(srv interface{ RegisterName(string, any) error }) error {
	if err := srv.RegisterName("Raft", s.rf); err != nil {
		return err
	}
	return srv.RegisterName("ShardKV", s)
}

// Stop stops the Raft node and the server's goroutines.
func (s *Server) Stop() {
	s.stop()
	s.rf.Stop()
	close(s.done)
	s.wg.Wait()
}

// The client RPC handlers: pkg/kv's request and reply, pkg/kv's operations
// (leases aside: a lease would have to span shards).

// Get reads Key.
func (s *Server) Get(args *kv.Request, reply *kv.Reply) error { return s.op(kv.OpGet, args, reply) }

// Put sets Key to Value.
func (s *Server) Put(args *kv.Request, reply *kv.Reply) error { return s.op(kv.OpPut, args, reply) }

// Append appends Value to Key's value.
func (s *Server) Append(args *kv.Request, reply *kv.Reply) error {
	return s.op(kv.OpAppend, args, reply)
}

// CompareAndSwap sets Key to Value if its version is Version (0: absent).
func (s *Server) CompareAndSwap(args *kv.Request, reply *kv.Reply) error {
	return s.op(kv.OpCompareAndSwap, args, reply)
}

// Delete removes Key.
func (s *Server) Delete(args *kv.Request, reply *kv.Reply) error {
	return s.op(kv.OpDelete, args, reply)
}

// op turns a client request into a log entry and waits for its result.
func (s *Server) op(op kv.Op, args *kv.Request, reply *kv.Reply) error {
	reply.LeaderHint = -1
	if !s.gate.Enter() {
		// Nothing was proposed, so "not the leader" is true for this
		// request: the clerk tries another replica of the group.
		reply.Code = kv.CodeWrongLeader
		return nil
	}
	defer s.gate.Leave()
	if len(args.Key) > kv.MaxKeySize || len(args.Value) > kv.MaxValueSize {
		reply.Code = kv.CodeTooLarge
		return nil
	}
	if _, isLeader := s.rf.State(); !isLeader {
		reply.Code, reply.LeaderHint = kv.CodeWrongLeader, s.rf.Status().LeaderID
		return nil
	}
	// A quick answer for a shard we do not serve, so the log is not
	// filled with entries bound to fail. It is only a shortcut: the
	// answer that counts is given at apply time.
	s.mu.Lock()
	st := s.g.state[shardctl.Key2Shard(args.Key)]
	s.mu.Unlock()
	switch st {
	case Absent, Leaving:
		reply.Code = CodeWrongGroup
		return nil
	case Pulling:
		reply.Code = CodeMigrating
		return nil
	}
	c := kv.Command{Op: op, Key: args.Key, Value: args.Value, Version: args.Version,
		ClientID: args.ClientID, Seq: args.Seq}
	reply.Result = s.propose(encodeOp(&c))
	return nil
}

// propose appends entry to the log and waits until it is applied. It
// answers CodeWrongLeader if this node does not lead or lost the entry to
// another leader, and CodeTimeout if it did not commit in time.
func (s *Server) propose(entry []byte) kv.Result {
	s.mu.Lock() // held across Start so the index cannot be applied before the waiter exists
	index, _, isLeader := s.rf.Start(entry)
	if !isLeader {
		s.mu.Unlock()
		return kv.Result{Code: kv.CodeWrongLeader}
	}
	w := waiter{entry: entry, ch: make(chan kv.Result, 1)}
	if old, ok := s.waiters[index]; ok {
		close(old.ch) // a waiter from a lost leadership: its entry is gone
	}
	s.waiters[index] = w
	s.mu.Unlock()

	timer := time.NewTimer(s.cfg.RequestTimeout)
	defer timer.Stop()
	select {
	case r, ok := <-w.ch:
		if !ok {
			return kv.Result{Code: kv.CodeWrongLeader}
		}
		return r
	case <-timer.C:
	case <-s.done:
	}
	s.mu.Lock()
	if s.waiters[index].ch == w.ch {
		delete(s.waiters, index)
	}
	s.mu.Unlock()
	return kv.Result{Code: kv.CodeTimeout}
}

// applyLoop applies what Raft commits, in order.
func (s *Server) applyLoop(applyCh <-chan raft.ApplyMsg) {
	defer s.wg.Done()
	for {
		var msg raft.ApplyMsg
		select {
		case msg = <-applyCh:
		case <-s.done:
			return
		}
		if msg.SnapshotValid {
			s.installSnapshot(msg)
			continue
		}
		if !msg.CommandValid {
			continue
		}
		if s.cfg.ServiceTime > 0 && len(msg.Command) > 0 && entryKind(msg.Command[0]) == entryOp {
			select { // the modeled cost of the operation (Config.ServiceTime)
			case <-time.After(s.cfg.ServiceTime):
			case <-s.done:
				return
			}
		}
		s.applyEntry(msg)
	}
}

func (s *Server) applyEntry(msg raft.ApplyMsg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg.CommandIndex <= s.lastApplied {
		return // covered by a snapshot
	}
	s.lastApplied = msg.CommandIndex
	var r kv.Result
	kind, c, ctl, err := decodeEntry(msg.Command)
	if err != nil {
		// Every replica sees the same bytes and skips them the same way.
		s.logger.Warn("skipping malformed log entry", "index", msg.CommandIndex, "err", err)
		r.Code = kv.CodeInvalid
	}
	switch kind {
	case entryOp:
		r = s.g.applyOp(c)
		s.opsApplied++
	case entryConfig:
		if s.g.applyConfig(ctl.Config) {
			s.logger.Info("reconfigured", "config", ctl.Config.Num, "shards", s.describe())
		}
	case entryInstall:
		if err := s.g.applyInstall(ctl.Num, ctl.Shard, ctl.Data); err != nil {
			s.logger.Warn("skipping bad shard data", "index", msg.CommandIndex, "err", err)
		}
	case entryDelete:
		s.g.applyDelete(ctl.Num, ctl.Shard)
	case entryAcked:
		s.g.applyAcked(ctl.Num, ctl.Shard)
	case entryNoop:
		// A new leader's first entry: committing it was the point.
	}
	if w, ok := s.waiters[msg.CommandIndex]; ok {
		if bytes.Equal(w.entry, msg.Command) {
			w.ch <- r // buffered: never blocks
		} else {
			close(w.ch) // another leader's entry took the index
		}
		delete(s.waiters, msg.CommandIndex)
	}
	s.sinceSnap += len(msg.Command)
	if s.cfg.MaxRaftState > 0 && s.sinceSnap >= s.cfg.MaxRaftState {
		data, err := s.g.snapshot()
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
	g, err := restoreGroup(s.cfg.GID, msg.Snapshot)
	if err != nil {
		// Serving from a state we could not restore would answer wrong.
		s.logger.Error("cannot install snapshot; stopping", "index", msg.SnapshotIndex, "err", err)
		go s.Stop()
		return
	}
	s.g, s.lastApplied, s.sinceSnap = g, msg.SnapshotIndex, 0
}

// Status describes a replica for demos and tests.
type Status struct {
	Leader     bool
	Config     int                          // the configuration the group has reached
	Shards     [shardctl.NShards]ShardState // state of each shard
	Keys       [shardctl.NShards]int        // keys per shard held here
	OpsApplied int64                        // client operations applied since start
}

// Status reports the replica's current state.
func (s *Server) Status() Status {
	_, leader := s.rf.State()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Leader: leader, Config: s.g.cur.Num, Shards: s.g.state, OpsApplied: s.opsApplied}
	for i, m := range s.g.shards {
		if m != nil {
			st.Keys[i] = m.Len()
		}
	}
	return st
}

// describe lists the shards that are not Absent, for logs. Call with s.mu held.
func (s *Server) describe() string {
	var b bytes.Buffer
	for i, st := range s.g.state {
		if st != Absent {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(shardLabel(i, st))
		}
	}
	return b.String()
}

func shardLabel(shard int, st ShardState) string {
	return strconv.Itoa(shard) + ":" + st.String()
}
