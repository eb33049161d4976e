// Linearizable reads without log entries: ReadIndex (Raft thesis §6.4).
//
// A service can make every read a log entry, which is simple and correct
// but costs a replicated, persisted, applied entry per read. A leader may
// not instead answer from its own state machine at once: it may have been
// deposed without knowing it, and its state may miss writes its successor
// has committed. ReadIndex closes that gap with one round of heartbeats:
//
//  1. The leader notes its commitIndex as the read index. Only a leader
//     that has committed an entry of its current term knows that this is
//     at least as large as any index committed so far (thesis §6.4, step 1).
//  2. It confirms that it was still the leader when the read arrived: a
//     majority of the cluster must acknowledge an AppendEntries sent after
//     that moment, in its term. A newer leader needs a majority's votes,
//     and that majority overlaps this one, so no newer leader existed when
//     the read arrived (thesis §6.4, step 2).
//  3. The service waits until it has applied the read index, then reads
//     its own state machine (thesis §6.4, steps 3 and 4).
//
// The round is not a new RPC: the acknowledgment is any AppendEntries
// reply, successful or not, carrying the current term. Every message is
// tagged, outside the wire format, with the read round it confirms. Reads
// that arrive before the next message goes out share its round, so under
// load one round of messages confirms hundreds of reads, and when the
// leader is replicating anyway, reads ride on messages it sends regardless.

package raft

import (
	"context"
	"errors"
	"fmt"
)

// ErrReadNotReady is returned by ReadIndex on a leader that has not yet
// committed an entry of its own term. Until it has, its commitIndex may lag
// behind what earlier leaders committed (thesis §6.4), so the caller should
// put the read through the log instead (which also commits such an entry).
var ErrReadNotReady = errors.New("raft: leader has not committed an entry of its term yet")

// readState is the leader's bookkeeping for ReadIndex. Guarded by Node.mu.
//
// Rounds are numbered. Every AppendEntries carries the number in round at
// the moment it is sent (sent records that). A batch of reads waits for
// round r: it is confirmed once a majority of the cluster, the leader
// included, has acknowledged a message carrying r or later. round is
// either sent (no read is waiting for a message not yet sent) or sent+1
// (the newest batch waits for the next message), and only grows.
type readState struct {
	round   int          // the round the next AppendEntries carries
	sent    int          // the round of the newest AppendEntries sent
	acked   map[int]int  // peer ID -> newest round it acknowledged in currentTerm
	waiting []*readBatch // unconfirmed batches, oldest (lowest round) first
}

// readBatch is a group of reads confirmed together by one round.
type readBatch struct {
	round int
	done  chan struct{} // closed when confirmed, or when err is set
	err   error         // set before done is closed if leadership was lost
}

// ReadIndex returns a command index such that reading the service's state
// once it has applied the command at that index is linearizable: it
// reflects every command committed before ReadIndex was called. (It is the
// newest command at or below commitIndex, or the snapshot's index: Raft's
// own entries there change no state and never reach the service.) It confirms leadership with a
// round of AppendEntries acknowledgements from a majority, shared with
// every concurrent ReadIndex. It fails with ErrNotLeader on a node that
// does not lead (or is transferring leadership, as Start refuses to), with
// ErrReadNotReady on a leader that must first commit an entry of its term,
// with ErrNotLeader if the node loses leadership while waiting, and with
// ctx's error if a majority does not answer in time (a leader cut off from
// its majority keeps waiting: it must not answer). Safe for concurrent use.
func (n *Node) ReadIndex(ctx context.Context) (int, error) {
	n.mu.Lock()
	if n.role != Leader || n.stopped || n.transferDone != nil {
		n.mu.Unlock()
		return 0, ErrNotLeader
	}
	// Thesis §6.4, step 1: the commit index is the read index only once
	// an entry of this term is committed; commitIndex and the terms along
	// the log only grow, so once true this stays true for the term.
	if t, _ := n.log.term(n.commitIndex); t != n.currentTerm {
		n.mu.Unlock()
		return 0, ErrReadNotReady
	}
	index := n.lastCommandAt(n.commitIndex)
	if n.quorum() == 1 && n.isVoter(n.id) { // a cluster of one is its own majority
		n.mu.Unlock()
		return index, nil
	}
	b := n.joinReadBatch()
	// Peers with no message in flight get one now; the others get a fresh
	// one as soon as the reply to their current one is in (appendEntries
	// asks readWaitsFor), since that message left before this read came.
	for id := range n.peers {
		if !n.inflight[id] {
			n.sendAppendEntries(id, true)
		}
	}
	n.mu.Unlock()

	select {
	case <-b.done:
		if b.err != nil {
			return 0, b.err
		}
		return index, nil
	case <-ctx.Done():
		return 0, fmt.Errorf("raft: node %d: confirm leadership for a read: %w", n.id, ctx.Err())
	case <-n.done:
		return 0, ErrStopped
	}
}

