// Hybrid logical clocks: wall time plus a logical counter, the CockroachDB way.

package vclock

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Timestamp is a hybrid logical clock reading: physical time in Unix
// nanoseconds, and a logical counter that orders events sharing the same
// physical time. Timestamps compare by WallTime, then Logical.
type Timestamp struct {
	WallTime int64  // Unix nanoseconds; never behind the physical clock that produced it
	Logical  uint32 // events within the same WallTime, in order
}

// Compare returns -1, 0 or +1 as t is before, equal to or after u.
func (t Timestamp) Compare(u Timestamp) int {
	switch {
	case t.WallTime < u.WallTime:
		return -1
	case t.WallTime > u.WallTime:
		return 1
	case t.Logical < u.Logical:
		return -1
	case t.Logical > u.Logical:
		return 1
	}
	return 0
}

// Less reports whether t is before u.
func (t Timestamp) Less(u Timestamp) bool { return t.Compare(u) < 0 }

// IsZero reports whether t is the zero timestamp.
func (t Timestamp) IsZero() bool { return t == Timestamp{} }

// String renders "wallnanos,logical", for example "946684800000000000,2".
func (t Timestamp) String() string { return fmt.Sprintf("%d,%d", t.WallTime, t.Logical) }

// ErrClockOffset is wrapped by [HLC.Update] when a remote timestamp is
// further ahead of the local physical clock than the configured maximum
// offset allows: one of the two clocks is broken, and absorbing the remote
// time would drag this node (and everyone it talks to) into the future.
var ErrClockOffset = errors.New("vclock: remote clock too far ahead")

// HLC is a hybrid logical clock (Kulkarni et al. 2014, "Logical Physical
// Clocks"), as CockroachDB's hlc.Clock uses it. Its timestamps are
// monotonic, respect causality like a Lamport clock (an event stamped after
// receiving a message is later than the send), and stay within the maximum
// offset of real time, so they can be read by people and compared with
// deadlines. Like a Lamport clock, it cannot detect concurrency.
//
// Safe for concurrent use.
type HLC struct {
	physical  func() time.Time
	maxOffset time.Duration

	mu   sync.Mutex
	last Timestamp // the largest timestamp handed out or observed
}

// NewHLC returns a clock that reads physical time from now (time.Now in
// production, a fake in tests) and rejects remote timestamps more than
// maxOffset ahead of it. A maxOffset of zero disables the check.
func NewHLC(now func() time.Time, maxOffset time.Duration) *HLC {
	if now == nil {
		now = time.Now
	}
	return &HLC{physical: now, maxOffset: maxOffset}
}

// Now returns a timestamp for a local event or a send, later than every
// timestamp this clock has returned or observed. If the physical clock moved
// forward it is used as is with a zero logical part; if it stood still or
// went backwards (NTP step, a VM pause) the logical part counts up instead.
func (c *HLC) Now() Timestamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.physical().UnixNano()
	if pt > c.last.WallTime {
		c.last = Timestamp{WallTime: pt}
	} else {
		c.last = c.last.next()
	}
	return c.last
}

// Update records the receipt of a message stamped remote and returns the
// receive event's timestamp, later than both remote and every earlier local
// timestamp. If remote's wall time is more than the maximum offset ahead of
// the local physical clock, Update leaves the clock alone and returns an
// error wrapping [ErrClockOffset]: the caller should refuse the message.
func (c *HLC) Update(remote Timestamp) (Timestamp, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.physical().UnixNano()
	if c.maxOffset > 0 && remote.WallTime-pt > c.maxOffset.Nanoseconds() {
		return Timestamp{}, fmt.Errorf("%w: remote %v is %v ahead of local physical time, max offset %v",
			ErrClockOffset, remote, time.Duration(remote.WallTime-pt), c.maxOffset)
	}
	// Paper, Figure 5 (receive): the new wall time is the largest of the
	// three; the logical part continues from whichever clocks held it.
	wall := max(c.last.WallTime, remote.WallTime, pt)
	switch {
	case wall == c.last.WallTime && wall == remote.WallTime:
		c.last = Timestamp{WallTime: wall, Logical: max(c.last.Logical, remote.Logical)}.next()
	case wall == c.last.WallTime:
		c.last = c.last.next()
	case wall == remote.WallTime:
		c.last = remote.next()
	default: // the physical clock is ahead of both: a fresh tick
		c.last = Timestamp{WallTime: wall}
	}
	return c.last, nil
}

// next returns the smallest timestamp after t. The logical counter only grows
// while the physical clock stands still; if it ever fills up (four billion
// events in one nanosecond), the wall time moves one nanosecond ahead
// instead, which keeps the clock monotonic.
func (t Timestamp) next() Timestamp {
	if t.Logical == math.MaxUint32 {
		return Timestamp{WallTime: t.WallTime + 1}
	}
	return Timestamp{WallTime: t.WallTime, Logical: t.Logical + 1}
}
