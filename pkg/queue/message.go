// Messages, and the batch format that carries them.
//
// A batch of messages is encoded once, by the producer, and the same bytes
// travel in the Produce RPC, sit in the Raft log and are decoded by every
// replica when it applies them. Kafka's record batch works the same way: one
// format on the wire, in the log and on disk, so the broker never re-encodes
// what it stores. A fetch answers with the same record format, each record
// prefixed by its offset and log time.

package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"
)

// Limits on what a producer may send. Larger messages and batches are
// refused with ErrTooLarge before they reach the log.
const (
	MaxMessageBytes  = 1 << 20 // key + value + headers of one message
	MaxBatchBytes    = 8 << 20 // one encoded batch
	MaxBatchMessages = 1 << 16
)

// Message is one message of a topic. A producer sets Key, Value and
// Headers; the broker sets Partition, Offset and Time when it stores it.
type Message struct {
	Key     string            // picks the partition: one key, one partition, one order
	Value   []byte            // the payload
	Headers map[string]string // metadata; the broker adds "dead-letter-reason" and friends

	Partition int       // set by the broker
	Offset    int64     // set by the broker: the position in the partition
	Time      time.Time // set by the broker: the leader's clock when the batch was proposed
}

// size is what a message counts against MaxMessageBytes and a topic's
// MaxBytes.
func (m *Message) size() int {
	n := len(m.Key) + len(m.Value)
	for k, v := range m.Headers {
		n += len(k) + len(v)
	}
	return n
}

// PartitionFor returns the partition a key maps to in a topic of n
// partitions: FNV-1a of the key, modulo n. Every message with one key lands
// in one partition, which is what keeps their order.
func PartitionFor(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

// encodeBatch writes msgs in the batch format: a count, then each record.
func encodeBatch(msgs []Message) []byte {
	size := 8
	for i := range msgs {
		size += msgs[i].size() + 16
	}
	buf := binary.AppendUvarint(make([]byte, 0, size), uint64(len(msgs)))
	for i := range msgs {
		buf = appendRecord(buf, &msgs[i])
	}
	return buf
}

// appendRecord writes one message's key, value and headers. Headers go in
// sorted order so that equal messages encode to equal bytes.
func appendRecord(buf []byte, m *Message) []byte {
	buf = appendBytes(buf, m.Key)
	buf = appendBytes(buf, m.Value)
	buf = binary.AppendUvarint(buf, uint64(len(m.Headers)))
	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		buf = appendBytes(buf, k)
		buf = appendBytes(buf, m.Headers[k])
	}
	return buf
}

func appendBytes[T string | []byte](buf []byte, s T) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

var errBadBatch = errors.New("queue: malformed batch")

// decodeBatch parses what encodeBatch wrote. The bytes come from the
// network and from the log, so anything gets an error, never a panic.
func decodeBatch(b []byte) ([]Message, error) { return decodeBatchInto(nil, b) }

// decodeBatchInto is decodeBatch into dst's memory: it returns dst resized
// to the batch, growing it only if the batch is larger. The state machine
// decodes every batch it applies into the same slice (its messages are
// copied into the partitions), which spares each replica an allocation per
// batch.
func decodeBatchInto(dst []Message, b []byte) ([]Message, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > MaxBatchMessages || n > uint64(len(b)) {
		return nil, fmt.Errorf("%w: bad message count", errBadBatch)
	}
	b = b[k:]
	msgs := slices.Grow(dst[:0], int(n))[:n]
	clear(msgs) // a reused slot must not keep the headers of an old message
	for i := range msgs {
		var err error
		if b, err = readRecord(b, &msgs[i]); err != nil {
			return nil, fmt.Errorf("%w: message %d: %v", errBadBatch, i, err)
		}
		if size := msgs[i].size(); size > MaxMessageBytes {
			return nil, fmt.Errorf("%w: message %d has %d bytes", ErrTooLarge, i, size)
		}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errBadBatch, len(b))
	}
	return msgs, nil
}

// readRecord parses one record into m and returns the rest of b.
func readRecord(b []byte, m *Message) ([]byte, error) {
	key, b, err := readBytes(b)
	if err != nil {
		return nil, fmt.Errorf("key: %v", err)
	}
	value, b, err := readBytes(b)
	if err != nil {
		return nil, fmt.Errorf("value: %v", err)
	}
	m.Key, m.Value = string(key), value
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errors.New("bad header count")
	}
	b = b[k:]
	if n > 0 {
		m.Headers = make(map[string]string, n)
	}
	for range n {
		var hk, hv []byte
		if hk, b, err = readBytes(b); err != nil {
			return nil, fmt.Errorf("header: %v", err)
		}
		if hv, b, err = readBytes(b); err != nil {
			return nil, fmt.Errorf("header: %v", err)
		}
		m.Headers[string(hk)] = string(hv)
	}
	return b, nil
}

// readBytes reads a length-prefixed field. The result aliases b.
func readBytes(b []byte) ([]byte, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, nil, errors.New("truncated length")
	}
	b = b[k:]
	if n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("length %d out of range", n)
	}
	return b[:n:n], b[n:], nil
}

// encodeFetched writes stored messages for a fetch reply: a count, then for
// each its offset and log time (both varints) and its record. The messages
// come as runs (a partition hands out one per chunk, see partition.slice),
// written one after the other. The buffer is sized up front: a fetch may
// carry thousands of messages, and growing it would copy them repeatedly.
func encodeFetched(buf []byte, runs ...[]Message) []byte {
	n, size := 0, 0
	for _, msgs := range runs {
		n += len(msgs)
		for i := range msgs {
			size += msgs[i].size() + 32 // two varints, three lengths, a header count
		}
	}
	buf = slices.Grow(buf, size+binary.MaxVarintLen64)
	buf = binary.AppendUvarint(buf, uint64(n))
	for _, msgs := range runs {
		for i := range msgs {
			buf = binary.AppendVarint(buf, msgs[i].Offset)
			buf = binary.AppendVarint(buf, msgs[i].Time.UnixNano())
			buf = appendRecord(buf, &msgs[i])
		}
	}
	return buf
}

// decodeFetched parses a fetch reply's messages of one partition.
func decodeFetched(b []byte, partition int) ([]Message, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, fmt.Errorf("%w: bad message count", errBadBatch)
	}
	b = b[k:]
	msgs := make([]Message, n)
	for i := range msgs {
		off, k1 := binary.Varint(b)
		if k1 <= 0 {
			return nil, fmt.Errorf("%w: truncated offset", errBadBatch)
		}
		ts, k2 := binary.Varint(b[k1:])
		if k2 <= 0 {
			return nil, fmt.Errorf("%w: truncated time", errBadBatch)
		}
		var err error
		if b, err = readRecord(b[k1+k2:], &msgs[i]); err != nil {
			return nil, fmt.Errorf("%w: message %d: %v", errBadBatch, i, err)
		}
		msgs[i].Partition, msgs[i].Offset, msgs[i].Time = partition, off, time.Unix(0, ts)
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errBadBatch, len(b))
	}
	return msgs, nil
}
