// Commands: what the key-value service writes into the Raft log, and how a
// command is encoded.
//
// Every operation, reads included, becomes a Command in the log, so every
// replica applies the same sequence and reaches the same state. A command
// carries everything its effect depends on: the client's identity and
// sequence number (for deduplication) and the leader's clock reading when it
// was proposed (for leases), because a replica must never consult its own
// clock while applying.

package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Op names an operation.
type Op uint8

// The operations of the key-value service.
const (
	OpGet            Op = iota + 1 // read a key
	OpPut                          // set a key
	OpAppend                       // append to a key's value
	OpCompareAndSwap               // set a key if its version is as expected
	OpDelete                       // remove a key
	OpGrant                        // create a lease with a time to live
	OpKeepAlive                    // renew a lease
	OpRevoke                       // end a lease and delete its keys
	OpTick                         // advance the state machine's clock; proposed by the leader
)

var opNames = map[Op]string{
	OpGet: "Get", OpPut: "Put", OpAppend: "Append", OpCompareAndSwap: "CompareAndSwap",
	OpDelete: "Delete", OpGrant: "Grant", OpKeepAlive: "KeepAlive", OpRevoke: "Revoke", OpTick: "Tick",
}

func (o Op) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("Op(%d)", o)
}

// Limits on what a command may carry. Larger requests are refused with
// ErrTooLarge before they reach the log.
const (
	MaxKeySize   = 1 << 10 // 1 KiB
	MaxValueSize = 1 << 20 // 1 MiB
)

// Command is one entry of the replicated log.
type Command struct {
	Op       Op
	Key      string
	Value    string
	Version  int64 // OpCompareAndSwap: the version expected (0: the key must not exist)
	Lease    int64 // attach the key to this lease (Put, CompareAndSwap); the lease for KeepAlive, Revoke
	TTL      int64 // OpGrant: the lease's time to live, in nanoseconds
	ClientID int64 // who sent it, for deduplication (0 for the leader's own Tick)
	Seq      int64 // the client's sequence number for this operation
	Now      int64 // the proposing leader's clock, Unix nanoseconds
}

// encode appends the command's binary form to buf. A hand-rolled format
// (rather than gob, which writes type information into each message) keeps
// every log entry small and fast to decode: the hot path of the service.
func (c *Command) encode(buf []byte) []byte {
	buf = append(buf, byte(c.Op))
	buf = binary.AppendUvarint(buf, uint64(len(c.Key)))
	buf = append(buf, c.Key...)
	buf = binary.AppendUvarint(buf, uint64(len(c.Value)))
	buf = append(buf, c.Value...)
	for _, v := range []int64{c.Version, c.Lease, c.TTL, c.ClientID, c.Seq, c.Now} {
		buf = binary.AppendVarint(buf, v)
	}
	return buf
}

var errBadCommand = errors.New("kv: malformed command")

// decodeCommand parses what encode wrote. Log entries come from disk and
// from the network, so any input gets an error, never a panic.
func decodeCommand(b []byte) (Command, error) {
	var c Command
	if len(b) == 0 {
		return c, errBadCommand
	}
	c.Op, b = Op(b[0]), b[1:]
	if _, ok := opNames[c.Op]; !ok {
		return c, fmt.Errorf("%w: unknown op %d", errBadCommand, c.Op)
	}
	var err error
	if c.Key, b, err = readString(b, MaxKeySize); err != nil {
		return c, fmt.Errorf("%w: key: %v", errBadCommand, err)
	}
	if c.Value, b, err = readString(b, MaxValueSize); err != nil {
		return c, fmt.Errorf("%w: value: %v", errBadCommand, err)
	}
	for _, p := range []*int64{&c.Version, &c.Lease, &c.TTL, &c.ClientID, &c.Seq, &c.Now} {
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

func readString(b []byte, limit int) (string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return "", nil, errors.New("truncated length")
	}
	b = b[k:]
	if n > uint64(limit) || n > uint64(len(b)) {
		return "", nil, fmt.Errorf("length %d out of range", n)
	}
	return string(b[:n]), b[n:], nil
}
