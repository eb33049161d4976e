// Commands: what the broker writes into the Raft log, and how a command is
// encoded.
//
// Everything that changes the broker's state is a Command in the log:
// produced batches, committed offsets, group membership, leases of the work
// queue. A command carries everything its effect depends on, the leader's
// clock reading included (Now), because a replica must never consult its
// own clock while applying: heartbeat expiry and visibility timeouts are
// decided by log time. The shape (one struct, a hand-rolled binary format,
// a decoder that never panics) is copied from pkg/kv's command.go.

package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// op names an operation of the log.
type op uint8

const (
	opCreateTopic op = iota + 1 // create a topic with Config
	opProduce                   // append Batch to Topic
	opJoin                      // Member joins Group on Topic
	opHeartbeat                 // Member of Group is alive
	opLeave                     // Member leaves Group
	opCommit                    // Group's offset for Partition becomes Offset
	opReceive                   // lease up to Max messages of Topic's work queue to Member
	opAck                       // the delivery (Partition, Offset, Delivery) is done
	opNack                      // the delivery failed, for Reason
	opTick                      // advance the machine's clock; proposed by the leader
)

var opNames = map[op]string{
	opCreateTopic: "CreateTopic", opProduce: "Produce", opJoin: "JoinGroup", opHeartbeat: "Heartbeat",
	opLeave: "LeaveGroup", opCommit: "Commit", opReceive: "Receive", opAck: "Ack", opNack: "Nack", opTick: "Tick",
}

func (o op) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("op(%d)", o)
}

// maxNameLen bounds topic, group and member names.
const maxNameLen = 255

// command is one entry of the replicated log. Each op uses a few fields;
// the others stay zero and cost a byte each in the encoding.
type command struct {
	Op     op
	Topic  string
	Group  string
	Member string // the group member, or the work-queue consumer
	Reason string // opNack
	Batch  []byte // opProduce: an encoded batch

	Partitions, MaxMessages, MaxBytes, MaxDeliveries int64 // opCreateTopic
	Flags                                            int64 // opCreateTopic: flagDiscardNew | flagDeleteAcked

	ProducerID, Seq int64 // opProduce: idempotent producer (0: none)
	Generation      int64 // opCommit
	Partition       int64 // opCommit, opAck, opNack
	Offset          int64 // opCommit, opAck, opNack
	Delivery        int64 // opAck, opNack: which delivery of the message
	Max             int64 // opReceive
	Duration        int64 // opJoin: session timeout; opReceive: visibility timeout (nanoseconds)
	Now             int64 // the proposing leader's clock, Unix nanoseconds
}

// Flags of opCreateTopic.
const (
	flagDiscardNew  = 1 << 0
	flagDeleteAcked = 1 << 1
)

// encode appends the command's binary form to buf.
func (c *command) encode(buf []byte) []byte {
	// Size the buffer once: a Produce command carries a whole batch, and
	// letting append grow the buffer would copy the batch several times.
	buf = slices.Grow(buf, 1+len(c.Topic)+len(c.Group)+len(c.Member)+len(c.Reason)+len(c.Batch)+
		5*binary.MaxVarintLen64+len(c.ints())*binary.MaxVarintLen64)
	buf = append(buf, byte(c.Op))
	for _, s := range []string{c.Topic, c.Group, c.Member, c.Reason} {
		buf = appendBytes(buf, s)
	}
	buf = appendBytes(buf, c.Batch)
	for _, v := range c.ints() {
		buf = binary.AppendVarint(buf, *v)
	}
	return buf
}

// ints lists the integer fields in encoding order.
func (c *command) ints() []*int64 {
	return []*int64{&c.Partitions, &c.MaxMessages, &c.MaxBytes, &c.MaxDeliveries, &c.Flags,
		&c.ProducerID, &c.Seq, &c.Generation, &c.Partition, &c.Offset, &c.Delivery, &c.Max, &c.Duration, &c.Now}
}

var errBadCommand = errors.New("queue: malformed command")

// decodeCommand parses what encode wrote. Log entries come from disk and
// from the network, so any input gets an error, never a panic. Batch
// aliases b: the stored messages share the log entry's memory.
func decodeCommand(b []byte) (command, error) {
	var c command
	if len(b) == 0 {
		return c, errBadCommand
	}
	c.Op, b = op(b[0]), b[1:]
	if _, ok := opNames[c.Op]; !ok {
		return c, fmt.Errorf("%w: unknown op %d", errBadCommand, c.Op)
	}
	for _, p := range []*string{&c.Topic, &c.Group, &c.Member, &c.Reason} {
		s, rest, err := readBytes(b)
		if err != nil || len(s) > maxNameLen {
			return c, fmt.Errorf("%w: bad name", errBadCommand)
		}
		*p, b = string(s), rest
	}
	batch, b, err := readBytes(b)
	if err != nil || len(batch) > MaxBatchBytes {
		return c, fmt.Errorf("%w: bad batch", errBadCommand)
	}
	if len(batch) > 0 {
		c.Batch = batch
	}
	for _, p := range c.ints() {
		v, n := binary.Varint(b)
		if n <= 0 {
			return c, fmt.Errorf("%w: truncated number", errBadCommand)
		}
		*p, b = v, b[n:]
	}
	if len(b) != 0 {
		return c, fmt.Errorf("%w: %d trailing bytes", errBadCommand, len(b))
	}
	return c, nil
}
