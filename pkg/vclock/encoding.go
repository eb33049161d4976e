// The wire form of a vector clock: compact, canonical, and checked on the way in.

package vclock

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Wire format, version 1:
//
//	version byte (1)
//	uvarint  number of entries
//	per entry, nodes in strictly increasing byte order:
//	    uvarint  length of the node ID (1..MaxNodeIDLen)
//	    bytes    node ID
//	    uvarint  counter (> 0)
//
// Zero entries are left out and the order is fixed, so equal clocks encode to
// equal bytes and a decoded clock re-encodes to exactly its input. The
// decoder trusts nothing: every length is checked against what remains
// before anything is allocated.
const encodingVersion = 1

// MaxNodeIDLen is the longest node ID the binary encoding accepts, in bytes.
const MaxNodeIDLen = 255

// ErrMalformed is wrapped by every error [VC.UnmarshalBinary] returns, so
// callers can tell bad input from other failures with errors.Is.
var ErrMalformed = errors.New("vclock: malformed encoding")

// MarshalBinary encodes the clock in the compact canonical form described
// above. It fails only for a node ID that is empty or longer than
// [MaxNodeIDLen].
func (v VC) MarshalBinary() ([]byte, error) {
	nodes := v.nodes()
	buf := make([]byte, 0, 1+binary.MaxVarintLen64+len(nodes)*12)
	buf = append(buf, encodingVersion)
	buf = binary.AppendUvarint(buf, uint64(len(nodes)))
	for _, node := range nodes {
		if len(node) == 0 || len(node) > MaxNodeIDLen {
			return nil, fmt.Errorf("vclock: encode node ID of %d bytes: must be 1..%d", len(node), MaxNodeIDLen)
		}
		buf = binary.AppendUvarint(buf, uint64(len(node)))
		buf = append(buf, node...)
		buf = binary.AppendUvarint(buf, v[node])
	}
	return buf, nil
}

// UnmarshalBinary replaces *v with the clock encoded in data. On any error
// *v is left unchanged and the error wraps [ErrMalformed]; it never panics,
// whatever the bytes (the package fuzz test checks this).
func (v *VC) UnmarshalBinary(data []byte) error {
	if len(data) == 0 {
		return fmt.Errorf("%w: empty input", ErrMalformed)
	}
	if data[0] != encodingVersion {
		return fmt.Errorf("%w: unknown version %d", ErrMalformed, data[0])
	}
	rest := data[1:]
	count, rest, err := uvarint(rest, "entry count")
	if err != nil {
		return err
	}
	// Each entry takes at least 3 bytes; a count that cannot fit in what is
	// left is a lie, and believing it would let 10 bytes allocate gigabytes.
	if count > uint64(len(rest))/3 {
		return fmt.Errorf("%w: %d entries cannot fit in %d bytes", ErrMalformed, count, len(rest))
	}
	out := make(VC, count)
	prev := ""
	for i := range count {
		var n uint64
		if n, rest, err = uvarint(rest, "node ID length"); err != nil {
			return err
		}
		if n == 0 || n > MaxNodeIDLen {
			return fmt.Errorf("%w: entry %d: node ID length %d, want 1..%d", ErrMalformed, i, n, MaxNodeIDLen)
		}
		if n > uint64(len(rest)) {
			return fmt.Errorf("%w: entry %d: node ID of %d bytes, only %d left", ErrMalformed, i, n, len(rest))
		}
		node := string(rest[:n])
		rest = rest[n:]
		// Strictly increasing order rules out duplicates and keeps the
		// encoding canonical.
		if i > 0 && node <= prev {
			return fmt.Errorf("%w: entry %d: node %q not after %q", ErrMalformed, i, node, prev)
		}
		prev = node
		var counter uint64
		if counter, rest, err = uvarint(rest, "counter"); err != nil {
			return err
		}
		if counter == 0 {
			return fmt.Errorf("%w: entry %d: zero counter for node %q", ErrMalformed, i, node)
		}
		out[node] = counter
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(rest))
	}
	*v = out
	return nil
}

// uvarint reads one minimal uvarint from b, naming what in its error.
func uvarint(b []byte, what string) (uint64, []byte, error) {
	x, n := binary.Uvarint(b)
	switch {
	case n == 0:
		return 0, nil, fmt.Errorf("%w: truncated %s", ErrMalformed, what)
	case n < 0:
		return 0, nil, fmt.Errorf("%w: %s overflows 64 bits", ErrMalformed, what)
	}
	// A padded varint (0x80 0x00 for zero) decodes fine but would break
	// "one clock, one encoding".
	if n != varintLen(x) {
		return 0, nil, fmt.Errorf("%w: non-minimal %s", ErrMalformed, what)
	}
	return x, b[n:], nil
}

func varintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
