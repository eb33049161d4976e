// The server: a Raft node, the state machine it feeds, and the loop that
// applies committed entries, answers waiting handlers and wakes long polls.
// The waiter table, the apply loop and the snapshot trigger copy the shape
// of pkg/kv's server.go. The RPC handlers are in handlers.go.

package queue

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
	// the commands applied since the last snapshot exceed this many bytes,
	// so the Raft log stays bounded. Topic limits bound the snapshot.
	MaxRaftState int

	// RequestTimeout bounds how long a handler waits for its command to
	// commit before answering CodeTimeout (default 1s).
	RequestTimeout time.Duration

	// MaxWait caps the long-poll wait of Fetch and Receive (default 1s).
	// Keep it below the clients' RPC timeout.
	MaxWait time.Duration

	// TickInterval is how often a leader with live group members proposes
	// a tick, so that sessions expire even when nobody writes (default
	// 100ms).
	TickInterval time.Duration

	Logger *slog.Logger
}

// Server is one replica of the broker: a Raft node and the state machine
// it feeds. Its RPC methods (see handlers.go) are meant for an rpc.Server
// under the name "Queue", next to the node under "Raft" (see
// [Server.Register]). Safe for concurrent use.
type Server struct {
	cfg    Config
	rf     *raft.Node
	logger *slog.Logger

	mu          sync.Mutex
	m           *machine
	lastApplied int
	waiters     map[int]waiter           // log index -> the handler waiting for it
	watchers    map[string]chan struct{} // topic -> closed when the topic changes (long polls)
	sinceSnap   int                      // bytes of commands applied since the last snapshot

	done chan struct{}
	wg   sync.WaitGroup
}

// waiter is a handler waiting for its entry. The apply loop sends the
// result if the entry at the index is the handler's (same term), or closes
// the channel if another leader's entry took the index.
type waiter struct {
	term int
	ch   chan Result
}

// NewServer starts a replica: its Raft node, its apply loop and its ticker.
func NewServer(cfg Config) (*Server, error) {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = time.Second
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = time.Second
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
		cfg:      cfg,
		logger:   cfg.Logger.With("node", cfg.Raft.ID),
		m:        newMachine(),
		waiters:  make(map[int]waiter),
		watchers: make(map[string]chan struct{}),
		done:     make(chan struct{}),
	}
	rf, err := raft.New(cfg.Raft)
	if err != nil {
		return nil, fmt.Errorf("queue: start raft: %w", err)
	}
	s.rf = rf
	s.wg.Add(2)
	go s.applyLoop(applyCh)
	go s.ticker()
	return s, nil
}

// Raft returns the server's Raft node, for status pages and tests.
func (s *Server) Raft() *raft.Node { return s.rf }

// Register serves the Queue service and its Raft node on srv (which should
// be a server of its own, rpc.NewServer(), never the global one).
func (s *Server) Register(srv interface{ RegisterName(string, any) error }) error {
	if err := srv.RegisterName("Raft", s.rf); err != nil {
		return err
	}
	return srv.RegisterName("Queue", s)
}

// Stop stops the Raft node and the server's goroutines. Handlers still
// waiting answer CodeTimeout (the outcome of their commands is unknown and
// clients retry elsewhere); long polls return what they have.
func (s *Server) Stop() {
	s.rf.Stop()
	close(s.done)
	s.wg.Wait()
}

// propose appends c to the log, stamped with this leader's clock, and waits
// until it is applied. It returns CodeWrongLeader or CodeTimeout when the
// outcome is not known.
func (s *Server) propose(c command) Result {
	// The one clock reading of the whole path: taken by the leader and
	// written into the entry, so replicas agree on what time it is.
	c.Now = time.Now().UnixNano()
	index, w, ok := s.start(&c)
	if !ok {
		return Result{Code: CodeWrongLeader}
	}
	timer := time.NewTimer(s.cfg.RequestTimeout)
	defer timer.Stop()
	select {
	case r, ok := <-w.ch:
		if !ok {
			// Another leader's entry took our index: ours was lost with
			// the leadership. The client retries.
			return Result{Code: CodeWrongLeader}
		}
		return r
	case <-timer.C:
		s.forget(index, w)
	case <-s.done:
	}
	return Result{Code: CodeTimeout}
}

