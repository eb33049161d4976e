// The bytes FileStorage writes, and the checks Load makes on them.
//
// state and snapshot share one layout: a 16-byte header of little-endian
// uint32s, then the payload.
//
//	[magic][version][payload length][CRC-32C of the payload][payload]
//	state payload    = varint CurrentTerm, varint VotedFor
//	snapshot payload = uvarint Index, uvarint Term, Members, Data
//
// Members is the configuration at the snapshot (membership.go): uvarint
// count+1, or 0 for none recorded, then per member uvarint ID, uvarint
// address length and the address.
//
// The log opens with a 28-byte header: magic and version (uint32s), the index
// and term of the snapshot the log follows (uint64s), and the CRC-32C of
// those first 24 bytes. Records follow, one per entry:
//
//	[payload length uint32][CRC-32C of the payload uint32][payload]
//	payload = uvarint Index, uvarint Term, Type byte, Command
//
// Version 1 had neither Type nor Members; Load refuses it rather than guess.
//
// CRC-32C (Castagnoli) is the checksum of iSCSI, ext4 and most write-ahead
// logs; modern CPUs compute it in hardware and hash/crc32 uses that. Varints
// keep a small entry small: index and term usually fit in a few bytes.
//
// One case is ambiguous: a length field damaged so that its record reaches
// past the end of the file looks exactly like a record torn by a crash.
// Lengths above fileMaxRecord cannot come from Append and are reported as
// corruption, which narrows the ambiguity.

package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// File names inside a FileStorage directory, and the layout constants.
const (
	fileState    = "state"
	fileSnapshot = "snapshot"
	fileLog      = "log"

	fileVersion     = 2
	fileHeaderLen   = 16 // magic, version, payload length, checksum
	fileLogHeadLen  = 28 // magic, version, base index, base term, checksum
	fileRecordHead  = 8  // payload length, checksum
	fileMaxRecord   = 64 << 20
	fileMaxIndex    = math.MaxInt / 2 // keeps index+1 and friends from overflowing
	fileBufKeepSize = 1 << 20         // Append keeps an encoding buffer up to this size
)

// The first four bytes of each file, so a file swapped for another (or for
// something that is not ours at all) fails at offset 0.
var (
	fileStateMagic    = []byte("RFhs")
	fileSnapshotMagic = []byte("RFsn")
	fileLogMagic      = []byte("RFlg")
	castagnoli        = crc32.MakeTable(crc32.Castagnoli)
)

