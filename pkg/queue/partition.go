// Partitions: how a replica stores a partition's messages, and drops the
// oldest ones.
//
// A partition only ever grows at the end and shrinks at the front, and
// every replica holds all of it in memory. One big slice would do, but a
// slice grows by allocating a larger one and copying every message into
// it, again and again as the partition grows: under load that copying (and
// the garbage collector scanning the copies) was the broker's largest
// cost. So messages live in fixed-size chunks instead, the way Kafka keeps
// a partition in segment files: appending fills the last chunk or starts a
// new one and never moves a stored message, and retention drops whole
// chunks from the front.

package queue

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// chunkSize is how many messages one chunk holds. Large enough that the
// list of chunks stays short, small enough that a chunk (about 90 KB) is
// cheap to allocate. Snapshots record the messages, not the chunks (see
// partitionSnapshot), so a build with another chunkSize reads them.
const chunkSize = 1024

// partition is an append-only sequence of messages, from offset Base (the
// messages below it were dropped by retention) to end(). The work-queue
// fields say which messages Receive handed out (see workqueue.go).
//
// Chunks[k] holds the offsets from start+k*chunkSize on, where start is
// Base rounded down to a multiple of chunkSize: chunk boundaries sit at
// fixed offsets, so finding a message is a division. Every chunk but the
// last is full. The slots of Chunks[0] below Base are dropped messages,
// zeroed. With no chunks the partition is empty and Base is a multiple of
// chunkSize.
type partition struct {
	Base   int64
	Chunks [][]Message
	Bytes  int64 // sum of the sizes of the kept messages

	Next    int64               // work queue: the first offset Receive never delivered
	Pending map[int64]*delivery // work queue: delivered, not yet acknowledged
}

// end is the offset the next message will get.
func (p *partition) end() int64 {
	if len(p.Chunks) == 0 {
		return p.Base
	}
	start := p.Base - p.Base%chunkSize
	return start + int64(len(p.Chunks)-1)*chunkSize + int64(len(p.Chunks[len(p.Chunks)-1]))
}

// len is the number of messages kept.
func (p *partition) len() int64 { return p.end() - p.Base }

// at returns the message at off, which must be in [Base, end()). The
// message is shared with the machine and must not be modified.
func (p *partition) at(off int64) *Message {
	return &p.Chunks[off/chunkSize-p.Base/chunkSize][off%chunkSize]
}

// append stores msg at the end of p and returns where.
func (p *partition) append(msg Message) Position {
	msg.Offset = p.end()
	if n := len(p.Chunks); n == 0 || len(p.Chunks[n-1]) == chunkSize {
		// A partition's first chunk grows like any slice, so that a topic
		// with few messages stays small; later chunks get their full size
		// at once and are never copied.
		var c []Message
		if msg.Offset >= chunkSize {
			c = make([]Message, 0, chunkSize)
		}
		p.Chunks = append(p.Chunks, c)
	}
	last := &p.Chunks[len(p.Chunks)-1]
	*last = append(*last, msg)
	p.Bytes += int64(msg.size())
	return Position{Partition: msg.Partition, Offset: msg.Offset}
}

// enforceLimits drops the oldest messages while p is over its limits (a
// DiscardNew partition never is: produce refused the batch), and with
// DeleteAcked also the prefix the work queue has finished with.
func (p *partition) enforceLimits(cfg TopicConfig) {
	for p.len() > 0 {
		over := (cfg.MaxMessages > 0 && p.len() > cfg.MaxMessages) ||
			(cfg.MaxBytes > 0 && p.Bytes > cfg.MaxBytes)
		done := cfg.DeleteAcked && p.Base < p.Next && p.Pending[p.Base] == nil
		if !over && !done {
			break
		}
		p.dropFirst()
	}
	p.Next = max(p.Next, p.Base)
}

