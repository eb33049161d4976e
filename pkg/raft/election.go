// Leader election (§5.2) and the ticker that drives it.
//
// A follower that hears nothing from a leader for its election timeout
// becomes a candidate: it votes for itself in a new term and asks every peer
// for a vote. A majority makes it leader; a message from a legitimate leader
// or a higher term makes it a follower again; a split vote simply times out
// and tries again, and the randomized timeouts make a repeat unlikely.

package raft

import "time"

// RequestVoteArgs is the RequestVote RPC's argument (Figure 2).
type RequestVoteArgs struct {
	Term         int // candidate's term
	CandidateID  int
	LastLogIndex int // index of the candidate's last log entry (§5.4)
	LastLogTerm  int // term of the candidate's last log entry (§5.4)

	// Transfer marks the election of a leadership transfer, which must
	// win even where a leader was heard from just now (thesis §3.10).
	Transfer bool
}

// RequestVoteReply is the RequestVote RPC's result (Figure 2).
type RequestVoteReply struct {
	Term        int // currentTerm, for the candidate to update itself
	VoteGranted bool
}

// ticker is the node's one clock-driven goroutine. A leader sends heartbeats
// every HeartbeatInterval; anyone else starts an election once its deadline
// passes. It sleeps exactly until the next thing due, so an idle cluster in
// a synctest bubble costs nothing between heartbeats. A node that wins an
// election wakes it through tickNow: the ticker was sleeping until the
// election deadline, far later than the first heartbeat is due.
func (n *Node) ticker() {
	defer n.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-n.done:
			return
		case <-timer.C:
		case <-n.tickNow:
		}
		n.mu.Lock()
		if n.stopped { // Stop is waiting for us: start nothing new
			n.mu.Unlock()
			return
		}
		var wait time.Duration
		if n.role == Leader {
			n.broadcastHeartbeat()
			wait = n.cfg.HeartbeatInterval
		} else {
			wait = time.Until(n.electionDeadline)
			if wait <= 0 {
				if n.isVoter(n.id) {
					n.becomeCandidate(false)
				} else {
					// Not a member (yet, or any more): never campaign.
					n.resetElectionDeadline()
				}
				wait = time.Until(n.electionDeadline)
			}
		}
		n.mu.Unlock()
		timer.Reset(wait)
	}
}

// becomeFollower moves to term (which is at least currentTerm) as a
// follower. A new term clears the vote: each term allows one vote (§5.2).
func (n *Node) becomeFollower(term int) {
	if term > n.currentTerm {
		n.currentTerm = term
		n.votedFor = noVote
		n.leaderID = -1
		n.persistHardState()
	}
	if n.role != Follower {
		n.logger.Info("became follower", "term", n.currentTerm)
		n.emit(Event{Kind: EventRole, Role: Follower})
		n.failReads() // a leader stepping down confirms no reads (readindex.go)
	}
	n.role = Follower
	n.endTransfer()
	n.signalProgress() // a waiting AddServer or RemoveServer learns it lost office
}

// becomeCandidate starts an election: a new term, a vote for itself, a fresh
// random timeout in case this election splits, and RequestVote to every
// other member. transfer is true when the leader asked for it (TimeoutNow).
// Only members of the current configuration campaign.
func (n *Node) becomeCandidate(transfer bool) {
	n.role = Candidate
	n.currentTerm++
	n.votedFor = n.id
	n.leaderID = -1
	n.votes = 1
	n.persistHardState()
	n.resetElectionDeadline()
	n.logger.Info("became candidate", "term", n.currentTerm)
	n.emit(Event{Kind: EventRole, Role: Candidate})

	if n.votes >= n.quorum() { // a cluster of one elects itself
		n.becomeLeader()
		return
	}
	args := &RequestVoteArgs{
		Term:         n.currentTerm,
		CandidateID:  n.id,
		LastLogIndex: n.log.lastIndex(),
		LastLogTerm:  n.log.lastTerm(),
		Transfer:     transfer,
	}
	for _, m := range n.members {
		if m.ID != n.id {
			n.wg.Add(1)
			go n.requestVote(m.ID, n.peers[m.ID], args)
		}
	}
}

