// The applier: the one goroutine that talks to the service.
//
// Committed entries and installed snapshots reach the service through
// Config.ApplyCh in log order. Only this goroutine sends on the channel, and
// it never holds the mutex while it does, so a slow service can delay
// applying but never freezes elections or replication.

package raft

// applier waits for commitIndex to pass lastApplied (or for a snapshot to
// install) and delivers what is new.
func (n *Node) applier() {
	defer n.wg.Done()
	for {
		select {
		case <-n.done:
			return
		case <-n.applyNotify:
		}
		for {
			msgs := n.nextToApply()
			if len(msgs) == 0 {
				break
			}
			for _, m := range msgs {
				select {
				case n.applyCh <- m:
				case <-n.done:
					return
				}
			}
		}
	}
}

// nextToApply takes the next batch for the service and advances
// lastApplied past it, as if it were already delivered: the applier is the
// only one who delivers, so nobody can observe the difference.
func (n *Node) nextToApply() []ApplyMsg {
	n.mu.Lock()
	defer n.mu.Unlock()
	// A snapshot from the leader replaces everything up to its index, so it
	// goes first; the entries after it follow in later batches.
	if s := n.pendingSnapshot; s != nil {
		n.pendingSnapshot = nil
		if s.Index > n.lastApplied {
			n.lastApplied = s.Index
			return []ApplyMsg{{SnapshotValid: true, Snapshot: s.Data, SnapshotIndex: s.Index, SnapshotTerm: s.Term}}
		}
	}
	if n.lastApplied >= n.commitIndex {
		return nil
	}
	lo, hi := n.lastApplied+1, n.commitIndex
	msgs := make([]ApplyMsg, 0, hi-lo+1)
	for _, e := range n.log.slice(lo, hi) {
		if e.Type != EntryCommand {
			continue // Raft's own entry (membership.go): nothing for the service
		}
		msgs = append(msgs, ApplyMsg{CommandValid: true, Command: e.Command, CommandIndex: e.Index, CommandTerm: e.Term})
	}
	n.lastApplied = hi
	return msgs
}
