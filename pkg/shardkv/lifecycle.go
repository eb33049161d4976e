// Stopping a replica without failing a client: the same drain as pkg/kv's.

package shardkv

import (
	"context"
	"errors"
	"fmt"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
)

// Drain prepares the replica to stop without failing a client: it turns
// new client requests away with "wrong leader" (clerks retry them on
// another replica of the group), waits for the requests already inside to
// finish, and, if this node leads, hands leadership to the most up-to-date
// member. Migration keeps running meanwhile: other groups may still pull
// shards from this one. It returns when done or when ctx ends; call Stop
// afterwards.
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
		return fmt.Errorf("shardkv: drain: requests still in flight: %w", ctx.Err())
	}
	if st := s.rf.Status(); st.Role != raft.Leader || len(st.Members) < 2 {
		return nil
	}
	transferred := make(chan error, 1)
	go func() { transferred <- s.rf.TransferLeadership(-1) }()
	select {
	case err := <-transferred:
		if err != nil && !errors.Is(err, raft.ErrNotLeader) {
			return fmt.Errorf("shardkv: drain: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shardkv: drain: leadership transfer: %w", ctx.Err())
	}
}

// enter admits a client request unless the replica is draining; a request
// admitted must call s.inflight.Done when it has its answer.
func (s *Server) enter(reply *kv.Reply) bool {
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	if s.draining {
		// Nothing was proposed, so "not the leader" is true for this
		// request: the clerk tries another replica of the group.
		reply.Code = kv.CodeWrongLeader
		return false
	}
	s.inflight.Add(1)
	return true
}
