package raft

import (
	"fmt"
	"slices"
	"testing"
)

// logOf builds a log after a snapshot at (snapIndex, snapTerm) whose
// entries have the given terms, numbered from snapIndex+1.
func logOf(snapIndex, snapTerm int, terms ...int) raftLog {
	entries := make([]Entry, len(terms))
	for k, term := range terms {
		entries[k] = Entry{Index: snapIndex + 1 + k, Term: term}
	}
	return newLog(snapIndex, snapTerm, entries)
}

// describe prints a log as "snap(i,t) [i:t ...]" for failure messages.
func (l *raftLog) describe() string {
	s := fmt.Sprintf("snap(%d,%d) [", l.snapshotIndex(), l.snapshotTerm())
	for k, e := range l.entries[1:] {
		if k > 0 {
			s += " "
		}
		s += fmt.Sprintf("%d:%d", e.Index, e.Term)
	}
	return s + "]"
}

func TestLog_Term(t *testing.T) {
	tests := []struct {
		name     string
		log      raftLog
		index    int
		wantTerm int
		wantOK   bool
	}{
		{"empty log holds index 0", logOf(0, 0), 0, 0, true},
		{"empty log lacks index 1", logOf(0, 0), 1, 0, false},
		{"first entry", logOf(0, 0, 1, 1, 2), 1, 1, true},
		{"last entry", logOf(0, 0, 1, 1, 2), 3, 2, true},
		{"past the end", logOf(0, 0, 1, 1, 2), 4, 0, false},
		{"snapshot's last index is known", logOf(10, 3, 4, 4), 10, 3, true},
		{"compacted away", logOf(10, 3, 4, 4), 9, 0, false},
		{"after the snapshot", logOf(10, 3, 4, 5), 12, 5, true},
		{"negative index", logOf(0, 0, 1), -1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, ok := tt.log.term(tt.index)
			if term != tt.wantTerm || ok != tt.wantOK {
				t.Errorf("%s.term(%d) = %d, %v; want %d, %v", tt.log.describe(), tt.index, term, ok, tt.wantTerm, tt.wantOK)
			}
		})
	}
}

func TestLog_FirstIndexOfTerm(t *testing.T) {
	tests := []struct {
		name       string
		log        raftLog
		from, term int
		want       int
	}{
		{"run starts at index 1", logOf(0, 0, 2, 2, 2), 3, 2, 1},
		{"run starts mid-log", logOf(0, 0, 1, 1, 3, 3, 3), 5, 3, 3},
		{"run of one", logOf(0, 0, 1, 2, 3), 2, 2, 2},
		{"from inside the run", logOf(0, 0, 1, 4, 4, 4, 5), 3, 4, 2},
		{"run begins before the snapshot: stop after it", logOf(5, 2, 2, 2, 3), 7, 2, 6},
		{"run begins right after the snapshot", logOf(5, 1, 2, 2), 7, 2, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.log.firstIndexOfTerm(tt.from, tt.term); got != tt.want {
				t.Errorf("%s.firstIndexOfTerm(%d, %d) = %d, want %d", tt.log.describe(), tt.from, tt.term, got, tt.want)
			}
		})
	}
}

func TestLog_LastIndexOfTerm(t *testing.T) {
	tests := []struct {
		name string
		log  raftLog
		term int
		want int
	}{
		{"empty log", logOf(0, 0), 1, 0},
		{"term in the middle", logOf(0, 0, 1, 2, 2, 4), 2, 3},
		{"term at the end", logOf(0, 0, 1, 2, 2, 4), 4, 4},
		{"term skipped over", logOf(0, 0, 1, 2, 2, 4), 3, 0},
		{"term newer than the log", logOf(0, 0, 1, 2), 7, 0},
		{"term older than the log", logOf(0, 0, 3, 3), 1, 0},
		{"only in the snapshot counts as absent", logOf(5, 2, 3, 3), 2, 0},
		{"after a snapshot", logOf(5, 2, 2, 3), 2, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.log.lastIndexOfTerm(tt.term); got != tt.want {
				t.Errorf("%s.lastIndexOfTerm(%d) = %d, want %d", tt.log.describe(), tt.term, got, tt.want)
			}
		})
	}
}

func TestLog_Compact(t *testing.T) {
	tests := []struct {
		name  string
		log   raftLog
		index int
		want  raftLog
	}{
		{"middle", logOf(0, 0, 1, 1, 2, 3), 2, logOf(2, 1, 2, 3)},
		{"everything", logOf(0, 0, 1, 1, 2), 3, logOf(3, 2)},
		{"first entry", logOf(0, 0, 1, 2), 1, logOf(1, 1, 2)},
		{"again after a snapshot", logOf(4, 2, 2, 3, 3), 6, logOf(6, 3, 3)},
		{"the snapshot index itself changes nothing", logOf(4, 2, 2, 3), 4, logOf(4, 2, 2, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.log.describe()
			tt.log.compact(tt.index)
			if got, want := tt.log.describe(), tt.want.describe(); got != want {
				t.Errorf("%s.compact(%d) gives %s, want %s", before, tt.index, got, want)
			}
		})
	}
}

func TestLog_TruncateAndAppend(t *testing.T) {
	tests := []struct {
		name       string
		log        raftLog
		first      int   // index of the first new entry
		newTerms   []int // terms of the new entries
		wantResult raftLog
	}{
		{"append at the end", logOf(0, 0, 1, 1), 3, []int{2, 2}, logOf(0, 0, 1, 1, 2, 2)},
		{"replace a conflicting suffix", logOf(0, 0, 1, 1, 2, 2), 3, []int{3}, logOf(0, 0, 1, 1, 3)},
		{"replace everything", logOf(0, 0, 1, 1), 1, []int{2, 2, 2}, logOf(0, 0, 2, 2, 2)},
		{"right after a snapshot", logOf(5, 2, 2, 2), 6, []int{3}, logOf(5, 2, 3)},
		{"into an empty log after a snapshot", logOf(5, 2), 6, []int{4, 4}, logOf(5, 2, 4, 4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.log.describe()
			entries := make([]Entry, len(tt.newTerms))
			for k, term := range tt.newTerms {
				entries[k] = Entry{Index: tt.first + k, Term: term}
			}
			tt.log.truncateAndAppend(entries)
			if got, want := tt.log.describe(), tt.wantResult.describe(); got != want {
				t.Errorf("%s.truncateAndAppend(from %d, terms %v) gives %s, want %s", before, tt.first, tt.newTerms, got, want)
			}
		})
	}
}

// A compacted log hands storage and followers copies, never its own array.
func TestLog_SliceCopies(t *testing.T) {
	l := logOf(2, 1, 1, 2, 2)
	s := l.slice(3, 4)
	s[0].Term = 99
	if term, _ := l.term(3); term != 1 {
		t.Errorf("changing a slice changed the log: term(3) = %d, want 1", term)
	}
	var got []int
	for _, e := range l.slice(3, 5) {
		got = append(got, e.Index)
	}
	if !slices.Equal(got, []int{3, 4, 5}) {
		t.Errorf("%s.slice(3, 5) has indexes %v, want [3 4 5]", l.describe(), got)
	}
}
