package raft

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// storageOp is one call in a contract case: SaveHardState when hard is set,
// SaveSnapshot when snap is set, Append otherwise.
type storageOp struct {
	hard    *HardState
	snap    *Snapshot
	entries []Entry
	refused bool // the storage must return an error and change nothing
}

// testStorageContract checks the behaviour the Storage interface promises.
// newStore returns, for one fresh backing store, a function that opens it:
// each case writes through one opened Storage, closes it, and checks what a
// second one loads.
func testStorageContract(t *testing.T, newStore func(t *testing.T) (open func() Storage)) {
	t.Helper()
	cases := []struct {
		name string
		ops  []storageOp
		want string
	}{
		{"empty", nil, "term 0 vote -1, snapshot 0/0 \"\", log []"},
		{"hard state", []storageOp{{hard: &HardState{CurrentTerm: 4, VotedFor: 2}}},
			"term 4 vote 2, snapshot 0/0 \"\", log []"},
		{"entries in batches", []storageOp{{entries: ents(1, 3, 1)}, {entries: ents(4, 5, 2)}},
			"term 0 vote -1, snapshot 0/0 \"\", log [1/1 2/1 3/1 4/2 5/2]"},
		{"overlapping append replaces the suffix", []storageOp{{entries: ents(1, 5, 1)}, {entries: ents(3, 4, 2)}},
			"term 0 vote -1, snapshot 0/0 \"\", log [1/1 2/1 3/2 4/2]"},
		{"appends after a truncation", []storageOp{{entries: ents(1, 5, 1)}, {entries: ents(2, 2, 2)}, {entries: ents(3, 3, 3)}},
			"term 0 vote -1, snapshot 0/0 \"\", log [1/1 2/2 3/3]"},
		{"snapshot keeps the entries after it", []storageOp{
			{entries: ents(1, 5, 1)},
			{snap: &Snapshot{Index: 3, Term: 1, Data: []byte("at3")}, entries: ents(4, 5, 1)},
			{entries: ents(6, 6, 2)},
		}, "term 0 vote -1, snapshot 3/1 \"at3\", log [4/1 5/1 6/2]"},
		{"snapshot past the log replaces it", []storageOp{
			{entries: ents(1, 2, 1)},
			{snap: &Snapshot{Index: 9, Term: 3, Data: []byte("at9")}},
			{entries: ents(10, 10, 3)},
		}, "term 0 vote -1, snapshot 9/3 \"at9\", log [10/3]"},
		{"entry types and the snapshot's members", []storageOp{
			{entries: []Entry{{Index: 1, Term: 1, Command: []byte("cmd1")}, {Index: 2, Term: 1, Type: EntryNoop, Command: []byte("cmd2")},
				{Index: 3, Term: 1, Type: EntryConfig, Command: []byte("cmd3")}}},
			{snap: &Snapshot{Index: 2, Term: 1, Data: []byte("at2"), Members: []Member{{ID: 1, Addr: "10.0.0.1:7001"}, {ID: 2}}},
				entries: []Entry{{Index: 3, Term: 1, Type: EntryConfig, Command: []byte("cmd3")}}},
		}, "term 0 vote -1, snapshot 2/1 \"at2\" members [1@10.0.0.1:7001 2@], log [3/1(type 1)]"},
		{"append leaving a gap is refused", []storageOp{{entries: ents(1, 2, 1)}, {entries: ents(4, 4, 1), refused: true}},
			"term 0 vote -1, snapshot 0/0 \"\", log [1/1 2/1]"},
		{"append inside the snapshot is refused", []storageOp{
			{snap: &Snapshot{Index: 3, Term: 1}},
			{entries: ents(3, 4, 1), refused: true},
		}, "term 0 vote -1, snapshot 3/1 \"\", log []"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			open := newStore(t)
			s := open()
			mustLoad(t, s)
			for i, op := range tc.ops {
				var err error
				switch {
				case op.hard != nil:
					err = s.SaveHardState(*op.hard)
				case op.snap != nil:
					err = s.SaveSnapshot(*op.snap, op.entries)
				default:
					err = s.Append(op.entries)
				}
				if (err != nil) != op.refused {
					t.Fatalf("op %d: got error %v, want refused=%v", i, err, op.refused)
				}
			}
			if err := s.Sync(); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if got := savedString(mustLoad(t, open())); got != tc.want {
				t.Errorf("after reopening:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestMemoryStorage_Contract(t *testing.T) {
	testStorageContract(t, func(t *testing.T) func() Storage {
		m := NewMemoryStorage() // "reopening" hands back the same memory
		return func() Storage { return m }
	})
}

func TestFileStorage_Contract(t *testing.T) {
	testStorageContract(t, func(t *testing.T) func() Storage {
		dir := t.TempDir()
		return func() Storage { return openFileStorage(t, dir) }
	})
}

func TestFileStorage_TornTailDropped(t *testing.T) {
	last := len(mustRecords(t, ents(3, 3, 1))) // bytes of the final record
	cases := []struct {
		name     string
		cut      int // bytes removed from the end of the log
		want     string
		wantWarn bool
	}{
		{"intact", 0, "[1/1 2/1 3/1]", false},
		{"payload cut short", 1, "[1/1 2/1]", true},
		{"record header cut short", last - 3, "[1/1 2/1]", true},
		{"whole record gone", last, "[1/1 2/1]", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeStorage(t, dir, func(s *FileStorage) error { return s.Append(ents(1, 3, 1)) })
			path := filepath.Join(dir, fileLog)
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, info.Size()-int64(tc.cut)); err != nil {
				t.Fatal(err)
			}

			s := openFileStorage(t, dir)
			var logs bytes.Buffer
			s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			if got := logString(mustLoad(t, s)); got != tc.want {
				t.Fatalf("cut %d bytes: got log %s, want %s", tc.cut, got, tc.want)
			}
			if warned := strings.Contains(logs.String(), "dropped torn log record"); warned != tc.wantWarn {
				t.Errorf("cut %d bytes: warned=%v, want %v (logs: %q)", tc.cut, warned, tc.wantWarn, logs.String())
			}
			// The torn bytes must be gone from the file, or the next record
			// would land behind them and the log would read as corrupt.
			if err := s.Append(ents(3, 3, 2)); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if got, want := logString(mustLoad(t, openFileStorage(t, dir))), "[1/1 2/1 3/2]"; got != want {
				t.Errorf("after appending past the cut: got log %s, want %s", got, want)
			}
		})
	}
}

func TestFileStorage_CorruptionReported(t *testing.T) {
	rec := len(mustRecords(t, ents(3, 3, 1))) // every record below has this size
	gappy := append(fileLogHeader(2, 1), mustRecords(t, ents(3, 4, 1))...)
	gappy = append(gappy, mustRecords(t, ents(6, 6, 1))...)
	cases := []struct {
		name, file string
		damage     func(b []byte) []byte // nil result: delete the file
		want       string                // after "<dir>/"
	}{
		{"flipped byte in a record", fileLog, flip(fileLogHeadLen + rec + fileRecordHead),
			"log offset 43: checksum mismatch"},
		{"bad log magic", fileLog, flip(0), "log offset 0: bad magic"},
		{"damaged log header", fileLog, flip(9), "log offset 0: header checksum mismatch"},
		{"record length beyond the limit", fileLog, func(b []byte) []byte {
			copy(b[fileLogHeadLen:], []byte{0xff, 0xff, 0xff, 0xff})
			return b
		}, "log offset 28: record length 4294967295 exceeds the limit"},
		{"gap in the indexes", fileLog, func([]byte) []byte { return gappy },
			"log offset 58: entry index 6 cannot follow index 4"},
		{"flipped byte in the state", fileState, flip(fileHeaderLen), "state offset 16: checksum mismatch"},
		{"state cut short", fileState, func(b []byte) []byte { return b[:10] }, "state offset 0: 10 bytes, too short"},
		{"flipped byte in the snapshot", fileSnapshot, flip(-1), "snapshot offset 16: checksum mismatch"},
		{"unknown snapshot version", fileSnapshot, flip(4), "snapshot: version 253, but this build reads only version 2"},
		{"snapshot missing under its log", fileSnapshot, func([]byte) []byte { return nil },
			"log offset 8: log follows index 2 term 1, but the snapshot is index 0 term 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeStorage(t, dir, func(s *FileStorage) error {
				if err := s.SaveHardState(HardState{CurrentTerm: 2, VotedFor: 1}); err != nil {
					return err
				}
				return s.SaveSnapshot(Snapshot{Index: 2, Term: 1, Data: []byte("at2")}, ents(3, 5, 1))
			})
			path := filepath.Join(dir, tc.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if b = tc.damage(b); b == nil {
				err = os.Remove(path)
			} else {
				err = os.WriteFile(path, b, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = openFileStorage(t, dir).Load()
			want := filepath.Join(dir, tc.want)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
				t.Errorf("Load after %s: got error %v, want ErrCorrupt containing %q", tc.name, err, want)
			}
		})
	}
}

// TestFileStorage_InterruptedSnapshot crashes SaveSnapshot between its two
// renames: the new snapshot is stored, the old log is still in place.
func TestFileStorage_InterruptedSnapshot(t *testing.T) {
	cases := []struct {
		name string
		snap Snapshot
		want string // the log after reopening and appending one entry
	}{
		{"log holds the snapshot's last entry", Snapshot{Index: 3, Term: 1}, "[4/1 5/1 6/3]"},
		{"log disagrees at the snapshot's index", Snapshot{Index: 3, Term: 2}, "[4/3]"},
		{"snapshot past the log", Snapshot{Index: 9, Term: 2}, "[10/3]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeStorage(t, dir, func(s *FileStorage) error { return s.Append(ents(1, 5, 1)) })
			if err := writeFileAtomic(dir, fileSnapshot, encodeSnapshot(tc.snap)); err != nil {
				t.Fatal(err)
			}
			// Load finishes the job; appending and reopening proves the log
			// on disk now starts right after the snapshot.
			s := openFileStorage(t, dir)
			saved := mustLoad(t, s)
			next := saved.Snapshot.Index + len(saved.Entries) + 1
			if err := s.Append(ents(next, next, 3)); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if got := logString(mustLoad(t, openFileStorage(t, dir))); got != tc.want {
				t.Errorf("snapshot %d/%d over log 1..5: got log %s, want %s", tc.snap.Index, tc.snap.Term, got, tc.want)
			}
		})
	}
}

