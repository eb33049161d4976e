// Lamport clocks: one counter, consistent with causality, blind to concurrency.

package vclock

import "sync"

// Lamport is a Lamport logical clock (Lamport 1978, "Time, Clocks, and the
// Ordering of Events in a Distributed System"). Rule 1: tick before every
// local event and send. Rule 2: on receive, jump past the sender's stamp.
// Then if a happened before b, stamp(a) < stamp(b). The converse fails:
// stamp(a) < stamp(b) says nothing about whether a could have influenced b,
// so a Lamport clock cannot detect concurrent writes; use a [VC] for that.
// Break ties with the node ID to get a total order.
//
// The zero value is a clock at 0, ready to use. Safe for concurrent use.
type Lamport struct {
	mu   sync.Mutex
	time uint64 // the last stamp handed out or observed
}

// Tick records a local event (or a send) and returns its stamp.
func (l *Lamport) Tick() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.time++
	return l.time
}

// Observe records the receipt of a message stamped remote and returns the
// receive event's stamp: max(local, remote) + 1, later than both the
// sender's send and everything this node did before.
func (l *Lamport) Observe(remote uint64) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.time = max(l.time, remote) + 1
	return l.time
}

// Time returns the last stamp without advancing the clock.
func (l *Lamport) Time() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.time
}
