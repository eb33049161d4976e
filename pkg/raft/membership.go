// Membership change (Raft thesis §4): adding and removing servers while the
// cluster keeps serving.
//
// Switching every server from one configuration to another at once is
// unsafe: for a moment some servers count majorities of the old set and
// some of the new, and two disjoint majorities can elect two leaders in one
// term. The thesis's simpler answer (§4.1) is to change one server at a
// time. Any majority of {A, B, C} and any majority of {A, B, C, D} share a
// server, so whichever configuration each server uses, two leaders cannot
// both win a term. (Section numbers in this file are the thesis's.)
//
// A configuration is a log entry (EntryConfig) listing every voting member.
// A server uses the newest configuration in its log as soon as the entry is
// appended, committed or not, and falls back to an older one if a new leader
// truncates the entry away. The leader allows one change at a time: the next
// may start only once the last one is committed.
//
// Three more rules make it usable:
//
//   - A new server starts with an empty log and would hold up commitment
//     while it caught up, so the leader first replicates to it as a
//     non-voter, outside any configuration, in rounds (§4.2.1): each round
//     sends everything the leader had when the round began, and once a
//     round takes less than an election timeout, the server counts.
//   - A leader may remove itself (§4.2.2). It then manages a cluster it does
//     not belong to: it no longer counts its own log toward majorities, and
//     it steps down once the new configuration is committed.
//   - A leader commits an entry of its own term before it changes the
//     configuration. Without this rule single-server changes are unsafe
//     (Ongaro, raft-dev, 2015): take {S1, S2, S3, S4} with leader S1 in term
//     1. S1 appends C1 = add S5 and reaches only S5, then stalls. S2 wins term
//     2 with S3 and S4 and appends C2 = remove S1, committed by S2 and S3, a
//     majority of C2. S1 wakes, and under C1 wins term 3 with S4 and S5 (S4's
//     log is no newer than S1's), then overwrites the committed C2. With the
//     rule, S2 first commits an entry of term 2 on three of the four servers
//     of the old configuration, so S4 or S3 has it and S1 can no longer win.
//     A leader with nothing of its own committed appends an EntryNoop.
//
// Removed servers that never hear of their removal would time out and start
// elections with ever higher terms. §4.2.3's remedy is in RequestVote: a
// server that heard from a leader within the minimum election timeout ignores
// a vote request, unless it is part of a leadership transfer.

package raft

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Member is one voting server of a configuration: its ID and the address
// that other servers hand to Config.Dial to reach it.
type Member struct {
	ID   int
	Addr string
}

// Errors of AddServer and RemoveServer besides ErrNotLeader and ErrStopped.
var (
	ErrChangeInProgress = errors.New("raft: a membership change is already under way")
	ErrCatchUp          = errors.New("raft: the new server did not catch up")
)

// maxCatchUpRounds bounds the rounds of replication a new server gets before
// AddServer gives up on it (thesis §4.2.1 suggests about ten).
const maxCatchUpRounds = 10

