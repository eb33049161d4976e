// Log replication (§5.3) and commitment (§5.4.2).
//
// The leader sends each follower the entries from nextIndex on, together
// with the index and term of the entry just before them. The follower
// accepts only if its own log has that entry (the log matching property),
// so one successful reply proves the two logs agree up to the last entry
// sent. A refusal makes the leader back up nextIndex and try again.

package raft

import (
	"fmt"
	"slices"
	"time"
)

// AppendEntriesArgs is the AppendEntries RPC's argument (Figure 2). With no
// entries it is a heartbeat.
type AppendEntriesArgs struct {
	Term         int // leader's term
	LeaderID     int // so followers can redirect clients
	PrevLogIndex int // index of the entry just before Entries
	PrevLogTerm  int // term of that entry
	Entries      []Entry
	LeaderCommit int // leader's commitIndex
}

// AppendEntriesReply is the AppendEntries RPC's result (Figure 2) plus the
// two hints of the fast backup that §5.3 sketches: on a mismatch the
// follower names the term of its conflicting entry and the first index it
// holds for that term, so the leader skips a whole term per round trip
// instead of one entry.
type AppendEntriesReply struct {
	Term    int
	Success bool

	ConflictTerm  int // term of the follower's entry at PrevLogIndex; 0 if it has none
	ConflictIndex int // first index of ConflictTerm, or the follower's lastIndex+1
}

// broadcastHeartbeat sends AppendEntries to every peer, whether or not a
// message is already in flight: a heartbeat must go out on time even if an
// earlier message was lost. Callers hold n.mu.
func (n *Node) broadcastHeartbeat() {
	for id := range n.peers {
		n.sendAppendEntries(id, false)
	}
}

// sendAppendEntries sends peer id everything from its nextIndex on, or a
// snapshot if those entries are already compacted away. When pipelined is
// true the message is the one tracked by inflight, and its reply sends the
// next batch at once if more entries are waiting: that keeps one pipelined
// message in flight per follower (heartbeats go out besides) while Start
// calls pile up entries for the next one, which is how many proposers
// share each round trip. Callers hold n.mu.
func (n *Node) sendAppendEntries(id int, pipelined bool) {
	next := n.nextIndex[id]
	if next <= n.log.snapshotIndex() {
		// One snapshot at a time: a heartbeat must not resend it while
		// the last copy is on its way. Its reply clears inflight.
		if !n.inflight[id] {
			n.sendInstallSnapshot(id)
		}
		return
	}
	prevTerm, _ := n.log.term(next - 1)
	last := min(n.log.lastIndex(), next-1+n.cfg.MaxEntriesPerAppend)
	args := &AppendEntriesArgs{
		Term:         n.currentTerm,
		LeaderID:     n.id,
		PrevLogIndex: next - 1,
		PrevLogTerm:  prevTerm,
		LeaderCommit: n.commitIndex,
	}
	if last >= next {
		args.Entries = n.log.slice(next, last)
	}
	if pipelined {
		n.inflight[id] = true
	}
	round := n.readRoundToSend() // ReadIndex bookkeeping (readindex.go)
	n.wg.Add(1)
	go n.appendEntries(id, n.peers[id], args, pipelined, round)
}