// start hands c to Raft and registers a waiter for its index.
func (s *Server) start(c *command) (int, waiter, bool) {
	// Hold s.mu across Start so the apply loop cannot apply the index
	// before the waiter is registered.
	s.mu.Lock()
	defer s.mu.Unlock()
	index, term, isLeader := s.rf.Start(c.encode(nil))
	if !isLeader {
		return 0, waiter{}, false
	}
	w := waiter{term: term, ch: make(chan Result, 1)}
	if old, ok := s.waiters[index]; ok {
		close(old.ch) // a waiter from a lost leadership: its entry is gone
	}
	s.waiters[index] = w
	return index, w, true
}

// forget removes a waiter that gave up.
func (s *Server) forget(index int, w waiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiters[index].ch == w.ch {
		delete(s.waiters, index)
	}
}

// applyLoop applies what Raft commits, answers waiting handlers, wakes long
// polls, and snapshots when the log has grown past MaxRaftState.
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
	c, err := decodeCommand(msg.Command)
	var r Result
	if err != nil {
		// Every replica sees the same bytes and skips them the same way.
		s.logger.Warn("skipping malformed log entry", "index", msg.CommandIndex, "err", err)
		r = Result{Code: CodeInvalid, Detail: err.Error()}
	} else {
		r = s.m.apply(c)
	}
	if w, ok := s.waiters[msg.CommandIndex]; ok {
		if w.term == msg.CommandTerm {
			w.ch <- r // buffered: never blocks
		} else {
			close(w.ch)
		}
		delete(s.waiters, msg.CommandIndex)
	}
	for topic := range s.m.touched {
		s.wakeLocked(topic)
		delete(s.m.touched, topic)
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
		// it would silently lose messages. Stop serving rather than serve
		// wrong data.
		s.logger.Error("cannot install snapshot; stopping", "index", msg.SnapshotIndex, "err", err)
		go s.Stop()
		return
	}
	s.m = m
	s.lastApplied = msg.SnapshotIndex
	s.sinceSnap = 0
	for topic := range s.watchers {
		s.wakeLocked(topic)
	}
}

// watch returns a channel closed at the next change of topic. Call with
// s.mu held. A channel per topic, closed and replaced, wakes every long
// poll at once without the apply loop knowing who waits.
func (s *Server) watchLocked(topic string) <-chan struct{} {
	ch := s.watchers[topic]
	if ch == nil {
		ch = make(chan struct{})
		s.watchers[topic] = ch
	}
	return ch
}

// wakeLocked wakes the long polls on topic. Call with s.mu held.
func (s *Server) wakeLocked(topic string) {
	if ch := s.watchers[topic]; ch != nil {
		close(ch)
		delete(s.watchers, topic)
	}
}

// ticker proposes a tick while this node leads and some group has members,
// so the machine's clock advances and dead members expire without traffic.
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
		live := false
		for _, g := range s.m.Groups {
			live = live || len(g.Members) > 0
		}
		s.mu.Unlock()
		if _, isLeader := s.rf.State(); live && isLeader {
			c := command{Op: opTick, Now: time.Now().UnixNano()}
			s.rf.Start(c.encode(nil))
		}
	}
}

// Status describes the replica for health checks and demos.
type Status struct {
	raft.Status
	Topics       int
	Groups       int
	AppliedQueue int // last log index applied to the broker's state
}

// Status reports the replica's current state.
func (s *Server) Status() Status {
	st := Status{Status: s.rf.Status()}
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Topics, st.Groups, st.AppliedQueue = len(s.m.Topics), len(s.m.Groups), s.lastApplied
	return st
}
