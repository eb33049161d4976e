// Anti-entropy: now and then, two members swap their whole state.

package gossip

import (
	"errors"
	"fmt"

	"distkit/pkg/crdt"
)

// PushPullArgs carries the sender's whole membership list and counter.
type PushPullArgs struct {
	From    string
	Members []Update
	Counter crdt.PNCounter
}

// PushPullReply carries the receiver's, after it merged the sender's.
type PushPullReply struct {
	Members []Update
	Counter crdt.PNCounter
}

// ErrNoSeed is wrapped by [Member.Join] when no seed answered.
var ErrNoSeed = errors.New("gossip: no seed reachable")

// PushPull is the RPC handler for an anti-entropy exchange: merge the
// sender's state into ours, reply with the result. Piggybacked gossip is
// bounded and may miss a member; this full exchange repairs whatever it
// missed, and it is how a joining member learns the group. The counter merge
// is a CRDT join, so exchanges in any order, lost or repeated, converge.
func (m *Member) PushPull(args *PushPullArgs, reply *PushPullReply) error {
	if err := m.checkSender(args.From); err != nil {
		return err
	}
	m.mu.Lock()
	for _, u := range args.Members {
		m.applyLocked(u, args.From)
	}
	m.counter.Merge(args.Counter)
	reply.Members = m.snapshotLocked()
	reply.Counter = m.counter.Copy()
	m.mu.Unlock()
	m.flushEvents()
	return nil
}

// Join enters a running group through the first seed that answers a
// push-pull, then starts the protocol loop. The seed learns of us from our
// own entry, gossips it on, and we learn the whole group from its reply.
func (m *Member) Join(seeds ...string) error {
	var errs []error
	for _, seed := range seeds {
		if err := m.pushPull(seed); err != nil {
			errs = append(errs, err)
			continue
		}
		m.Start()
		return nil
	}
	return fmt.Errorf("%w: %w", ErrNoSeed, errors.Join(errs...))
}

// antiEntropy runs one push-pull with a random live member.
func (m *Member) antiEntropy() {
	m.mu.Lock()
	peers := m.randomMembersLocked(1, "")
	m.mu.Unlock()
	if len(peers) == 0 {
		return
	}
	if err := m.pushPull(peers[0]); err != nil {
		m.logger.Debug("push-pull failed", "err", err)
	}
}

// pushPull sends our state to peer and merges its reply.
func (m *Member) pushPull(peer string) error {
	m.mu.Lock()
	args := &PushPullArgs{From: m.cfg.Name, Members: m.snapshotLocked(), Counter: m.counter.Copy()}
	m.mu.Unlock()
	var reply PushPullReply
	if err := m.call(peer, "PushPull", args, &reply); err != nil {
		return err
	}
	m.mu.Lock()
	for _, u := range reply.Members {
		m.applyLocked(u, peer)
	}
	m.counter.Merge(reply.Counter)
	m.mu.Unlock()
	m.flushEvents()
	return nil
}