// dropFirst drops the message at Base, and its chunk once it is the
// chunk's last.
func (p *partition) dropFirst() {
	msg := p.at(p.Base)
	p.Bytes -= int64(msg.size())
	*msg = Message{}          // let the collector have its key and value
	delete(p.Pending, p.Base) // a dropped message cannot be redelivered
	p.Base++
	if p.Base%chunkSize == 0 {
		p.Chunks[0] = nil
		p.Chunks = p.Chunks[1:]
	}
}

// slice returns the messages in [from, to), which must lie within [Base,
// end()], as runs of consecutive messages: one per chunk it touches. The
// runs share the chunks' memory, with their capacity capped so that an
// append by the caller cannot write into a chunk.
func (p *partition) slice(from, to int64) [][]Message {
	var runs [][]Message
	for from < to {
		c := p.Chunks[from/chunkSize-p.Base/chunkSize]
		i := from % chunkSize
		j := min(int64(len(c)), i+to-from)
		runs = append(runs, c[i:j:j])
		from += j - i
	}
	return runs
}

// wellFormed checks the chunk layout of a partition decoded from a
// snapshot, so that damage is an error, never an index out of range later.
func (p *partition) wellFormed() bool {
	if len(p.Chunks) == 0 {
		return p.Base%chunkSize == 0 && p.Next <= p.Base
	}
	for k, c := range p.Chunks {
		if len(c) > chunkSize || (k < len(p.Chunks)-1 && len(c) != chunkSize) {
			return false
		}
	}
	return p.Base%chunkSize <= int64(len(p.Chunks[0])) && p.Next <= p.end()
}

// partitionSnapshot is what gob stores of a partition in a snapshot: the
// counters and the work queue's deliveries. The messages follow the gob
// part of the snapshot in the fetch format (see machine.snapshot): left to
// gob's reflection, each message would be encoded field by field, and
// encoding the snapshot, which every replica does under its lock, stalled
// a busy broker for as long as it took.
type partitionSnapshot struct {
	Base    int64
	Next    int64
	Pending map[int64]*delivery
}

// GobEncode encodes p for a snapshot, without its messages.
func (p *partition) GobEncode() ([]byte, error) {
	var buf bytes.Buffer
	snap := partitionSnapshot{Base: p.Base, Next: p.Next, Pending: p.Pending}
	if err := gob.NewEncoder(&buf).Encode(&snap); err != nil {
		return nil, fmt.Errorf("encode partition: %w", err)
	}
	return buf.Bytes(), nil
}

// GobDecode decodes GobEncode's bytes into an empty partition at Base;
// restore then puts the messages back.
func (p *partition) GobDecode(b []byte) error {
	var snap partitionSnapshot
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&snap); err != nil {
		return fmt.Errorf("decode partition: %w", err)
	}
	if snap.Base < 0 || snap.Next < snap.Base {
		return fmt.Errorf("decode partition: base %d, next %d", snap.Base, snap.Next)
	}
	*p = partition{Base: snap.Base, Next: snap.Next, Pending: snap.Pending}
	return nil
}

// restore appends msgs, a snapshot's messages of p, to the partition that
// GobDecode left: the same chunks, in the same places, as append made
// them. The messages must start at Base and follow each other.
func (p *partition) restore(msgs []Message) error {
	if len(p.Chunks) > 0 {
		return fmt.Errorf("restore partition: already holds messages")
	}
	if skip := p.Base % chunkSize; skip > 0 {
		// The first chunk's slots below Base held dropped messages.
		p.Chunks = [][]Message{make([]Message, skip, chunkSize)}
	}
	for _, m := range msgs {
		if m.Offset != p.end() {
			return fmt.Errorf("restore partition: message at offset %d where %d belongs", m.Offset, p.end())
		}
		p.append(m)
	}
	if p.Next > p.end() {
		return fmt.Errorf("restore partition: work queue at %d, past the end %d", p.Next, p.end())
	}
	return nil
}
