// Log compaction (§7): snapshots, and InstallSnapshot for followers that
// fall so far behind that the entries they need are gone.

package raft

import (
	"fmt"
	"time"
)

// InstallSnapshotArgs is the InstallSnapshot RPC's argument (Figure 13),
// sent in one piece rather than in chunks: the snapshots here are small.
type InstallSnapshotArgs struct {
	Term              int
	LeaderID          int
	LastIncludedIndex int // the snapshot replaces all entries up to and including this index
	LastIncludedTerm  int // term of that entry
	Data              []byte
	Members           []Member // the configuration at LastIncludedIndex (membership.go)
}

// InstallSnapshotReply is the InstallSnapshot RPC's result (Figure 13).
type InstallSnapshotReply struct {
	Term int
}

// Snapshot tells the node that the service has saved its state up to and
// including index (an index it has been sent on ApplyCh) as data, so the
// log up to index may be discarded. Calls with an index the log has already
// compacted, or one not yet applied, are ignored.
func (n *Node) Snapshot(index int, data []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped || index <= n.log.snapshotIndex() || index > n.lastApplied {
		return
	}
	term, _ := n.log.term(index)
	var keep []Entry
	if n.log.lastIndex() > index {
		keep = n.log.slice(index+1, n.log.lastIndex())
	}
	// The configuration entries up to index go with the log, so the
	// snapshot records the membership they add up to.
	members, _ := n.membersAt(index)
	// Save first, then compact: see InstallSnapshot.
	if err := n.storage.SaveSnapshot(Snapshot{Index: index, Term: term, Data: data, Members: members}, keep); err != nil {
		n.logger.Error("save snapshot failed; stopping", "index", index, "err", err)
		go n.Stop()
		return
	}
	n.log.compact(index)
	n.snapshot, n.snapMembers = data, members
	n.logger.Debug("snapshot", "index", index, "bytes", len(data))
	n.emit(Event{Kind: EventSnapshot, Index: index})
}

// sendInstallSnapshot sends peer id the current snapshot, for a follower
// whose nextIndex has been compacted away. Callers hold n.mu.
func (n *Node) sendInstallSnapshot(id int) {
	args := &InstallSnapshotArgs{
		Term:              n.currentTerm,
		LeaderID:          n.id,
		LastIncludedIndex: n.log.snapshotIndex(),
		LastIncludedTerm:  n.log.snapshotTerm(),
		Data:              n.snapshot,
		Members:           n.snapMembers,
	}
	n.inflight[id] = true // one snapshot at a time is plenty
	n.wg.Add(1)
	go n.installSnapshot(id, n.peers[id], args)
}

// installSnapshot makes one InstallSnapshot call and acts on the reply.
func (n *Node) installSnapshot(id int, peer Peer, args *InstallSnapshotArgs) {
	defer n.wg.Done()
	var reply InstallSnapshotReply
	n.emit(Event{Kind: EventSend, Term: args.Term, Peer: id, RPC: "InstallSnapshot"})
	err := peer.Call("Raft.InstallSnapshot", args, &reply)

	n.mu.Lock()
	defer n.mu.Unlock()
	if n.inflight != nil {
		n.inflight[id] = false
	}
	if n.stopped || err != nil {
		return
	}
	if _, ok := n.peers[id]; !ok { // removed meanwhile: see appendEntries
		return
	}
	if reply.Term > n.currentTerm {
		n.becomeFollower(reply.Term)
		return
	}
	if n.role != Leader || n.currentTerm != args.Term {
		return
	}
	// The follower now holds everything up to the snapshot.
	if args.LastIncludedIndex > n.matchIndex[id] {
		n.matchIndex[id] = args.LastIncludedIndex
		n.signalProgress()
		if n.advanceCommitIndex(); n.role != Leader {
			return
		}
	}
	n.nextIndex[id] = max(n.nextIndex[id], args.LastIncludedIndex+1)
	if n.nextIndex[id] <= n.log.lastIndex() && !n.inflight[id] {
		n.sendAppendEntries(id, true)
	}
}

// InstallSnapshot is the RPC handler a leader calls (Figure 13, "Receiver
// implementation").
func (n *Node) InstallSnapshot(args *InstallSnapshotArgs, reply *InstallSnapshotReply) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return ErrStopped
	}
	n.emit(Event{Kind: EventReceive, Peer: args.LeaderID, RPC: "InstallSnapshot"})
	reply.Term = n.currentTerm
	if args.Term < n.currentTerm {
		return nil
	}
	n.becomeFollower(args.Term)
	reply.Term = n.currentTerm
	n.leaderID = args.LeaderID
	n.resetElectionDeadline()
	n.leaderContact = time.Now()

	// A snapshot that does not go past what we have already committed
	// brings nothing new (a delayed or duplicate message).
	if args.LastIncludedIndex <= n.commitIndex {
		return nil
	}
	// If our log holds the snapshot's last entry, the entries after it are
	// still good and we keep them; otherwise the whole log is superseded
	// (Figure 13, steps 6 and 7).
	var keep []Entry
	if t, ok := n.log.term(args.LastIncludedIndex); ok && t == args.LastIncludedTerm && n.log.lastIndex() > args.LastIncludedIndex {
		keep = n.log.slice(args.LastIncludedIndex+1, n.log.lastIndex())
	}
	// Save first and change memory only once the snapshot is on disk: a
	// node whose memory ran ahead of its storage would restart as a
	// different node. A node that cannot persist stops.
	snap := Snapshot{Index: args.LastIncludedIndex, Term: args.LastIncludedTerm, Data: args.Data, Members: args.Members}
	if err := n.storage.SaveSnapshot(snap, keep); err != nil {
		n.logger.Error("save snapshot failed; stopping", "err", err)
		go n.Stop()
		return fmt.Errorf("raft: node %d: save snapshot: %w", n.id, err)
	}
	n.log = newLog(args.LastIncludedIndex, args.LastIncludedTerm, keep)
	n.snapshot = args.Data
	if args.Members != nil {
		n.snapMembers = args.Members
	}
	n.reloadMembers()
	n.commitIndex = args.LastIncludedIndex
	n.pendingSnapshot = &snap
	notify(n.applyNotify)
	n.logger.Debug("installed snapshot", "index", args.LastIncludedIndex, "term", args.LastIncludedTerm)
	n.emit(Event{Kind: EventSnapshot, Index: args.LastIncludedIndex})
	return nil
}
