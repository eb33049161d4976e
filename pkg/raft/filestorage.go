// File-backed storage: Figure 2's persistent state in three files.
//
// A FileStorage directory holds:
//
//	state     the HardState, replaced whole on every change
//	snapshot  the latest Snapshot, replaced whole by SaveSnapshot
//	log       a header, then one checksummed record per appended entry
//
// state and snapshot are small or rare, so each change rewrites the file
// with write-and-rename (write a temporary file, fsync it, rename it over
// the old one, fsync the directory). The log is the hot path: Append adds
// its records with one write call and no fsync, and Sync fsyncs once for
// everything written so far, shared by every goroutine waiting on it. A
// follower's truncation is a record too: on Load the records are replayed
// with Append's own rule (an entry at or below the last index replaces the
// suffix from there), so Append never rewrites the file. Only SaveSnapshot
// does. The byte layout is in filestorage_format.go.
//
// A crash during an unsynced Append can leave the log ending in the middle
// of a record. Load drops that torn record, truncates the file and logs a
// warning: nobody was told the record was safe, because Sync had not
// returned. Anything else that fails a check (a complete record with a bad
// checksum, an index that leaves a gap, a bad header, a damaged state or
// snapshot file) is an error wrapping ErrCorrupt that names the file and the
// offset. Guessing past damage could resurrect a vote or an entry the node
// never made, so a node with corrupt storage refuses to start instead.

package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// FileStorage is a Storage kept in three files of one directory: state,
// snapshot and log (their layout is described at the top of filestorage.go
// and filestorage_format.go). Call Load once, before any other method but
// SaveHardState; after a failed write or fsync of the log (or a failed
// SaveSnapshot) every later log operation returns that error, because the
// file's state is then unknown: restart and Load again. Safe for concurrent
// use; Sync runs its fsync without blocking Append.
type FileStorage struct {
	// Logger receives a warning when Load drops a torn record. Set it
	// before Load; nil means slog.Default().
	Logger *slog.Logger

	dir string

	stateMu sync.Mutex // serializes SaveHardState's writes of the state file

	// syncMu is held across each fsync of the log and each replacement of
	// the log file, so the file Sync is flushing is never closed under it.
	// Lock order: syncMu, then mu.
	syncMu sync.Mutex

	mu        sync.Mutex
	log       *os.File // open for appending between Load and Close
	closed    bool
	err       error // the first failed write or fsync of the log; sticky
	snapIndex int   // the snapshot the log follows; Append refuses indexes at or below it
	lastIndex int   // the last entry in the log, snapIndex when there is none
	logSize   int   // bytes in the log file, superseded records included
	snapSize  int   // len(Data) of the stored snapshot
	buf       []byte

	// Group commit. written counts the Append calls whose bytes reached the
	// file, synced is the value of written that the last fsync covered. A
	// Sync caller needs synced to reach written as it was when it arrived;
	// if another caller's fsync already got there, it returns without one.
	written, synced uint64
}

// OpenFileStorage returns a FileStorage for dir, creating dir if missing.
// It reads nothing yet: Load does.
func OpenFileStorage(dir string) (*FileStorage, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("raft: open file storage: %w", err)
	}
	return &FileStorage{dir: dir}, nil
}