// encodeFile frames payload as a state or snapshot file.
func encodeFile(magic, payload []byte) []byte {
	b := make([]byte, fileHeaderLen, fileHeaderLen+len(payload))
	copy(b, magic)
	binary.LittleEndian.PutUint32(b[4:], fileVersion)
	binary.LittleEndian.PutUint32(b[8:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[12:], crc32.Checksum(payload, castagnoli))
	return append(b, payload...)
}

// decodeFile checks the frame of a state or snapshot file and returns its
// payload. The file was renamed into place whole, so any mismatch is damage.
func decodeFile(path string, magic, b []byte) ([]byte, error) {
	switch {
	case len(b) < fileHeaderLen:
		return nil, fileCorrupt(path, 0, "%d bytes, too short for the header", len(b))
	case string(b[:4]) != string(magic):
		return nil, fileCorrupt(path, 0, "bad magic %q, want %q", b[:4], magic)
	case binary.LittleEndian.Uint32(b[4:]) != fileVersion:
		return nil, fileVersionError(path, b)
	case uint64(binary.LittleEndian.Uint32(b[8:])) != uint64(len(b)-fileHeaderLen):
		return nil, fileCorrupt(path, 8, "payload length %d, but the file holds %d",
			binary.LittleEndian.Uint32(b[8:]), len(b)-fileHeaderLen)
	case crc32.Checksum(b[fileHeaderLen:], castagnoli) != binary.LittleEndian.Uint32(b[12:]):
		return nil, fileCorrupt(path, fileHeaderLen, "checksum mismatch")
	}
	return b[fileHeaderLen:], nil
}

func decodeHardState(path string, b []byte) (HardState, error) {
	payload, err := decodeFile(path, fileStateMagic, b)
	if err != nil {
		return HardState{}, err
	}
	r := fileReader{b: payload}
	hs := HardState{CurrentTerm: r.varint(), VotedFor: r.varint()}
	if r.bad || len(r.b) > 0 || hs.CurrentTerm < 0 || hs.VotedFor < noVote {
		return HardState{}, fileCorrupt(path, fileHeaderLen, "undecodable hard state")
	}
	return hs, nil
}

func encodeSnapshot(snap Snapshot) []byte {
	payload := binary.AppendUvarint(nil, uint64(snap.Index))
	payload = binary.AppendUvarint(payload, uint64(snap.Term))
	payload = encodeMembers(payload, snap.Members)
	return encodeFile(fileSnapshotMagic, append(payload, snap.Data...))
}

func decodeSnapshot(path string, b []byte) (Snapshot, error) {
	payload, err := decodeFile(path, fileSnapshotMagic, b)
	if err != nil {
		return Snapshot{}, err
	}
	r := fileReader{b: payload}
	snap := Snapshot{Index: r.uvarint(), Term: r.uvarint()}
	snap.Members = r.members()
	if r.bad {
		return Snapshot{}, fileCorrupt(path, fileHeaderLen, "undecodable snapshot header")
	}
	if len(r.b) > 0 {
		snap.Data = slices.Clone(r.b)
	}
	return snap, nil
}

// fileLogHeader returns the header of a log that follows the snapshot
// (index, term).
func fileLogHeader(index, term int) []byte {
	b := make([]byte, fileLogHeadLen)
	copy(b, fileLogMagic)
	binary.LittleEndian.PutUint32(b[4:], fileVersion)
	binary.LittleEndian.PutUint64(b[8:], uint64(index))
	binary.LittleEndian.PutUint64(b[16:], uint64(term))
	binary.LittleEndian.PutUint32(b[24:], crc32.Checksum(b[:24], castagnoli))
	return b
}

// appendRecords appends one log record per entry to buf. It refuses what a
// later Load would call corrupt: indexes that are not consecutive, negative
// or oversized numbers, a command too long for one record.
func appendRecords(buf []byte, entries []Entry) ([]byte, error) {
	for i, e := range entries {
		if i > 0 && e.Index != entries[0].Index+i {
			return nil, fmt.Errorf("raft: file storage: entry %d follows entry %d", e.Index, entries[i-1].Index)
		}
		if e.Index < 1 || e.Index > fileMaxIndex || e.Term < 0 || e.Term > fileMaxIndex ||
			e.Type > EntryNoop || len(e.Command) > fileMaxRecord-2*binary.MaxVarintLen64-1 {
			return nil, fmt.Errorf("raft: file storage: cannot store entry %d term %d of type %d with a %d-byte command",
				e.Index, e.Term, e.Type, len(e.Command))
		}
		start := len(buf)
		buf = append(buf, make([]byte, fileRecordHead)...) // filled in below
		buf = binary.AppendUvarint(buf, uint64(e.Index))
		buf = binary.AppendUvarint(buf, uint64(e.Term))
		buf = append(buf, byte(e.Type))
		buf = append(buf, e.Command...)
		payload := buf[start+fileRecordHead:]
		binary.LittleEndian.PutUint32(buf[start:], uint32(len(payload)))
		binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, castagnoli))
	}
	return buf, nil
}

// logContents is what replaying a log file yields.
type logContents struct {
	baseIndex, baseTerm int     // the snapshot the log follows
	entries             []Entry // after replay: consecutive, from baseIndex+1
	valid               int     // bytes up to the end of the last complete record
}

// decodeLog replays the records of a log file. It stops at a torn final
// record (valid then ends before the file does) and reports every other
// failed check as ErrCorrupt.
func decodeLog(path string, b []byte) (logContents, error) {
	var lc logContents
	switch {
	case len(b) < fileLogHeadLen:
		return lc, fileCorrupt(path, 0, "%d bytes, too short for the header", len(b))
	case string(b[:4]) != string(fileLogMagic):
		return lc, fileCorrupt(path, 0, "bad magic %q, want %q", b[:4], fileLogMagic)
	case binary.LittleEndian.Uint32(b[4:]) != fileVersion:
		return lc, fileVersionError(path, b)
	case crc32.Checksum(b[:24], castagnoli) != binary.LittleEndian.Uint32(b[24:]):
		return lc, fileCorrupt(path, 0, "header checksum mismatch")
	}
	bi, bt := binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[16:])
	if bi > fileMaxIndex || bt > fileMaxIndex {
		return lc, fileCorrupt(path, 8, "impossible base index %d term %d", bi, bt)
	}
	lc.baseIndex, lc.baseTerm = int(bi), int(bt)

	off := fileLogHeadLen
	for off < len(b) {
		rest := b[off:]
		if len(rest) < fileRecordHead {
			break // torn in the record header
		}
		n := binary.LittleEndian.Uint32(rest)
		if n > fileMaxRecord {
			return lc, fileCorrupt(path, off, "record length %d exceeds the limit %d", n, fileMaxRecord)
		}
		if uint64(len(rest)-fileRecordHead) < uint64(n) {
			break // torn in the payload
		}
		payload := rest[fileRecordHead : fileRecordHead+n]
		if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(rest[4:]) {
			return lc, fileCorrupt(path, off, "checksum mismatch")
		}
		r := fileReader{b: payload}
		e := Entry{Index: r.uvarint(), Term: r.uvarint()}
		if r.bad || len(r.b) == 0 || EntryType(r.b[0]) > EntryNoop {
			return lc, fileCorrupt(path, off, "undecodable entry")
		}
		e.Type, r.b = EntryType(r.b[0]), r.b[1:]
		e.Command = slices.Clone(r.b) // copied: the file's bytes can then be freed
		if len(e.Command) == 0 {
			e.Command = nil
		}
		last := lc.baseIndex + len(lc.entries)
		if e.Index <= lc.baseIndex || e.Index > last+1 {
			return lc, fileCorrupt(path, off, "entry index %d cannot follow index %d (log starts after %d)",
				e.Index, last, lc.baseIndex)
		}
		// Append's rule: an entry at or below the last index replaces the
		// suffix from there on.
		lc.entries = append(lc.entries[:e.Index-lc.baseIndex-1], e)
		off += fileRecordHead + int(n)
	}
	// Here every record before off passed its checks, and whatever lies
	// from off to the end of the file is shorter than the record it begins.
	lc.valid = off
	return lc, nil
}

