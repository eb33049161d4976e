// What the page draws of each log: the last few entries and their terms.
// raft.Status has the indexes but not the terms, so each node's storage is
// wrapped to watch what the node writes to its disk.

package main

import (
	"sync"

	"distkit/pkg/raft"
)

// tailLen is how many of the last entries the page shows per node.
const tailLen = 30

// mark is one entry as the page draws it: a box with its index, colored
// by its term.
type mark struct {
	Index int `json:"i"`
	Term  int `json:"t"`
}

// tailStorage is a raft.MemoryStorage that remembers the index and term
// of the last tailLen entries it stored. The node calls it under its own
// mutex; the dashboard reads the tail under this one. Safe for concurrent
// use.
type tailStorage struct {
	*raft.MemoryStorage

	mu   sync.Mutex
	tail []mark // ascending indexes, at most tailLen
}

func newTailStorage() *tailStorage {
	return &tailStorage{MemoryStorage: raft.NewMemoryStorage()}
}

// Append stores entries and updates the tail the same way: entries from
// the first new index on are replaced (a follower truncating a conflict).
func (s *tailStorage) Append(entries []raft.Entry) error {
	if err := s.MemoryStorage.Append(entries); err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	first := entries[0].Index
	keep := len(s.tail)
	for keep > 0 && s.tail[keep-1].Index >= first {
		keep--
	}
	s.tail = s.tail[:keep]
	if len(entries) > tailLen {
		entries = entries[len(entries)-tailLen:]
	}
	for _, e := range entries {
		s.tail = append(s.tail, mark{e.Index, e.Term})
	}
	s.trim()
	return nil
}

// SaveSnapshot replaces the log with entries, and the tail with theirs.
func (s *tailStorage) SaveSnapshot(snap raft.Snapshot, entries []raft.Entry) error {
	if err := s.MemoryStorage.SaveSnapshot(snap, entries); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Keep the compacted entries on screen (greyed by the page) when the
	// tail agrees with the snapshot; an installed snapshot that replaces
	// a diverging log replaces the tail too.
	keep := 0
	for i, m := range s.tail {
		if m.Index == snap.Index && m.Term == snap.Term {
			keep = i + 1
		}
	}
	s.tail = s.tail[:keep]
	if len(entries) > tailLen {
		entries = entries[len(entries)-tailLen:]
	}
	for _, e := range entries {
		s.tail = append(s.tail, mark{e.Index, e.Term})
	}
	s.trim()
	return nil
}

// last returns a copy of the tail.
func (s *tailStorage) last() []mark {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mark{}, s.tail...)
}

func (s *tailStorage) trim() {
	if n := len(s.tail); n > tailLen {
		s.tail = append(s.tail[:0], s.tail[n-tailLen:]...)
	}
}