// TestFileStorage_Size follows the log file as it grows by whole records,
// superseded ones included, and shrinks when SaveSnapshot rewrites it.
func TestFileStorage_Size(t *testing.T) {
	dir := t.TempDir()
	s := openFileStorage(t, dir)
	mustLoad(t, s)
	rec := len(mustRecords(t, ents(1, 1, 1))) // entries 1..9 all have this size
	steps := []struct {
		name             string
		do               func() error
		wantLog, wantSnp int
	}{
		{"empty", func() error { return nil }, fileLogHeadLen, 0},
		{"append 1..5", func() error { return s.Append(ents(1, 5, 1)) }, fileLogHeadLen + 5*rec, 0},
		{"overwrite 4..5", func() error { return s.Append(ents(4, 5, 2)) }, fileLogHeadLen + 7*rec, 0},
		{"snapshot at 3", func() error {
			return s.SaveSnapshot(Snapshot{Index: 3, Term: 1, Data: []byte("at3")}, ents(4, 5, 2))
		}, fileLogHeadLen + 2*rec, 3},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if l, n := s.Size(); l != step.wantLog || n != step.wantSnp {
			t.Errorf("after %s: got Size() %d, %d, want %d, %d", step.name, l, n, step.wantLog, step.wantSnp)
		}
	}
	s.Close()
	r := openFileStorage(t, dir)
	mustLoad(t, r)
	if l, n := r.Size(); l != fileLogHeadLen+2*rec || n != 3 {
		t.Errorf("after reopening: got Size() %d, %d, want %d, 3", l, n, fileLogHeadLen+2*rec)
	}
}