// appendEntries makes one AppendEntries call and acts on the reply. It runs
// in its own goroutine and holds the mutex only after the call returns.
// readRound is the ReadIndex round the message confirms (readindex.go).
func (n *Node) appendEntries(id int, peer Peer, args *AppendEntriesArgs, pipelined bool, readRound int) {
	defer n.wg.Done()
	var reply AppendEntriesReply
	n.emit(Event{Kind: EventSend, Term: args.Term, Peer: id, RPC: "AppendEntries", Entries: len(args.Entries)})
	err := peer.Call("Raft.AppendEntries", args, &reply)

	n.mu.Lock()
	defer n.mu.Unlock()
	if pipelined && n.inflight != nil {
		n.inflight[id] = false
	}
	if n.stopped {
		return
	}
	if err != nil {
		n.logger.Debug("append entries failed", "peer", id, "err", err)
		return // the next heartbeat tries again
	}
	// A server that left the configuration meanwhile counts for nothing,
	// not even its term: removed while cut off, it may have climbed terms
	// that must not depose us (thesis §4.2.3).
	if _, ok := n.peers[id]; !ok {
		return
	}
	if reply.Term > n.currentTerm {
		n.becomeFollower(reply.Term)
		return
	}
	// Drop replies to a leadership we no longer hold: they describe an
	// older term's state of the follower.
	if n.role != Leader || n.currentTerm != args.Term {
		return
	}
	// Any reply in our term, success or not, shows the follower still
	// accepts this leader: that confirms reads (readindex.go).
	n.ackRead(id, readRound)
	if reply.Success {
		// Replies can arrive out of order, so only move forward.
		match := args.PrevLogIndex + len(args.Entries)
		if match > n.matchIndex[id] {
			n.matchIndex[id] = match
			n.signalProgress() // a learner catching up (membership.go)
			if n.advanceCommitIndex(); n.role != Leader {
				return // it committed this leader's removal
			}
		}
		n.nextIndex[id] = max(n.nextIndex[id], match+1)
		if n.transferTarget == id && n.matchIndex[id] == n.log.lastIndex() {
			n.sendTimeoutNow(id) // caught up: hand over (transfer.go)
		}
	} else {
		// A late refusal must not undo a later success.
		n.nextIndex[id] = max(n.backupNextIndex(&reply), n.matchIndex[id]+1)
	}
	// Send again at once if the follower lacks entries, or has them but
	// has not yet heard they are committed (its state machine would lag
	// until the next heartbeat), or if reads wait for a round newer than
	// this message's (readindex.go).
	behind := n.nextIndex[id] <= n.log.lastIndex() || args.LeaderCommit < n.commitIndex
	if (behind || n.readWaitsFor(readRound)) && !n.inflight[id] {
		n.sendAppendEntries(id, true)
	}
}

// backupNextIndex chooses where to retry after a refusal, using the
// follower's hints (§5.3). If the leader has entries of the conflicting
// term, the logs may agree up to the last of them; otherwise the follower's
// whole run of that term is wrong and is skipped at once.
func (n *Node) backupNextIndex(reply *AppendEntriesReply) int {
	next := reply.ConflictIndex
	if reply.ConflictTerm > 0 {
		if last := n.log.lastIndexOfTerm(reply.ConflictTerm); last > 0 {
			next = last + 1
		}
	}
	return max(next, 1)
}

// advanceCommitIndex commits the highest index stored on a majority of the
// members, but only if that entry is from the current term (§5.4.2, Figure
// 8): an older term's entry on a majority can still be overwritten, and it
// becomes committed only indirectly, when an entry of the current term
// after it is. A leader counts its own log only while it is a member (a
// learner's never counts), and steps down once a configuration without it
// is committed (thesis §4.2.2). Callers hold n.mu.
func (n *Node) advanceCommitIndex() {
	if len(n.members) == 0 {
		return
	}
	matches := make([]int, 0, len(n.members))
	for _, m := range n.members {
		if m.ID == n.id {
			matches = append(matches, n.durableIndex)
		} else {
			matches = append(matches, n.matchIndex[m.ID])
		}
	}
	slices.Sort(matches)
	// After sorting ascending, at least a quorum of values are >= this one.
	majority := matches[len(matches)-n.quorum()]
	if majority <= n.commitIndex {
		return
	}
	if term, _ := n.log.term(majority); term != n.currentTerm {
		return
	}
	n.commitIndex = majority
	n.logger.Debug("committed", "index", majority)
	n.emit(Event{Kind: EventCommit, Index: majority})
	notify(n.applyNotify)
	n.signalProgress()
	// Tell followers now rather than at the next heartbeat, so that their
	// state machines keep pace; idle peers get a message with no entries.
	for id := range n.peers {
		if !n.inflight[id] {
			n.sendAppendEntries(id, true)
		}
	}
	if !n.isVoter(n.id) && n.configIndex <= n.commitIndex {
		n.logger.Info("removed from the configuration; stepping down", "index", n.configIndex)
		n.becomeFollower(n.currentTerm)
	}
}