// Load reads the state and the snapshot and replays the log, dropping a torn
// final record (see the top of filestorage.go). Missing files mean an empty
// storage. Damage is reported as an error wrapping ErrCorrupt. If a crash
// interrupted SaveSnapshot, Load finishes its work. Call Load once.
func (s *FileStorage) Load() (Saved, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return Saved{}, s.closedError()
	case s.log != nil:
		return Saved{}, errors.New("raft: file storage: Load called twice")
	}

	saved := Saved{HardState: HardState{VotedFor: noVote}}
	if b, err := s.readFile(fileState); err != nil {
		return Saved{}, err
	} else if b != nil {
		if saved.HardState, err = decodeHardState(s.path(fileState), b); err != nil {
			return Saved{}, err
		}
	}
	if b, err := s.readFile(fileSnapshot); err != nil {
		return Saved{}, err
	} else if b != nil {
		if saved.Snapshot, err = decodeSnapshot(s.path(fileSnapshot), b); err != nil {
			return Saved{}, err
		}
	}

	logPath := s.path(fileLog)
	b, err := s.readFile(fileLog)
	if err != nil {
		return Saved{}, err
	}
	rewrite := b == nil // no log yet: write an empty one that follows the snapshot
	if b != nil {
		lc, err := decodeLog(logPath, b)
		if err != nil {
			return Saved{}, err
		}
		if saved.Entries, rewrite, err = followSnapshot(logPath, saved.Snapshot, lc); err != nil {
			return Saved{}, err
		}
		if !rewrite && lc.valid < len(b) {
			if err := truncateFile(logPath, lc.valid); err != nil {
				return Saved{}, err
			}
			s.logger().Warn("dropped torn log record",
				"file", logPath, "offset", lc.valid, "bytes", len(b)-lc.valid)
		}
		s.logSize = lc.valid
	}
	if rewrite {
		b, err := appendRecords(fileLogHeader(saved.Snapshot.Index, saved.Snapshot.Term), saved.Entries)
		if err != nil {
			return Saved{}, err
		}
		if err := writeFileAtomic(s.dir, fileLog, b); err != nil {
			return Saved{}, err
		}
		s.logSize = len(b)
	}
	if s.log, err = os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND, 0); err != nil {
		return Saved{}, fmt.Errorf("raft: file storage: %w", err)
	}
	s.snapIndex, s.lastIndex = saved.Snapshot.Index, saved.Snapshot.Index
	if n := len(saved.Entries); n > 0 {
		s.lastIndex = saved.Entries[n-1].Index
	}
	s.snapSize = len(saved.Snapshot.Data)
	return saved, nil
}

// SaveHardState durably replaces the state file with hs. Safe for
// concurrent use; it does not wait for Append or Sync.
func (s *FileStorage) SaveHardState(hs HardState) error {
	if hs.CurrentTerm < 0 || hs.CurrentTerm > fileMaxIndex || hs.VotedFor < noVote {
		return fmt.Errorf("raft: file storage: invalid hard state %+v", hs)
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return s.closedError()
	}
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	payload := binary.AppendVarint(nil, int64(hs.CurrentTerm))
	payload = binary.AppendVarint(payload, int64(hs.VotedFor))
	return writeFileAtomic(s.dir, fileState, encodeFile(fileStateMagic, payload))
}

// Append writes one record per entry with a single write call. The records
// are not durable until Sync returns. entries must hold consecutive indexes,
// the first past the snapshot and at most one past the last stored entry.
func (s *FileStorage) Append(entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	if first := entries[0].Index; first <= s.snapIndex || first > s.lastIndex+1 {
		return fmt.Errorf("raft: file storage: append at index %d leaves a gap in the log (snapshot %d, last %d)",
			first, s.snapIndex, s.lastIndex)
	}
	buf, err := appendRecords(s.buf[:0], entries)
	if err != nil {
		return err
	}
	if cap(buf) <= fileBufKeepSize {
		s.buf = buf
	}
	n, err := s.log.Write(buf)
	s.logSize += n
	if err != nil {
		// A partial record now sits in the middle of the file's future:
		// nothing more may be appended after it.
		s.err = fmt.Errorf("raft: file storage: append: %w", err)
		return s.err
	}
	s.lastIndex = entries[len(entries)-1].Index
	s.written++
	return nil
}

// Sync makes every record appended before the call durable. Concurrent
// callers share fsyncs: a caller whose records a finished fsync already
// covered returns at once, and one fsync covers everything written before
// it started, however many Append calls that was.
func (s *FileStorage) Sync() error {
	s.mu.Lock()
	want := s.written
	s.mu.Unlock()

	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	if err := s.usable(); err != nil {
		s.mu.Unlock()
		return err
	}
	if s.synced >= want {
		s.mu.Unlock()
		return nil // another caller's fsync covered our records
	}
	covers, f := s.written, s.log
	s.mu.Unlock()

	// Appends may go on while the disk works; they wait for the next Sync.
	err := f.Sync()

	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		// After a failed fsync the kernel may have dropped the dirty pages,
		// so retrying could report success for data that is gone.
		s.err = fmt.Errorf("raft: file storage: fsync log: %w", err)
		return s.err
	}
	s.synced = covers
	return nil
}

