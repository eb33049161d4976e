// Log entries: what a group writes into its Raft log. Client operations
// are pkg/kv commands in pkg/kv's own compact encoding; the group's own
// bookkeeping (a new configuration, an arriving shard, a deletion, an
// acknowledgment) travels in a small gob-encoded record. Everything that
// changes a group's state goes through its log, so every replica changes
// the same way at the same point, and only the leader ever decides to
// propose one: a replica never consults its clock or the network while
// applying.

package shardkv

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"

	"distkit/pkg/kv"
	"distkit/pkg/shardctl"
)

// entryKind is the first byte of every entry.
type entryKind byte

const (
	entryOp      entryKind = iota + 1 // a client's kv.Command
	entryConfig                       // move to Config
	entryInstall                      // the data of shard Shard for config Num arrived
	entryDelete                       // the new owner of Shard has it: free our copy
	entryAcked                        // the old owner of Shard freed its copy
	entryNoop                         // a new leader's first entry: changes nothing (migrate.go)
)

// control is the payload of every entry but entryOp.
type control struct {
	Config shardctl.Config // entryConfig
	Num    int             // configuration the entry belongs to
	Shard  int
	Data   []byte // entryInstall: the shard's kv.Machine snapshot
}

func encodeOp(c *kv.Command) []byte {
	return c.Encode([]byte{byte(entryOp)})
}

func encodeControl(kind entryKind, ctl control) []byte {
	var buf bytes.Buffer
	buf.WriteByte(byte(kind))
	if err := gob.NewEncoder(&buf).Encode(&ctl); err != nil {
		panic(fmt.Sprintf("shardkv: encode entry: %v", err)) // a control always encodes
	}
	return buf.Bytes()
}

var errBadEntry = errors.New("shardkv: malformed log entry")

// decodeEntry splits an entry into its kind and payload. Entries come from
// disk and from the network: bad bytes give an error, never a panic.
func decodeEntry(b []byte) (entryKind, kv.Command, control, error) {
	var c kv.Command
	var ctl control
	if len(b) == 0 {
		return 0, c, ctl, errBadEntry
	}
	kind := entryKind(b[0])
	switch kind {
	case entryNoop:
		if len(b) != 1 {
			return 0, c, ctl, fmt.Errorf("%w: a no-op with %d bytes of payload", errBadEntry, len(b)-1)
		}
		return kind, c, ctl, nil
	case entryOp:
		cmd, err := kv.DecodeCommand(b[1:])
		if err != nil {
			return 0, c, ctl, fmt.Errorf("%w: %v", errBadEntry, err)
		}
		return kind, cmd, ctl, nil
	case entryConfig, entryInstall, entryDelete, entryAcked:
		if err := gob.NewDecoder(bytes.NewReader(b[1:])).Decode(&ctl); err != nil {
			return 0, c, ctl, fmt.Errorf("%w: %v", errBadEntry, err)
		}
		if ctl.Shard < 0 || ctl.Shard >= shardctl.NShards {
			return 0, c, ctl, fmt.Errorf("%w: shard %d", errBadEntry, ctl.Shard)
		}
		if ctl.Config.Groups == nil {
			ctl.Config.Groups = map[int][]string{}
		}
		return kind, c, ctl, nil
	}
	return 0, c, ctl, fmt.Errorf("%w: kind %d", errBadEntry, kind)
}
