// Persistence: what Figure 2 calls "persistent state on all servers".
//
// A node must not answer an RPC until the state it answers from is safe on
// stable storage, or a crash and restart could make it vote twice in one term
// or forget entries it promised to a leader. The Storage interface keeps that
// rule cheap: the term and vote are small and rewritten whole, while log
// entries are only ever appended, and the expensive part (the fsync) happens
// once per batch in Sync, outside the node's mutex.

package raft

import (
	"errors"
	"slices"
	"sync"
)

// HardState is the part of Figure 2's persistent state that is not the log:
// the latest term the node has seen and whom it voted for in that term.
type HardState struct {
	CurrentTerm int
	VotedFor    int // noVote (-1) when the node has not voted in CurrentTerm
}

// Snapshot is a compacted prefix of the log: the state machine's state after
// applying every entry up to and including Index, whose term was Term.
// Members is the configuration at Index (membership.go); nil in a snapshot
// saved before any was recorded, which means the node's starting one.
type Snapshot struct {
	Index   int
	Term    int
	Data    []byte
	Members []Member
}

// Saved is everything a Storage hands back to a restarting node.
type Saved struct {
	HardState HardState
	Snapshot  Snapshot // Index 0 when no snapshot was ever taken
	Entries   []Entry  // the log after Snapshot.Index, in index order
}

// Storage keeps a node's persistent state across crashes.
//
// The node calls SaveHardState, Append and SaveSnapshot while it holds its
// mutex, in the order the changes happen, and calls Sync without the mutex
// before it acknowledges anything that Append wrote. Implementations must be
// safe for that use: Sync may run concurrently with the other methods.
type Storage interface {
	// Load returns what was saved. A new, empty storage returns a zero Saved
	// with VotedFor set to -1. A damaged one returns an error, never a guess.
	Load() (Saved, error)

	// SaveHardState durably replaces the term and vote before it returns.
	SaveHardState(HardState) error

	// Append adds entries to the end of the log. If the first entry's index
	// is not one past the last stored entry, the stored entries from that
	// index on are replaced: this is how a follower truncates a conflicting
	// suffix (Figure 2, AppendEntries step 3). Append need not be durable
	// until the next Sync.
	Append(entries []Entry) error

	// Sync makes everything appended so far durable.
	Sync() error

	// SaveSnapshot durably stores snap and replaces the whole log with
	// entries, the entries that follow snap.Index.
	SaveSnapshot(snap Snapshot, entries []Entry) error

	// Close releases files. The node does not use the storage afterwards.
	Close() error
}

// ErrCorrupt is wrapped by errors from a Storage whose saved data failed its
// checks (bad checksum, torn record, impossible index). A node never starts
// from corrupt state: it reports the error instead.
var ErrCorrupt = errors.New("raft: corrupt storage")

// ErrVersion is wrapped, beside ErrCorrupt, by errors from a FileStorage
// whose files carry another format version: written by another build, or
// damaged just there.
var ErrVersion = errors.New("raft: storage in another format version")

// MemoryStorage is a Storage that lives in memory: what tests and benchmarks
// use, and what survives a simulated crash (the test keeps the MemoryStorage
// and hands it to the restarted node). Safe for concurrent use.
type MemoryStorage struct {
	mu      sync.Mutex
	hard    HardState
	snap    Snapshot
	entries []Entry
}

// NewMemoryStorage returns an empty MemoryStorage.
func NewMemoryStorage() *MemoryStorage {
	return &MemoryStorage{hard: HardState{VotedFor: noVote}}
}

// Load returns copies of the stored state.
func (s *MemoryStorage) Load() (Saved, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Saved{
		HardState: s.hard,
		Snapshot: Snapshot{Index: s.snap.Index, Term: s.snap.Term, Data: slices.Clone(s.snap.Data),
			Members: slices.Clone(s.snap.Members)},
		Entries: slices.Clone(s.entries),
	}, nil
}

// SaveHardState stores hs.
func (s *MemoryStorage) SaveHardState(hs HardState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hard = hs
	return nil
}

// Append stores entries, replacing any stored suffix they overlap.
func (s *MemoryStorage) Append(entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	first := s.snap.Index + 1 // index of s.entries[0]
	keep := entries[0].Index - first
	if keep < 0 || keep > len(s.entries) {
		return errors.New("raft: memory storage: append leaves a gap in the log")
	}
	s.entries = append(s.entries[:keep], entries...)
	return nil
}

// Sync does nothing: memory is as durable as MemoryStorage gets.
func (s *MemoryStorage) Sync() error { return nil }

// SaveSnapshot stores snap and replaces the log with entries. It keeps
// them without copying (a snapshot can be large, and the node hands over a
// fresh slice of entries and data that nobody changes afterwards); Load
// returns copies.
func (s *MemoryStorage) SaveSnapshot(snap Snapshot, entries []Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snap = snap
	s.entries = entries
	return nil
}

// Close does nothing.
func (s *MemoryStorage) Close() error { return nil }

// Size reports the bytes of commands held in the log and of the snapshot, so
// a service can decide when to snapshot.
func (s *MemoryStorage) Size() (logBytes, snapshotBytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.entries {
		logBytes += len(e.Command) + 16
	}
	return logBytes, len(s.snap.Data)
}
