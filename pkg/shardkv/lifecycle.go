// Stopping a replica without failing a client: pkg/kv's drain.

package shardkv

import (
	"context"
	"fmt"
)

// Drain prepares the replica to stop without failing a client, as
// kv.Server.Drain does: it turns new client requests away with "wrong
// leader" (clerks retry them on another replica of the group), waits for
// the requests already inside to finish, and, if this node leads, hands
// leadership to the most up-to-date member. Migration keeps running
// meanwhile: other groups may still pull shards from this one. It returns
// when done or when ctx ends; call Stop afterwards.
func (s *Server) Drain(ctx context.Context) error {
	if err := s.gate.Drain(ctx, s.rf); err != nil {
		return fmt.Errorf("shardkv: drain: %w", err)
	}
	return nil
}
