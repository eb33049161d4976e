// The state machine as a building block: what a service that keeps many
// key-value state machines in one log (the sharded store, pkg/shardkv)
// needs from this package.
//
// A sharded store gives every shard a Machine of its own. A shard then
// moves between groups as one value, Machine.Snapshot on the old owner and
// RestoreMachine on the new one, and its deduplication table travels with
// its data, so a client's retry that reaches the new owner is still
// recognized: exactly-once survives the move with no extra code.

package kv

// Machine is the key-value state machine of this package (data, versions,
// revisions, leases and the per-client deduplication table) for services
// that replicate it through a log of their own. Apply must see the same
// commands in the same order on every replica. A Machine is not safe for
// concurrent use: its owner serializes access, as Server does.
type Machine struct {
	m *machine
}

// NewMachine returns an empty state machine.
func NewMachine() *Machine { return &Machine{m: newMachine()} }

// Apply executes c and returns its result, answering a retry of a client's
// last operation (same ClientID and Seq) from the deduplication table
// instead of running it again. It reads no clock: time enters only through
// c.Now.
func (m *Machine) Apply(c Command) Result { return m.m.apply(c) }

// Len reports the number of keys.
func (m *Machine) Len() int { return len(m.m.Data) }

// Snapshot encodes the whole machine, deduplication table included.
func (m *Machine) Snapshot() ([]byte, error) { return m.m.snapshot() }

// RestoreMachine decodes what Snapshot wrote. Bad input gives an error,
// never a panic.
func RestoreMachine(data []byte) (*Machine, error) {
	mm, err := restoreMachine(data)
	if err != nil {
		return nil, err
	}
	return &Machine{m: mm}, nil
}

// Encode appends c's binary log form to buf and returns the extended
// slice: the same compact encoding Server writes into its log.
func (c *Command) Encode(buf []byte) []byte { return c.encode(buf) }

// DecodeCommand parses what Encode wrote. Log entries come from disk and
// from the network, so any input gets an error, never a panic.
func DecodeCommand(b []byte) (Command, error) { return decodeCommand(b) }

// Err maps r's outcome to this package's sentinel errors (nil for CodeOK,
// ErrNotFound for CodeNoKey, and so on), as Clerk does; a code with no
// sentinel becomes an error carrying its text.
func (r Result) Err() error {
	switch r.Code {
	case CodeOK:
		return nil
	case CodeNoKey:
		return ErrNotFound
	case CodeVersionMismatch:
		return ErrVersionMismatch
	case CodeNoLease:
		return ErrLeaseNotFound
	case CodeTooLarge:
		return ErrTooLarge
	}
	return errorCode(r.Code)
}

// errorCode is an outcome without a sentinel, as an error.
type errorCode Code

func (e errorCode) Error() string { return "kv: " + string(e) }