// AddServer adds server id, reachable at addr, to the cluster as a voting
// member and returns once the new configuration is committed. The server
// must be running, started with Config.Join. Call it on the leader; it
// returns ErrNotLeader elsewhere, ErrChangeInProgress while another change
// runs, and ErrCatchUp if the server cannot catch up in maxCatchUpRounds
// rounds. A server that never answers never finishes a round, so only ctx
// ends the wait then: ctx bounds the whole call, including the catch-up.
// When it ends after the configuration entry was appended, the change may
// still take effect, like any command of a leader that is then deposed.
func (n *Node) AddServer(ctx context.Context, id int, addr string) error {
	term, err := n.beginChange(ctx, func() error {
		switch {
		case id < 0 || id > fileMaxIndex:
			return fmt.Errorf("raft: add server %d: IDs are 0 or more", id)
		case len(addr) > maxMemberAddr:
			return fmt.Errorf("raft: add server %d: address of %d bytes (at most %d)", id, len(addr), maxMemberAddr)
		case n.isVoter(id):
			return fmt.Errorf("raft: add server %d: already a member", id)
		case len(n.members) >= maxMembers:
			return fmt.Errorf("raft: add server %d: the cluster has %d members already", id, len(n.members))
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer n.endChange()

	// Replicate to the new server as a non-voter until it keeps pace.
	n.mu.Lock()
	if err := n.stillLeading(term); err != nil {
		n.mu.Unlock()
		return err
	}
	n.learner = &Member{ID: id, Addr: addr}
	n.syncPeers()
	n.mu.Unlock()
	if err := n.catchUp(ctx, term, id); err != nil {
		return fmt.Errorf("raft: add server %d: %w", id, err)
	}

	n.mu.Lock()
	members := append(slices.Clone(n.members), Member{ID: id, Addr: addr})
	index, err := n.appendConfig(term, members)
	n.mu.Unlock()
	if err != nil {
		return fmt.Errorf("raft: add server %d: %w", id, err)
	}
	return n.awaitCommit(ctx, term, index)
}

// RemoveServer removes server id from the cluster and returns once the new
// configuration is committed. A leader may remove itself; it steps down once
// the change commits. The errors are those of AddServer.
func (n *Node) RemoveServer(ctx context.Context, id int) error {
	term, err := n.beginChange(ctx, func() error {
		switch {
		case !n.isVoter(id):
			return fmt.Errorf("raft: remove server %d: not a member", id)
		case len(n.members) == 1:
			return fmt.Errorf("raft: remove server %d: it is the last member", id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer n.endChange()

	n.mu.Lock()
	members := slices.DeleteFunc(slices.Clone(n.members), func(m Member) bool { return m.ID == id })
	index, err := n.appendConfig(term, members)
	n.mu.Unlock()
	if err != nil {
		return fmt.Errorf("raft: remove server %d: %w", id, err)
	}
	return n.awaitCommit(ctx, term, index)
}

// Members returns the node's current configuration: the newest in its log,
// committed or not.
func (n *Node) Members() []Member {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.members)
}

// beginChange checks that this node may start a change (it leads, nothing
// else is changing, check passes) and then waits until the leader has
// committed an entry of its own term and the last configuration. It
// returns the term it leads.
func (n *Node) beginChange(ctx context.Context, check func() error) (int, error) {
	n.mu.Lock()
	switch {
	case n.stopped:
		n.mu.Unlock()
		return 0, ErrStopped
	case n.role != Leader || n.transferDone != nil:
		n.mu.Unlock()
		return 0, ErrNotLeader
	case n.changing:
		n.mu.Unlock()
		return 0, ErrChangeInProgress
	}
	if err := check(); err != nil {
		n.mu.Unlock()
		return 0, err
	}
	n.changing = true
	term := n.currentTerm
	// The rule from the doc above: commit something of our own term first.
	if t, _ := n.log.term(n.commitIndex); t != term && n.log.lastTerm() != term {
		if _, err := n.appendAsLeader(EntryNoop, nil); err != nil {
			n.changing = false
			n.mu.Unlock()
			return 0, err
		}
	}
	n.mu.Unlock()
	err := n.waitLeading(ctx, term, func() bool {
		t, _ := n.log.term(n.commitIndex)
		return t == term && n.configIndex <= n.commitIndex
	})
	if err != nil {
		n.endChange()
		return 0, err
	}
	return term, nil
}

// endChange lets the next change start and forgets a learner that never
// became a member.
func (n *Node) endChange() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.changing = false
	if n.learner != nil {
		n.learner = nil
		n.syncPeers()
	}
}

// catchUp waits, in rounds, until learner id has the leader's log (thesis
// §4.2.1). A round ends when the learner holds every entry the leader had
// when the round began; a round shorter than the minimum election timeout
// means the learner now keeps up well enough that, as a voter, it would not
// leave the cluster without a majority for long.
func (n *Node) catchUp(ctx context.Context, term, id int) error {
	for round := 1; ; round++ {
		n.mu.Lock()
		target := n.log.lastIndex()
		n.mu.Unlock()
		began := time.Now()
		if err := n.waitLeading(ctx, term, func() bool { return n.matchIndex[id] >= target }); err != nil {
			return err
		}
		took := time.Since(began)
		n.logger.Debug("catch-up round", "server", id, "round", round, "index", target, "took", took)
		if took < n.cfg.ElectionTimeoutMin {
			return nil
		}
		if round == maxCatchUpRounds {
			return fmt.Errorf("%w: round %d still took %v", ErrCatchUp, round, took)
		}
	}
}

// appendConfig appends a configuration entry for members and switches to
// it at once (thesis §4.1: servers use the newest configuration in their
// log).
// Callers hold n.mu.
func (n *Node) appendConfig(term int, members []Member) (int, error) {
	if err := n.stillLeading(term); err != nil {
		return 0, err
	}
	slices.SortFunc(members, func(a, b Member) int { return cmp.Compare(a.ID, b.ID) })
	index, err := n.appendAsLeader(EntryConfig, encodeMembers(nil, members))
	if err != nil {
		return 0, err
	}
	n.setMembers(members, index)
	return index, nil
}

// stillLeading returns ErrStopped or ErrNotLeader unless this node runs
// and leads term. Callers hold n.mu.
func (n *Node) stillLeading(term int) error {
	switch {
	case n.stopped:
		return ErrStopped
	case n.role != Leader || n.currentTerm != term:
		return ErrNotLeader
	}
	return nil
}

// awaitCommit waits until the entry at index of this leader's term is
// committed.
func (n *Node) awaitCommit(ctx context.Context, term, index int) error {
	return n.waitLeading(ctx, term, func() bool { return n.commitIndex >= index })
}

// waitLeading blocks until done, called with n.mu held, returns true. It
// gives up with ErrNotLeader once this node no longer leads term, and when
// ctx ends or the node stops. Whatever moves commitIndex, a matchIndex or
// the role wakes it (signalProgress); it never polls.
func (n *Node) waitLeading(ctx context.Context, term int, done func() bool) error {
	for {
		n.mu.Lock()
		if done() {
			n.mu.Unlock()
			return nil
		}
		if err := n.stillLeading(term); err != nil {
			n.mu.Unlock()
			return err
		}
		if n.progress == nil {
			n.progress = make(chan struct{})
		}
		wake := n.progress
		n.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-n.done:
			return ErrStopped
		}
	}
}

// signalProgress wakes every waitLeading. Callers hold n.mu.
func (n *Node) signalProgress() {
	if n.progress != nil {
		close(n.progress)
		n.progress = nil
	}
}
