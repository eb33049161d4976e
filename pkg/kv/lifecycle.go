// Stopping a server without failing a client, and watching it run.

package kv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"distkit/pkg/raft"
)

// Drain prepares the server to stop without failing a client: it turns
// new requests away (clerks retry them on another server), waits for the
// requests already inside to finish, and, if this node leads, hands
// leadership to the most up-to-date follower so the cluster need not wait
// out an election timeout. It returns when done or when ctx ends; call
// Stop afterwards.
func (s *Server) Drain(ctx context.Context) error {
	s.gateMu.Lock()
	s.draining = true
	s.gateMu.Unlock()
	done := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("kv: drain: requests still in flight: %w", ctx.Err())
	}
	if st := s.rf.Status(); st.Role == raft.Leader && len(st.Members) > 1 {
		if err := s.rf.TransferLeadership(-1); err != nil && !errors.Is(err, raft.ErrNotLeader) {
			return fmt.Errorf("kv: drain: %w", err)
		}
	}
	return nil
}

// Stop stops the Raft node and the server's goroutines. Handlers still
// waiting answer CodeTimeout; the outcome of their commands is unknown and
// the clerk will retry elsewhere. Safe to call twice.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.rf.Stop()
		close(s.done)
		s.wg.Wait()
	})
}

// Status describes the replica for health checks and /debug/vars.
type Status struct {
	raft.Status
	Keys        int
	Leases      int
	Revision    int64
	AppliedKV   int // last log index applied to the key-value state
	MachineTime time.Time
}

// Status reports the replica's current state.
func (s *Server) Status() Status {
	st := Status{Status: s.rf.Status()}
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Keys, st.Leases, st.Revision = len(s.m.Data), len(s.m.Leases), s.m.Revision
	st.AppliedKV, st.MachineTime = s.lastApplied, s.m.clock()
	return st
}
