// Stopping a server without failing a client, and watching it run.

package kv

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	if err := s.gate.Drain(ctx, s.rf); err != nil {
		return fmt.Errorf("kv: drain: %w", err)
	}
	return nil
}

// Gate is the door of a server that can drain: requests Enter and Leave,
// and Drain closes the door, waits for everyone inside, then hands
// leadership over. pkg/shardkv's server uses it too. The zero value is an
// open gate; safe for concurrent use.
type Gate struct {
	mu       sync.Mutex
	draining bool
	inflight sync.WaitGroup // Add only under mu while open, so Drain's Wait is legal
}

// Enter admits a request, or returns false once the gate is draining. A
// request admitted calls Leave when it has its answer.
func (g *Gate) Enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.draining {
		return false
	}
	g.inflight.Add(1)
	return true
}

// Leave marks an admitted request as answered.
func (g *Gate) Leave() { g.inflight.Done() }

// Drain closes the gate, waits until every admitted request has left, and
// if rf leads a cluster of more than one member, transfers leadership to
// the most up-to-date one. It returns early with an error when ctx ends.
func (g *Gate) Drain(ctx context.Context, rf *raft.Node) error {
	g.mu.Lock()
	g.draining = true
	g.mu.Unlock()
	inside := make(chan struct{})
	go func() {
		g.inflight.Wait()
		close(inside)
	}()
	select {
	case <-inside:
	case <-ctx.Done():
		return fmt.Errorf("requests still in flight: %w", ctx.Err())
	}
	if st := rf.Status(); st.Role != raft.Leader || len(st.Members) < 2 {
		return nil
	}
	transferred := make(chan error, 1)
	go func() { transferred <- rf.TransferLeadership(-1) }()
	select {
	case err := <-transferred:
		if err != nil && !errors.Is(err, raft.ErrNotLeader) {
			return err
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("leadership transfer: %w", ctx.Err())
	}
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