// requestVote asks one peer for its vote and counts the answer. It runs in
// its own goroutine and takes the mutex only after the call returns.
func (n *Node) requestVote(id int, peer Peer, args *RequestVoteArgs) {
	defer n.wg.Done()
	var reply RequestVoteReply
	n.emit(Event{Kind: EventSend, Term: args.Term, Peer: id, RPC: "RequestVote"})
	if err := peer.Call("Raft.RequestVote", args, &reply); err != nil {
		n.logger.Debug("request vote failed", "peer", id, "err", err)
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return
	}
	if reply.Term > n.currentTerm {
		n.becomeFollower(reply.Term)
		return
	}
	// A late reply from an election we already won, lost or abandoned says
	// nothing about the current one.
	if n.role != Candidate || n.currentTerm != args.Term || !reply.VoteGranted {
		return
	}
	n.votes++
	n.emit(Event{Kind: EventVote, Peer: id})
	if n.votes == n.quorum() {
		n.becomeLeader()
	}
}

// RequestVote is the RPC handler a candidate calls (Figure 2, "Receiver
// implementation").
func (n *Node) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return ErrStopped
	}
	n.emit(Event{Kind: EventReceive, Peer: args.CandidateID, RPC: "RequestVote"})
	// Thesis §4.2.3: while a leader is heard from, ignore candidates
	// altogether, higher term included. A removed server that never
	// learned of its removal would otherwise depose the leader again and
	// again. A transfer's election is meant to depose it, so it passes.
	if args.Term > n.currentTerm && !args.Transfer && n.heardFromLeader() {
		reply.Term = n.currentTerm
		return nil
	}
	if args.Term > n.currentTerm {
		n.becomeFollower(args.Term)
	}
	reply.Term = n.currentTerm
	// 1. Reply false if term < currentTerm.
	if args.Term < n.currentTerm {
		return nil
	}
	// 2. One vote per term, and only for a candidate whose log is at least
	// as up-to-date as ours (§5.4.1): a later last term wins, and with equal
	// last terms the longer log wins. This is what keeps every committed
	// entry in the log of every future leader.
	upToDate := args.LastLogTerm > n.log.lastTerm() ||
		(args.LastLogTerm == n.log.lastTerm() && args.LastLogIndex >= n.log.lastIndex())
	if (n.votedFor == noVote || n.votedFor == args.CandidateID) && upToDate {
		n.votedFor = args.CandidateID
		if err := n.persistHardState(); err != nil {
			return err // no reply: a vote not on disk could be cast twice
		}
		// Granting a vote resets the timer, so that a follower does not
		// start a competing election while the candidate it backs wins.
		n.resetElectionDeadline()
		reply.VoteGranted = true
		n.logger.Debug("granted vote", "candidate", args.CandidateID, "term", n.currentTerm)
	}
	return nil
}

// heardFromLeader reports whether this node leads, or heard from the leader
// of its term within the minimum election timeout. Callers hold n.mu.
func (n *Node) heardFromLeader() bool {
	return n.role == Leader ||
		(n.leaderID != -1 && time.Since(n.leaderContact) < n.cfg.ElectionTimeoutMin)
}

// becomeLeader takes office for currentTerm: every nextIndex starts just
// past the leader's log and every matchIndex at 0 (Figure 2), and an
// immediate round of AppendEntries announces the new leader.
func (n *Node) becomeLeader() {
	n.role = Leader
	n.leaderID = n.id
	n.nextIndex = make(map[int]int, len(n.peers))
	n.matchIndex = make(map[int]int, len(n.peers))
	n.inflight = make(map[int]bool, len(n.peers))
	for id := range n.peers {
		n.nextIndex[id] = n.log.lastIndex() + 1
		n.matchIndex[id] = 0
	}
	n.durableIndex = n.log.lastIndex()
	n.logger.Info("became leader", "term", n.currentTerm, "lastIndex", n.log.lastIndex())
	n.emit(Event{Kind: EventRole, Role: Leader})
	// The ticker sends the first round of heartbeats now, which announces
	// the new leader, and keeps the rhythm from there.
	notify(n.tickNow)
}
