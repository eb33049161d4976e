// Leadership transfer (Raft thesis §3.10).
//
// An operator about to stop the leader's machine can hand leadership to a
// chosen follower first, so the cluster does not sit out an election
// timeout without a leader. The leader stops taking new commands, brings
// the target's log up to date, then tells it to start an election at once
// with TimeoutNow. The target, with a log as up to date as anyone's, wins;
// its higher term makes the old leader step down. If nothing happens within
// an election timeout the leader gives up and takes commands again.

package raft

import (
	"errors"
	"fmt"
	"time"
)

// ErrNotLeader is returned by TransferLeadership on a node that does not
// lead.
var ErrNotLeader = errors.New("raft: not the leader")

// ErrTransferTimeout is returned by TransferLeadership when the target did
// not take over within an election timeout; the old leader leads on.
var ErrTransferTimeout = errors.New("raft: leadership transfer timed out")

// TimeoutNowArgs is the TimeoutNow RPC's argument (thesis §3.10).
type TimeoutNowArgs struct {
	Term     int
	LeaderID int
}

// TimeoutNowReply is the TimeoutNow RPC's result.
type TimeoutNowReply struct {
	Term int
}

// TransferLeadership hands leadership to node target (-1: whichever
// follower's log is most up to date) and returns once this node has
// stepped down, or with ErrTransferTimeout after an election timeout. It
// returns ErrNotLeader on a node that does not lead, and ErrStopped if the
// node is stopped meanwhile. Start refuses commands during the transfer
// (thesis §3.10: new commands would only be lost or delay it).
func (n *Node) TransferLeadership(target int) error {
	n.mu.Lock()
	if n.role != Leader || n.stopped {
		n.mu.Unlock()
		return ErrNotLeader
	}
	if target == -1 {
		target = n.mostCaughtUp()
	}
	if target == n.id || !n.isVoter(target) {
		n.mu.Unlock()
		return fmt.Errorf("raft: transfer leadership to %d: not another member", target)
	}
	if n.transferDone != nil {
		n.mu.Unlock()
		return fmt.Errorf("raft: transfer leadership to %d: a transfer to %d is under way",
			target, n.transferTarget)
	}
	n.transferTarget = target
	done := make(chan struct{})
	n.transferDone = done
	term := n.currentTerm
	n.logger.Info("transferring leadership", "to", target, "term", term)
	if n.matchIndex[target] == n.log.lastIndex() {
		n.sendTimeoutNow(target)
	} else if !n.inflight[target] {
		n.sendAppendEntries(target, true) // its reply sends TimeoutNow once caught up
	}
	n.mu.Unlock()

	timer := time.NewTimer(n.cfg.ElectionTimeoutMax)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-n.done:
		return ErrStopped
	case <-timer.C:
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.transferDone == done { // still leading in the same term: resume
		n.transferTarget, n.transferDone = -1, nil
		return ErrTransferTimeout
	}
	return nil
}

// mostCaughtUp returns the other member with the highest matchIndex, the
// one that needs the least catching up. Callers hold n.mu and lead.
func (n *Node) mostCaughtUp() int {
	best, bestMatch := -1, -1
	for _, m := range n.members {
		if m.ID == n.id {
			continue
		}
		if match := n.matchIndex[m.ID]; match > bestMatch || (match == bestMatch && m.ID < best) {
			best, bestMatch = m.ID, match
		}
	}
	return best
}

// sendTimeoutNow tells target to start an election now. Callers hold n.mu.
func (n *Node) sendTimeoutNow(target int) {
	args := &TimeoutNowArgs{Term: n.currentTerm, LeaderID: n.id}
	peer := n.peers[target]
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		var reply TimeoutNowReply
		n.emit(Event{Kind: EventSend, Term: args.Term, Peer: target, RPC: "TimeoutNow"})
		if err := peer.Call("Raft.TimeoutNow", args, &reply); err != nil {
			n.logger.Debug("timeout now failed", "peer", target, "err", err)
			return
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		if !n.stopped && reply.Term > n.currentTerm {
			n.becomeFollower(reply.Term)
		}
	}()
}

// TimeoutNow is the RPC handler a leader calls to hand over leadership: the
// receiver starts an election at once, as if its timeout had run out.
func (n *Node) TimeoutNow(args *TimeoutNowArgs, reply *TimeoutNowReply) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return ErrStopped
	}
	n.emit(Event{Kind: EventReceive, Peer: args.LeaderID, RPC: "TimeoutNow"})
	reply.Term = n.currentTerm
	if args.Term < n.currentTerm || n.role == Leader || !n.isVoter(n.id) {
		return nil
	}
	n.becomeCandidate(true)
	reply.Term = n.currentTerm
	return nil
}

// endTransfer tells a waiting TransferLeadership that this node stepped
// down. Callers hold n.mu.
func (n *Node) endTransfer() {
	if n.transferDone != nil {
		close(n.transferDone)
	}
	n.transferTarget, n.transferDone = -1, nil
}