// followSnapshot returns the entries of a replayed log that follow snap, and
// whether the log file must be rewritten to start right after snap.
func followSnapshot(path string, snap Snapshot, lc logContents) ([]Entry, bool, error) {
	switch {
	case lc.baseIndex == snap.Index && lc.baseTerm == snap.Term:
		return lc.entries, false, nil
	case lc.baseIndex >= snap.Index:
		// SaveSnapshot stores the snapshot before the log, so a log that
		// follows a newer or different snapshot than the stored one is damage.
		return nil, false, fileCorrupt(path, 8, "log follows index %d term %d, but the snapshot is index %d term %d",
			lc.baseIndex, lc.baseTerm, snap.Index, snap.Term)
	}
	// The log predates the snapshot: SaveSnapshot crashed between its two
	// renames. Figure 13, steps 6 and 7: keep the entries after the
	// snapshot if the log holds its last entry with the same term,
	// otherwise discard the whole log.
	i := snap.Index - lc.baseIndex - 1 // position of entry snap.Index
	if i < len(lc.entries) && lc.entries[i].Term == snap.Term {
		return lc.entries[i+1:], true, nil
	}
	return nil, true, nil
}

// fileReader decodes the integers at the front of a payload, remembering
// whether any was malformed or out of range.
type fileReader struct {
	b   []byte
	bad bool
}

func (r *fileReader) uvarint() int {
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > fileMaxIndex {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

func (r *fileReader) varint() int {
	v, n := binary.Varint(r.b)
	if n <= 0 || v < -fileMaxIndex || v > fileMaxIndex {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

// fileVersionError builds the error for a file of another format version.
// It wraps ErrCorrupt too: to this build the file is unreadable all the
// same, and a damaged version field looks exactly like it.
func fileVersionError(path string, b []byte) error {
	return fmt.Errorf("%w (%w): %s: version %d, but this build reads only version %d",
		ErrVersion, ErrCorrupt, path, binary.LittleEndian.Uint32(b[4:]), fileVersion)
}

// fileCorrupt builds the error for damage found in path at offset off.
func fileCorrupt(path string, off int, format string, args ...any) error {
	return fmt.Errorf("%w: %s offset %d: %s", ErrCorrupt, path, off, fmt.Sprintf(format, args...))
}

// readFile returns the bytes of a file in the directory, or nil and no
// error if it does not exist.
func (s *FileStorage) readFile(name string) ([]byte, error) {
	b, err := os.ReadFile(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("raft: file storage: %w", err)
	}
	if b == nil {
		b = []byte{} // present but empty: damaged, not missing
	}
	return b, nil
}

// writeFileAtomic replaces dir/name with data: write a temporary file, fsync
// it, rename it over the old one, fsync the directory so the rename lasts. A
// crash leaves the old file or the new one, never a mixture, and at worst a
// stray name.tmp that the next write overwrites.
func writeFileAtomic(dir, name string, data []byte) error {
	path := filepath.Join(dir, name)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("raft: file storage: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("raft: file storage: write %s: %w", path, err)
	}
	return nil
}

// truncateFile cuts the file to size and makes the cut durable before
// anything is appended after it.
func truncateFile(path string, size int) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("raft: file storage: %w", err)
	}
	err = f.Truncate(int64(size))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("raft: file storage: truncate %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