// AppendEntries is the RPC handler a leader calls (Figure 2, "Receiver
// implementation"). The entries it accepts are on stable storage before it
// replies.
func (n *Node) AppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) error {
	if err := n.handleAppendEntries(args, reply); err != nil {
		return err
	}
	if reply.Success {
		// A success vouches for the whole log up to the last entry sent,
		// including entries a concurrent AppendEntries appended and is
		// still syncing, so every success waits for a Sync. It runs
		// outside the mutex, so other RPCs and the applier carry on
		// during the disk write; with nothing pending it returns at once.
		if err := n.storage.Sync(); err != nil {
			return fmt.Errorf("raft: node %d: sync log: %w", n.id, err)
		}
	}
	return nil
}

// handleAppendEntries does the work of AppendEntries under the mutex.
func (n *Node) handleAppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return ErrStopped
	}
	n.emit(Event{Kind: EventReceive, Peer: args.LeaderID, RPC: "AppendEntries", Entries: len(args.Entries)})
	reply.Term = n.currentTerm
	// 1. Reply false if term < currentTerm: this is a deposed leader.
	if args.Term < n.currentTerm {
		return nil
	}
	// A current leader exists: stay or become its follower (a candidate in
	// the same term has lost, §5.2), and do not start an election.
	n.becomeFollower(args.Term)
	reply.Term = n.currentTerm
	if n.leaderID != args.LeaderID {
		n.leaderID = args.LeaderID
		n.emit(Event{Kind: EventLeader, Peer: args.LeaderID})
	}
	n.resetElectionDeadline()
	n.leaderContact = time.Now()

	// Entries at or below our snapshot are committed and already applied
	// here; skip them (this happens when a message was delayed).
	if args.PrevLogIndex < n.log.snapshotIndex() {
		skip := n.log.snapshotIndex() - args.PrevLogIndex
		if skip >= len(args.Entries) {
			reply.Success = true
			return nil
		}
		args.Entries = args.Entries[skip:]
		args.PrevLogIndex = n.log.snapshotIndex()
		args.PrevLogTerm = n.log.snapshotTerm()
	}

	// 2. Reply false if the log has no entry at PrevLogIndex whose term
	// matches PrevLogTerm, with the hints for fast backup.
	prevTerm, ok := n.log.term(args.PrevLogIndex)
	if !ok {
		reply.ConflictIndex = n.log.lastIndex() + 1
		return nil
	}
	if prevTerm != args.PrevLogTerm {
		reply.ConflictTerm = prevTerm
		reply.ConflictIndex = n.log.firstIndexOfTerm(args.PrevLogIndex, prevTerm)
		return nil
	}

	// 3 and 4. Skip entries we already have; at the first conflict (same
	// index, different term) delete ours from there on and append the
	// leader's. Never truncate on a mere match: a delayed, shorter message
	// must not erase entries a later message added.
	for i, e := range args.Entries {
		if t, ok := n.log.term(e.Index); ok && t == e.Term {
			continue
		}
		rest := args.Entries[i:]
		truncated := n.log.lastIndex() >= rest[0].Index
		n.log.truncateAndAppend(rest)
		if err := n.storage.Append(rest); err != nil {
			return fmt.Errorf("raft: node %d: append to storage: %w", n.id, err)
		}
		// A configuration counts from the moment it is in the log, and
		// one cut off with a conflicting suffix stops counting (thesis §4.1).
		if (truncated && n.configIndex >= rest[0].Index) ||
			slices.ContainsFunc(rest, func(e Entry) bool { return e.Type == EntryConfig }) {
			n.reloadMembers()
		}
		break
	}

	// 5. If leaderCommit > commitIndex, set commitIndex =
	// min(leaderCommit, index of last new entry).
	lastNew := args.PrevLogIndex + len(args.Entries)
	if args.LeaderCommit > n.commitIndex {
		if c := min(args.LeaderCommit, lastNew); c > n.commitIndex {
			n.commitIndex = c
			n.emit(Event{Kind: EventCommit, Index: c})
			notify(n.applyNotify)
		}
	}
	reply.Success = true
	return nil
}
