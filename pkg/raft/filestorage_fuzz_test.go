package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzLoadLog writes arbitrary bytes as the log, state and snapshot files
// (present says which exist: 1 log, 2 state, 4 snapshot; with 8, the
// checksums are fixed up first, so the fuzzer gets past them and exercises
// the decoding behind them). Load must return
// ErrCorrupt or a usable result, never panic: a usable result is a log of
// consecutive entries right after the snapshot that takes one more entry and
// loads again with it.
func FuzzLoadLog(f *testing.F) {
	dir := f.TempDir()
	s, err := OpenFileStorage(dir)
	if err != nil {
		f.Fatal(err)
	}
	_, err = s.Load()
	for _, do := range []func() error{
		func() error { return err },
		func() error { return s.SaveHardState(HardState{CurrentTerm: 3, VotedFor: 1}) },
		func() error {
			members := []Member{{ID: 1, Addr: "127.0.0.1:7001"}, {ID: 2, Addr: "127.0.0.1:7002"}}
			return s.SaveSnapshot(Snapshot{Index: 2, Term: 1, Data: []byte("at2"), Members: members}, ents(3, 4, 1))
		},
		func() error { return s.Append(ents(5, 8, 2)) },
		func() error { return s.Append(ents(6, 6, 3)) },
		func() error {
			config := encodeMembers(nil, []Member{{ID: 1, Addr: "127.0.0.1:7001"}, {ID: 3, Addr: "127.0.0.1:7003"}})
			return s.Append([]Entry{{Index: 7, Term: 3, Type: EntryConfig, Command: config}, {Index: 8, Term: 3, Type: EntryNoop}})
		},
		s.Close,
	} {
		if err := do(); err != nil {
			f.Fatal(err)
		}
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	logB, stateB, snapB := read(fileLog), read(fileState), read(fileSnapshot)
	f.Add(logB, stateB, snapB, uint8(7))
	f.Add(logB[:len(logB)-3], stateB, snapB, uint8(7))                              // torn tail
	f.Add(flip(40)(slices.Clone(logB)), stateB, snapB, uint8(7))                    // damaged record
	f.Add(append(slices.Clone(logB), make([]byte, 64)...), stateB, snapB, uint8(7)) // zero tail
	f.Add(logB, stateB, snapB, uint8(3))                                            // snapshot missing
	f.Add(fileLogHeader(0, 0), []byte{}, snapB, uint8(7))                           // empty state file
	f.Add(flip(36)(slices.Clone(logB)), stateB, snapB, uint8(15))                   // bad index, good checksum

	f.Fuzz(func(t *testing.T, logB, stateB, snapB []byte, present uint8) {
		dir := t.TempDir()
		if present&8 != 0 {
			logB, stateB, snapB = fixLogChecksums(logB), fixFileChecksum(stateB), fixFileChecksum(snapB)
		}
		for i, file := range []struct {
			name string
			b    []byte
		}{{fileLog, logB}, {fileState, stateB}, {fileSnapshot, snapB}} {
			if present&(1<<i) != 0 {
				if err := os.WriteFile(filepath.Join(dir, file.name), file.b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		open := func() *FileStorage {
			s := openFileStorage(t, dir)
			s.Logger = slog.New(slog.DiscardHandler)
			return s
		}
		s := open()
		saved, err := s.Load()
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Load: got error %v, want one wrapping ErrCorrupt", err)
			}
			return
		}
		next := Entry{Index: saved.Snapshot.Index + len(saved.Entries) + 1, Term: saved.Snapshot.Term}
		for i, e := range saved.Entries {
			if e.Index != saved.Snapshot.Index+1+i {
				t.Fatalf("Load: entry %d has index %d after snapshot %d", i, e.Index, saved.Snapshot.Index)
			}
			next.Term = e.Term
		}
		if err := s.Append([]Entry{next}); err != nil {
			t.Fatalf("Append %d after a good Load: %v", next.Index, err)
		}
		s.Close()
		again, err := open().Load()
		if err != nil {
			t.Fatalf("Load after appending %d: %v", next.Index, err)
		}
		want := saved
		want.Entries = append(slices.Clone(saved.Entries), next)
		if got, want := fmt.Sprint(again), fmt.Sprint(want); got != want {
			t.Fatalf("after appending one entry:\n got %s\nwant %s", got, want)
		}
	})
}

// fixFileChecksum makes the length and checksum of a state or snapshot
// file's header match whatever payload follows.
func fixFileChecksum(b []byte) []byte {
	if len(b) < fileHeaderLen {
		return b
	}
	b = slices.Clone(b)
	binary.LittleEndian.PutUint32(b[8:], uint32(len(b)-fileHeaderLen))
	binary.LittleEndian.PutUint32(b[12:], crc32.Checksum(b[fileHeaderLen:], castagnoli))
	return b
}

// fixLogChecksums makes the checksums of a log's header and of every
// complete record match their bytes.
func fixLogChecksums(b []byte) []byte {
	if len(b) < fileLogHeadLen {
		return b
	}
	b = slices.Clone(b)
	binary.LittleEndian.PutUint32(b[24:], crc32.Checksum(b[:24], castagnoli))
	for off := fileLogHeadLen; len(b)-off >= fileRecordHead; {
		n := int(binary.LittleEndian.Uint32(b[off:]))
		if n > len(b)-off-fileRecordHead {
			break
		}
		payload := b[off+fileRecordHead : off+fileRecordHead+n]
		binary.LittleEndian.PutUint32(b[off+4:], crc32.Checksum(payload, castagnoli))
		off += fileRecordHead + n
	}
	return b
}