// SaveSnapshot durably stores snap and replaces the log with entries, which
// must start at snap.Index+1 with consecutive indexes.
//
// The snapshot goes first. A crash between the two renames leaves the new
// snapshot beside the old log, and that is safe: Load ignores the old log's
// entries at or below snap.Index, which the snapshot now covers, and treats
// the rest as Raft treats a follower's log when a snapshot is installed
// (Figure 13, steps 6 and 7): it keeps the entries after snap.Index if the
// log holds snap.Index with snap.Term, drops them otherwise, and finishes
// the rewrite. The other order could leave a log that starts after a
// snapshot that was never stored, with the entries in between lost.
func (s *FileStorage) SaveSnapshot(snap Snapshot, entries []Entry) error {
	if snap.Index < 0 || snap.Index > fileMaxIndex || snap.Term < 0 || snap.Term > fileMaxIndex {
		return fmt.Errorf("raft: file storage: invalid snapshot index %d term %d", snap.Index, snap.Term)
	}
	if len(entries) > 0 && entries[0].Index != snap.Index+1 {
		return fmt.Errorf("raft: file storage: entries start at %d, want %d after the snapshot",
			entries[0].Index, snap.Index+1)
	}
	logBytes, err := appendRecords(fileLogHeader(snap.Index, snap.Term), entries)
	if err != nil {
		return err
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	// From here on a failure leaves the files in a state this FileStorage
	// did not record, so it becomes sticky.
	if err := writeFileAtomic(s.dir, fileSnapshot, encodeSnapshot(snap)); err != nil {
		s.err = err
		return err
	}
	if err := writeFileAtomic(s.dir, fileLog, logBytes); err != nil {
		s.err = err
		return err
	}
	f, err := os.OpenFile(s.path(fileLog), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		s.err = fmt.Errorf("raft: file storage: %w", err)
		return s.err
	}
	s.log.Close() // the old log is unlinked and superseded; nothing to report
	s.log = f
	s.snapIndex, s.lastIndex = snap.Index, snap.Index
	if len(entries) > 0 {
		s.lastIndex = entries[len(entries)-1].Index
	}
	s.logSize, s.snapSize = len(logBytes), len(snap.Data)
	s.synced = s.written // the new log was fsynced whole
	return nil
}

// Close fsyncs and closes the log. Later calls return an error wrapping
// os.ErrClosed; a second Close returns nil.
func (s *FileStorage) Close() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.log == nil {
		return nil
	}
	err := s.log.Sync()
	if cerr := s.log.Close(); err == nil {
		err = cerr
	}
	s.log = nil
	if err != nil {
		return fmt.Errorf("raft: file storage: close log: %w", err)
	}
	return nil
}

// Size reports the bytes in the log file (superseded records included, since
// they take disk space until the next SaveSnapshot rewrites the file) and the
// bytes of snapshot data, so a service can decide when to snapshot. Safe for
// concurrent use.
func (s *FileStorage) Size() (logBytes, snapshotBytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logSize, s.snapSize
}

// usable reports why the log cannot be written, if it cannot. Callers hold mu.
func (s *FileStorage) usable() error {
	switch {
	case s.closed:
		return s.closedError()
	case s.err != nil:
		return s.err
	case s.log == nil:
		return errors.New("raft: file storage: Load has not been called")
	}
	return nil
}

func (s *FileStorage) closedError() error {
	return fmt.Errorf("raft: file storage %s: %w", s.dir, os.ErrClosed)
}

func (s *FileStorage) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *FileStorage) path(name string) string { return filepath.Join(s.dir, name) }