// ents returns entries lo..hi of one term, each with a short command.
func ents(lo, hi, term int) []Entry {
	var out []Entry
	for i := lo; i <= hi; i++ {
		out = append(out, Entry{Index: i, Term: term, Command: fmt.Appendf(nil, "cmd%d", i)})
	}
	return out
}

func openFileStorage(t testing.TB, dir string) *FileStorage {
	t.Helper()
	s, err := OpenFileStorage(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	t.Cleanup(func() { s.Close() })
	return s
}

// writeStorage loads the storage in dir, runs write, syncs and closes it.
func writeStorage(t *testing.T, dir string, write func(s *FileStorage) error) {
	t.Helper()
	s := openFileStorage(t, dir)
	mustLoad(t, s)
	if err := write(s); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func mustLoad(t testing.TB, s Storage) Saved {
	t.Helper()
	saved, err := s.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return saved
}

func mustRecords(t *testing.T, entries []Entry) []byte {
	t.Helper()
	b, err := appendRecords(nil, entries)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flip returns a damage function that inverts the byte at i (from the end
// when negative).
func flip(i int) func([]byte) []byte {
	return func(b []byte) []byte {
		if i < 0 {
			i += len(b)
		}
		b[i] ^= 0xff
		return b
	}
}

// savedString prints what a Load returned in a form tests can compare.
func savedString(s Saved) string {
	members := ""
	if s.Snapshot.Members != nil {
		var ms []string
		for _, m := range s.Snapshot.Members {
			ms = append(ms, fmt.Sprintf("%d@%s", m.ID, m.Addr))
		}
		members = fmt.Sprintf(" members %v", ms)
	}
	return fmt.Sprintf("term %d vote %d, snapshot %d/%d %q%s, log %s", s.HardState.CurrentTerm, s.HardState.VotedFor,
		s.Snapshot.Index, s.Snapshot.Term, s.Snapshot.Data, members, logString(s))
}

// logString prints each entry as index/term, checking that its command is
// the one ents gave it.
func logString(s Saved) string {
	var parts []string
	for _, e := range s.Entries {
		p := fmt.Sprintf("%d/%d", e.Index, e.Term)
		if e.Type != EntryCommand {
			p += fmt.Sprintf("(type %d)", e.Type)
		}
		if want := fmt.Sprintf("cmd%d", e.Index); string(e.Command) != want {
			p += fmt.Sprintf("(command %q)", e.Command)
		}
		parts = append(parts, p)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
