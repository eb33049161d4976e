// Reads: how a Get is answered without a log entry, with the ReadIndex
// protocol of the Raft thesis (§6.4, pkg/raft's readindex.go).
//
// Putting a Get in the log is correct but costly: the entry is replicated,
// stored and applied on every replica only to read one value. A leader
// may not simply read its own state machine either, since it may have
// been deposed without knowing it. ReadIndex gives the leader an index
// that covers every write committed before the read arrived, after
// confirming with one round of heartbeats (shared by every read in
// flight) that no newer leader existed at that moment. Once this server
// has applied that index, its state machine holds every such write, and a
// local read is linearizable.

package kv

import (
	"context"
	"errors"

	"distkit/pkg/raft"
)

// read answers a Get with ReadIndex and reports whether it did. It reports
// false when the log must decide instead: a new leader that has not yet
// committed an entry of its term (raft.ErrReadNotReady; the logged Get
// commits one, so the next reads take the fast path), or a key whose lease
// has run out by the leader's clock but not yet by the machine's (see
// machine.leaseCurrent). The caller then proposes the Get.
func (s *Server) read(c *Command, reply *Reply) bool {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	index, err := s.rf.ReadIndex(ctx)
	switch {
	case errors.Is(err, raft.ErrReadNotReady):
		return false
	case errors.Is(err, raft.ErrNotLeader):
		reply.Code = CodeWrongLeader
		reply.LeaderHint = s.rf.Status().LeaderID
		return true
	case err != nil:
		// No majority answered in time (this leader may be cut off), or
		// the node stopped: the clerk tries elsewhere.
		reply.Code = CodeTimeout
		return true
	}

	s.mu.Lock()
	if s.lastApplied < index {
		// Thesis §6.4, step 3: wait until the state machine has caught
		// up with the read index. The apply loop closes ch.
		ch := make(chan struct{})
		s.readers = append(s.readers, readWaiter{index: index, ch: ch})
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			reply.Code = CodeTimeout
			return true // the apply loop will close ch later; nobody listens
		case <-s.done:
			reply.Code = CodeTimeout
			return true
		}
		s.mu.Lock()
	}
	// Now lastApplied >= index: every write committed before the read
	// arrived is in the machine.
	if !s.m.leaseCurrent(c.Key, c.Now) {
		s.mu.Unlock()
		return false
	}
	reply.Result = s.m.execute(*c)
	s.mu.Unlock()
	return true
}

// wakeReaders releases the reads whose index has been applied. Callers
// hold s.mu, right after moving lastApplied.
func (s *Server) wakeReaders() {
	if len(s.readers) == 0 {
		return
	}
	keep := s.readers[:0]
	for _, r := range s.readers {
		if r.index <= s.lastApplied {
			close(r.ch)
		} else {
			keep = append(keep, r)
		}
	}
	clear(s.readers[len(keep):])
	s.readers = keep
}