// lastCommandAt returns the index of the newest command entry at or below
// index, or the snapshot's index if there is none. The service's state is
// the same at both, and a service waits only for indexes it is sent: a
// membership change or a no-op at the commit index would otherwise make a
// read wait for the next write. Callers hold n.mu.
func (n *Node) lastCommandAt(index int) int {
	base := n.log.snapshotIndex()
	for i := index; i > base; i-- {
		if n.log.entries[i-base].Type == EntryCommand {
			return i
		}
	}
	return base
}

// joinReadBatch returns the batch a read arriving now belongs to: the
// newest one if no message has carried its round yet, or else a new batch
// for the next round. Callers hold n.mu and lead.
func (n *Node) joinReadBatch() *readBatch {
	r := &n.reads
	if k := len(r.waiting); k > 0 && r.waiting[k-1].round > r.sent {
		return r.waiting[k-1]
	}
	r.round = r.sent + 1
	b := &readBatch{round: r.round, done: make(chan struct{})}
	r.waiting = append(r.waiting, b)
	return b
}

// readRoundToSend returns the round an AppendEntries sent now carries and
// records that it went out. Called by sendAppendEntries with n.mu held.
func (n *Node) readRoundToSend() int {
	n.reads.sent = n.reads.round
	return n.reads.round
}

// ackRead records that peer id, in currentTerm, acknowledged a message of
// the given round, and confirms every batch a majority has now
// acknowledged. Called by appendEntries with n.mu held, for replies that
// carry the leader's current term (the reply's success does not matter:
// a follower that refuses entries still accepts this leader).
func (n *Node) ackRead(id, round int) {
	r := &n.reads
	if round <= r.acked[id] {
		return
	}
	if r.acked == nil {
		r.acked = make(map[int]int, len(n.peers))
	}
	r.acked[id] = round
	for len(r.waiting) > 0 {
		b := r.waiting[0]
		// Count the members of the current configuration: the leader
		// itself (unless it is removing itself) and every member that
		// acknowledged the round. A learner being caught up is no voter.
		acks := 0
		for _, m := range n.members {
			if m.ID == n.id || r.acked[m.ID] >= b.round {
				acks++
			}
		}
		if acks < n.quorum() {
			return // later batches need later rounds: not confirmed either
		}
		close(b.done)
		r.waiting[0] = nil
		r.waiting = r.waiting[1:]
	}
}

// readWaitsFor reports whether a batch waits for a round later than the
// one a message carried, so that its peer needs a fresh message. Called by
// appendEntries with n.mu held.
func (n *Node) readWaitsFor(round int) bool {
	k := len(n.reads.waiting)
	return k > 0 && n.reads.waiting[k-1].round > round
}

// failReads fails every waiting read and forgets every acknowledgment: a
// leader stepping down can confirm nothing, and acknowledgments of this
// term must not count in a later one. Called by becomeFollower with n.mu
// held.
func (n *Node) failReads() {
	for _, b := range n.reads.waiting {
		b.err = ErrNotLeader
		close(b.done)
	}
	n.reads.waiting = nil
	clear(n.reads.acked)
}
