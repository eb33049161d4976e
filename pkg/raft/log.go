// The log: Figure 2's log[], with a compacted prefix.
//
// Entries are numbered from 1. After a snapshot the entries up to the
// snapshot's index are gone, so the slice keeps a sentinel in position 0
// whose Index and Term are those of the last compacted entry (0 and 0 before
// any snapshot). Every lookup goes through the helpers below, which translate
// a Raft index into a slice position.

package raft

// Entry is one log entry: a command for the state machine and the term in
// which a leader received it. Most entries carry the service's commands;
// Raft writes two kinds of its own (membership.go).
type Entry struct {
	Index   int
	Term    int
	Type    EntryType
	Command []byte // the command, or the encoded membership of an EntryConfig
}

// EntryType says whose an entry is: the service's, or Raft's own.
type EntryType uint8

// The kinds of log entry. Only EntryCommand reaches the service.
const (
	EntryCommand EntryType = iota // a command for the state machine
	EntryConfig                   // a new membership (thesis §4.1)
	EntryNoop                     // a leader's empty entry of its own term, before a membership change (paper §8, membership.go)
)

// raftLog holds the entries after the last snapshot. Callers hold Node.mu.
type raftLog struct {
	entries []Entry // entries[0] is the sentinel described above
}

func newLog(snapIndex, snapTerm int, entries []Entry) raftLog {
	l := raftLog{entries: make([]Entry, 1, len(entries)+1)}
	l.entries[0] = Entry{Index: snapIndex, Term: snapTerm}
	for _, e := range entries {
		if e.Index > snapIndex {
			l.entries = append(l.entries, e)
		}
	}
	return l
}

// snapshotIndex is the index of the last entry folded into the snapshot.
func (l *raftLog) snapshotIndex() int { return l.entries[0].Index }

// snapshotTerm is the term of that entry.
func (l *raftLog) snapshotTerm() int { return l.entries[0].Term }

// lastIndex is the index of the newest entry (the snapshot's if none follow).
func (l *raftLog) lastIndex() int { return l.entries[len(l.entries)-1].Index }

// lastTerm is the term of the newest entry.
func (l *raftLog) lastTerm() int { return l.entries[len(l.entries)-1].Term }

// term returns the term of the entry at index, and false when the log does
// not hold that index (compacted away or not yet written). The snapshot's
// last index counts as held: its term is known.
func (l *raftLog) term(index int) (int, bool) {
	i := index - l.snapshotIndex()
	if i < 0 || i >= len(l.entries) {
		return 0, false
	}
	return l.entries[i].Term, true
}

// slice returns a copy of the entries with lo <= Index <= hi. Both bounds must
// be held by the log and lo must be past the snapshot.
func (l *raftLog) slice(lo, hi int) []Entry {
	base := l.snapshotIndex()
	out := make([]Entry, hi-lo+1)
	copy(out, l.entries[lo-base:hi-base+1])
	return out
}

// truncateAndAppend drops every entry from entries[0].Index on and appends
// entries in their place.
func (l *raftLog) truncateAndAppend(entries []Entry) {
	keep := entries[0].Index - l.snapshotIndex()
	l.entries = append(l.entries[:keep], entries...)
}

// firstIndexOfTerm returns the first index at or before from whose entry has
// term; the log holds from and term(from) == term. Used for fast backup.
func (l *raftLog) firstIndexOfTerm(from, term int) int {
	i := from
	for i-1 > l.snapshotIndex() {
		if t, _ := l.term(i - 1); t != term {
			break
		}
		i--
	}
	// Now entry i has the term and entry i-1 (if held) does not.
	return i
}

// lastIndexOfTerm returns the last index whose entry has term, or 0 when the
// log has no entry of that term.
func (l *raftLog) lastIndexOfTerm(term int) int {
	for i := len(l.entries) - 1; i > 0; i-- {
		switch t := l.entries[i].Term; {
		case t == term:
			return l.entries[i].Index
		case t < term:
			return 0 // terms only grow along the log
		}
	}
	return 0
}

// compact drops the entries up to and including index (which the log holds)
// and makes it the new sentinel.
func (l *raftLog) compact(index int) {
	term, _ := l.term(index)
	rest := l.entries[index-l.snapshotIndex()+1:]
	entries := make([]Entry, 1, len(rest)+1)
	entries[0] = Entry{Index: index, Term: term}
	l.entries = append(entries, rest...)
}
