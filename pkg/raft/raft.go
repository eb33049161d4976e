// The node: Figure 2's state, the configuration, the public API, and the
// syncer. doc.go gives the reading order for the rest of the package.

package raft

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Peer is how a node reaches another node: anything with the signature of
// (*rpc.Client).Call. A *rpc.Client works, so does a *netsim.Client in tests,
// and so does the *RPCPeer that DialPeer returns (a client with a timeout
// and a redial, which is what a real deployment wants).
type Peer interface {
	Call(serviceMethod string, args any, reply any) error
}

// Role is what a node currently is: follower, candidate or leader (§5.1).
type Role int

// The three roles of §5.1.
const (
	Follower Role = iota
	Candidate
	Leader
)

func (r Role) String() string {
	switch r {
	case Follower:
		return "follower"
	case Candidate:
		return "candidate"
	case Leader:
		return "leader"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// ApplyMsg is what a node delivers on Config.ApplyCh, in log order: either a
// committed command or a snapshot the service must install in its place.
// CommandIndex grows but may skip the indexes of Raft's own entries
// (membership changes and no-ops, see EntryType), which the service never
// sees.
type ApplyMsg struct {
	CommandValid bool
	Command      []byte
	CommandIndex int
	CommandTerm  int

	SnapshotValid bool
	Snapshot      []byte
	SnapshotIndex int
	SnapshotTerm  int
}

// Config holds everything a node needs. Only ID and ApplyCh are required,
// and Peers for a node that is not joining; the rest have defaults suited
// to a cluster on one machine.
type Config struct {
	ID      int
	Peers   map[int]Peer    // every other member of the starting configuration, by ID
	ApplyCh chan<- ApplyMsg // committed entries and snapshots, in order

	// Membership change (membership.go). A cluster starts as this node and
	// Peers, all voters, unless its log or snapshot names a configuration,
	// which then wins. A node started with Join set starts in no
	// configuration and never starts an election until a leader's
	// AddServer makes it a member. Join matters only while its log names
	// no configuration, so keep it set on every start of a joined node: a
	// restart without it, before the node's log holds the configuration
	// that added it, would make it a cluster of one that elects itself.
	// Addrs gives the addresses of the starting members, this node's
	// included, for the configuration entries that servers added later
	// read. Dial reaches a server first met in such an entry (default:
	// DialPeer with a timeout of ElectionTimeoutMax); it is called with the
	// node's mutex held, so it must not block: DialPeer dials on first use.
	Join  bool
	Addrs map[int]string
	Dial  func(id int, addr string) Peer

	Storage Storage // default: a new MemoryStorage

	// Randomized election timeouts (§5.2) are drawn from
	// [ElectionTimeoutMin, ElectionTimeoutMax). The heartbeat interval must
	// be well below ElectionTimeoutMin or followers start needless elections.
	ElectionTimeoutMin time.Duration // default 150ms
	ElectionTimeoutMax time.Duration // default 2 x ElectionTimeoutMin
	HeartbeatInterval  time.Duration // default ElectionTimeoutMin / 3

	// MaxEntriesPerAppend caps one AppendEntries message (default 1024).
	MaxEntriesPerAppend int

	Rand    *rand.Rand   // election timeout jitter; default randomly seeded
	Logger  *slog.Logger // default: discard
	OnEvent func(Event)  // optional observer, see Event
}

const noVote = -1

// ErrStopped is returned by the RPC handlers of a node that has been
// stopped, and by a TransferLeadership that Stop interrupted.
var ErrStopped = errors.New("raft: node stopped")

// Node is one Raft server. Its exported RPC handlers (RequestVote,
// AppendEntries, InstallSnapshot) have net/rpc's signature, so a node is
// served with rpc.Server.RegisterName("Raft", node) or its netsim twin.
// All methods are safe for concurrent use.
type Node struct {
	mu sync.Mutex // guards every field below that is not marked otherwise

	// Set by New and never changed.
	id      int
	storage Storage
	applyCh chan<- ApplyMsg
	cfg     Config
	logger  *slog.Logger
	rand    *rand.Rand // guarded by mu: *rand.Rand is not safe for concurrent use
	events  chan Event // nil when nobody observes

	// Persistent state on all servers (Figure 2). Changed only together with
	// a call to storage, before the node answers anyone.
	currentTerm int
	votedFor    int
	log         raftLog

	// Volatile state on all servers (Figure 2). commitIndex only grows and
	// never passes the last log index; lastApplied trails it, moved by the
	// applier as it hands entries to the service.
	commitIndex int
	lastApplied int

	role             Role
	leaderID         int       // who we believe leads currentTerm; -1 if unknown
	electionDeadline time.Time // when a follower or candidate starts an election
	votes            int       // votes received as a candidate in currentTerm

	// Volatile state on leaders (Figure 2), reinitialized by becomeLeader.
	// matchIndex[p] <= nextIndex[p]-1 always; durableIndex is the leader's
	// own matchIndex: the last index it has synced to its own storage (at
	// election, its whole log, synced when it was appended as a follower).
	nextIndex    map[int]int
	matchIndex   map[int]int
	durableIndex int
	inflight     map[int]bool // a pipelined AppendEntries to p awaits its reply

	// Leadership transfer (transfer.go): the node handing over to, or -1,
	// and the channel closed when this node steps down.
	transferTarget int
	transferDone   chan struct{}

	reads readState // ReadIndex rounds and acknowledgments (readindex.go)

	snapshot        []byte    // data of the snapshot at log.snapshotIndex()
	snapMembers     []Member  // the configuration at log.snapshotIndex()
	pendingSnapshot *Snapshot // installed from a leader, not yet delivered

	// Membership (membership.go). members is the newest configuration in
	// the log, or snapMembers if the log holds none; configIndex is the
	// index of its entry (0 when it predates the log). peers holds a Peer
	// for every member but this node, plus the learner a leader's
	// AddServer is catching up. changing serializes AddServer and
	// RemoveServer; progress, when not nil, is closed to wake them.
	members     []Member
	configIndex int
	peers       map[int]Peer
	dialed      map[int]bool // peers this node dialed (Config.Dial) and closes
	learner     *Member
	changing    bool
	progress    chan struct{}

	// When this node last heard from a leader of currentTerm, for the
	// check in RequestVote that keeps removed servers from disrupting the
	// cluster (thesis §4.2.3).
	leaderContact time.Time

	applyNotify chan struct{} // wakes the applier; capacity 1
	tickNow     chan struct{} // wakes the ticker early (a new leader's heartbeats); capacity 1
	syncNotify  chan struct{} // wakes the syncer: the leader appended entries; capacity 1
	done        chan struct{} // closed by Stop
	stopped     bool
	wg          sync.WaitGroup // every goroutine the node starts
}

// New creates a node, restores it from cfg.Storage and starts its ticker
// and applier goroutines. It fails only when the storage cannot be loaded.
func New(cfg Config) (*Node, error) {
	if cfg.ElectionTimeoutMin <= 0 {
		cfg.ElectionTimeoutMin = 150 * time.Millisecond
	}
	if cfg.ElectionTimeoutMax <= cfg.ElectionTimeoutMin {
		cfg.ElectionTimeoutMax = 2 * cfg.ElectionTimeoutMin
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = cfg.ElectionTimeoutMin / 3
	}
	if cfg.MaxEntriesPerAppend <= 0 {
		cfg.MaxEntriesPerAppend = 1024
	}
	if cfg.Storage == nil {
		cfg.Storage = NewMemoryStorage()
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	saved, err := cfg.Storage.Load()
	if err != nil {
		return nil, fmt.Errorf("raft: node %d: load storage: %w", cfg.ID, err)
	}

	n := &Node{
		id:             cfg.ID,
		peers:          make(map[int]Peer),
		dialed:         make(map[int]bool),
		storage:        cfg.Storage,
		applyCh:        cfg.ApplyCh,
		cfg:            cfg,
		logger:         cfg.Logger.With("node", cfg.ID),
		rand:           cfg.Rand,
		currentTerm:    saved.HardState.CurrentTerm,
		votedFor:       saved.HardState.VotedFor,
		log:            newLog(saved.Snapshot.Index, saved.Snapshot.Term, saved.Entries),
		leaderID:       -1,
		transferTarget: -1,
		applyNotify:    make(chan struct{}, 1),
		tickNow:        make(chan struct{}, 1),
		syncNotify:     make(chan struct{}, 1),
		done:           make(chan struct{}),
	}
	// A restarted node knows its snapshot is committed and applied by the
	// service once delivered; entries after it must be re-learned as
	// committed from a leader (commitIndex is volatile).
	n.commitIndex = saved.Snapshot.Index
	if cfg.OnEvent != nil { // before the first event: the starting configuration
		n.events = make(chan Event, 1024)
		n.wg.Add(1)
		go n.deliverEvents()
	}
	n.snapMembers = saved.Snapshot.Members
	if n.snapMembers == nil {
		n.snapMembers = bootstrapMembers(cfg)
	}
	n.reloadMembers()
	if saved.Snapshot.Index > 0 {
		n.snapshot = saved.Snapshot.Data
		n.pendingSnapshot = &Snapshot{Index: saved.Snapshot.Index, Term: saved.Snapshot.Term, Data: saved.Snapshot.Data}
		notify(n.applyNotify)
	}
	n.durableIndex = n.log.lastIndex()
	n.resetElectionDeadline()
	n.logger.Info("started", "term", n.currentTerm, "lastIndex", n.log.lastIndex(), "snapshotIndex", n.log.snapshotIndex())

	n.wg.Add(3)
	go n.ticker()
	go n.applier()
	go n.syncer()
	return n, nil
}

// Start asks the node to append command to the replicated log. If the node
// is not the leader, or is handing leadership over, it returns isLeader
// false and does nothing. Otherwise it
// returns the index the command will have if it is ever committed and the
// current term; the command may still be lost if leadership changes, which
// the caller sees as a different command (or none) applied at index.
func (n *Node) Start(command []byte) (index, term int, isLeader bool) {
	n.mu.Lock()
	if n.role != Leader || n.stopped || n.transferDone != nil {
		term = n.currentTerm
		n.mu.Unlock()
		return 0, term, false
	}
	term = n.currentTerm
	index, err := n.appendAsLeader(EntryCommand, command)
	n.mu.Unlock()
	return index, term, err == nil
}

// appendAsLeader appends an entry of the current term to the leader's log
// and storage and sends it on. Callers hold n.mu and lead.
func (n *Node) appendAsLeader(typ EntryType, command []byte) (int, error) {
	index := n.log.lastIndex() + 1
	entry := Entry{Index: index, Term: n.currentTerm, Type: typ, Command: command}
	n.log.entries = append(n.log.entries, entry)
	if err := n.storage.Append([]Entry{entry}); err != nil {
		n.log.entries = n.log.entries[:len(n.log.entries)-1]
		n.logger.Error("append to storage failed; stopping", "index", index, "err", err)
		go n.Stop()
		return 0, fmt.Errorf("raft: node %d: append to storage: %w", n.id, err)
	}
	n.logger.Debug("append", "index", index, "term", n.currentTerm, "type", typ)
	// Replicate at once rather than at the next heartbeat; peers with a
	// message already in flight will pick the entry up when it returns.
	for id := range n.peers {
		if !n.inflight[id] {
			n.sendAppendEntries(id, true)
		}
	}
	notify(n.syncNotify)
	return index, nil
}

// syncer makes the leader's own new entries durable. The leader writes its
// log in parallel with sending it to followers (Raft thesis §10.2.1) and
// counts itself toward a majority only once its entries are synced. One
// Sync covers every entry appended before it, so under load many Start
// calls share each disk flush.
func (n *Node) syncer() {
	defer n.wg.Done()
	for {
		select {
		case <-n.done:
			return
		case <-n.syncNotify:
		}
		n.mu.Lock()
		if n.stopped {
			n.mu.Unlock()
			return
		}
		if n.role != Leader {
			n.mu.Unlock()
			continue
		}
		term, target := n.currentTerm, n.log.lastIndex()
		n.mu.Unlock()

		if err := n.storage.Sync(); err != nil {
			n.logger.Error("sync storage failed; stopping", "err", err)
			go n.Stop()
			return
		}
		n.mu.Lock()
		if n.role == Leader && n.currentTerm == term && target > n.durableIndex {
			n.durableIndex = target
			n.advanceCommitIndex()
		}
		n.mu.Unlock()
	}
}

// State returns the current term and whether this node believes it is the
// leader.
func (n *Node) State() (term int, isLeader bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.currentTerm, n.role == Leader
}

// Status is a snapshot of a node's state for dashboards, tests and demos.
type Status struct {
	ID          int
	Role        Role
	Term        int
	VotedFor    int
	LeaderID    int
	CommitIndex int
	LastApplied int
	LastIndex   int
	SnapIndex   int
	Members     []int // IDs of the current configuration's members
}

// Status reports the node's current state.
func (n *Node) Status() Status {
	n.mu.Lock()
	defer n.mu.Unlock()
	ids := make([]int, len(n.members))
	for i, m := range n.members {
		ids[i] = m.ID
	}
	return Status{
		ID: n.id, Role: n.role, Term: n.currentTerm, VotedFor: n.votedFor,
		LeaderID: n.leaderID, CommitIndex: n.commitIndex, LastApplied: n.lastApplied,
		LastIndex: n.log.lastIndex(), SnapIndex: n.log.snapshotIndex(), Members: ids,
	}
}

// Stop halts the node: its goroutines exit, its RPC handlers answer
// ErrStopped, and nothing more is sent on ApplyCh. It waits for every
// goroutine the node started, including RPCs in flight, so callers should
// give peers a timeout. Stop does not close the storage. Safe to call twice.
func (n *Node) Stop() {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return
	}
	n.stopped = true
	close(n.done)
	n.mu.Unlock()
	n.wg.Wait()
	// Close the peers this node dialed itself; the caller owns Config.Peers.
	n.mu.Lock()
	for id, p := range n.peers {
		n.closeDialed(id, p)
	}
	n.mu.Unlock()
	n.logger.Info("stopped")
}

// persistHardState saves currentTerm and votedFor. Figure 2: updated on
// stable storage before responding to RPCs. A node that cannot persist must
// not go on, so it stops itself.
func (n *Node) persistHardState() error {
	err := n.storage.SaveHardState(HardState{CurrentTerm: n.currentTerm, VotedFor: n.votedFor})
	if err != nil {
		n.logger.Error("persist term and vote failed; stopping", "err", err)
		go n.Stop()
		return fmt.Errorf("raft: node %d: persist term and vote: %w", n.id, err)
	}
	return nil
}

// resetElectionDeadline picks a fresh random election timeout (§5.2).
func (n *Node) resetElectionDeadline() {
	lo, hi := n.cfg.ElectionTimeoutMin, n.cfg.ElectionTimeoutMax
	n.electionDeadline = time.Now().Add(lo + time.Duration(n.rand.Int64N(int64(hi-lo))))
}

// notify wakes the goroutine waiting on ch (capacity 1) without ever
// blocking: one pending wake-up is enough, since the goroutine handles
// everything that is due when it runs.
func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
