// The configuration a node uses: which servers are members, how it reaches
// them, and how a configuration is written down. membership.go changes it;
// this file keeps every node's view of it in step with its log.

package raft

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// isVoter reports whether id is a member of the current configuration.
// Callers hold n.mu.
func (n *Node) isVoter(id int) bool {
	return slices.ContainsFunc(n.members, func(m Member) bool { return m.ID == id })
}

// quorum is the number of votes or copies that make a majority of the
// current configuration (1 for an empty one, whose node is no voter and so
// never counts toward it). Callers hold n.mu.
func (n *Node) quorum() int { return len(n.members)/2 + 1 }

// setMembers switches the node to the configuration members, written at
// log index (0 for one that came with a snapshot or from Config). Callers
// hold n.mu.
func (n *Node) setMembers(members []Member, index int) {
	changed := !slices.Equal(members, n.members)
	n.members, n.configIndex = members, index
	n.syncPeers()
	if changed {
		ids := make([]int, len(members))
		for i, m := range members {
			ids[i] = m.ID
		}
		n.logger.Info("membership", "members", ids, "index", index)
		n.emit(Event{Kind: EventMembership, Index: index})
	}
}

// reloadMembers sets the configuration from the log after the log changed
// other than by an append at its end: a truncation, a snapshot installed,
// a restart. Callers hold n.mu.
func (n *Node) reloadMembers() {
	members, index := n.membersAt(n.log.lastIndex())
	n.setMembers(members, index)
}

// membersAt returns the configuration in force at log index, and the index
// of the entry that set it (0 if it predates the log). index must not be
// below the snapshot. Callers hold n.mu.
func (n *Node) membersAt(index int) ([]Member, int) {
	for i := index; i > n.log.snapshotIndex(); i-- {
		e := &n.log.entries[i-n.log.snapshotIndex()]
		if e.Type != EntryConfig {
			continue
		}
		members, err := decodeMembers(e.Command)
		if err != nil {
			// Unreachable for entries a leader wrote; never act on a guess.
			n.logger.Error("skipping undecodable configuration entry", "index", i, "err", err)
			continue
		}
		return members, i
	}
	return n.snapMembers, 0
}

// syncPeers makes n.peers hold a Peer for every member but this node, plus
// the learner being caught up, and nothing else. Peers given in
// Config.Peers are reused; others come from Config.Dial and are closed when
// their server leaves. Callers hold n.mu.
func (n *Node) syncPeers() {
	want := make(map[int]string, len(n.members)+1)
	for _, m := range n.members {
		if m.ID != n.id {
			want[m.ID] = m.Addr
		}
	}
	if n.learner != nil {
		want[n.learner.ID] = n.learner.Addr
	}
	for id, addr := range want {
		if _, ok := n.peers[id]; ok {
			continue
		}
		if p, ok := n.cfg.Peers[id]; ok && addr == n.cfg.Addrs[id] {
			n.peers[id] = p // a starting member, at the address it started with
		} else {
			n.peers[id] = n.dial(id, addr)
			n.dialed[id] = true
		}
		if n.role == Leader {
			n.nextIndex[id] = n.log.lastIndex() + 1
			n.matchIndex[id] = 0
			n.sendAppendEntries(id, true)
		}
	}
	for id, p := range n.peers {
		if _, ok := want[id]; ok {
			continue
		}
		delete(n.peers, id)
		delete(n.nextIndex, id)
		delete(n.matchIndex, id)
		delete(n.inflight, id)
		n.closeDialed(id, p)
	}
}

// closeDialed closes p, the peer of server id, if this node dialed it; the
// caller of New owns the peers in Config.Peers. Callers hold n.mu.
func (n *Node) closeDialed(id int, p Peer) {
	if !n.dialed[id] {
		return
	}
	delete(n.dialed, id)
	if c, ok := p.(io.Closer); ok {
		c.Close()
	}
}

// dial returns a Peer for a server first met in a configuration.
func (n *Node) dial(id int, addr string) Peer {
	switch {
	case n.cfg.Dial != nil:
		return n.cfg.Dial(id, addr)
	case addr != "":
		return DialPeer(addr, n.cfg.ElectionTimeoutMax)
	}
	return unreachablePeer{id}
}

// unreachablePeer stands for a member with no address and no Config.Dial.
type unreachablePeer struct{ id int }

func (p unreachablePeer) Call(string, any, any) error {
	return fmt.Errorf("raft: no address for server %d (set Config.Addrs or Config.Dial)", p.id)
}

// bootstrapMembers is the configuration a node starts from when neither its
// log nor its snapshot names one: this node and Config.Peers, all voters,
// or nobody for a node that waits to be added.
func bootstrapMembers(cfg Config) []Member {
	if cfg.Join {
		return []Member{}
	}
	members := []Member{{ID: cfg.ID, Addr: cfg.Addrs[cfg.ID]}}
	for id := range cfg.Peers {
		if id != cfg.ID {
			members = append(members, Member{ID: id, Addr: cfg.Addrs[id]})
		}
	}
	slices.SortFunc(members, func(a, b Member) int { return cmp.Compare(a.ID, b.ID) })
	return members
}

// The encoding of a membership, in a configuration entry and in FileStorage's
// snapshot file: uvarint count+1 (0 for nil), then per member uvarint ID,
// uvarint address length, address bytes.
const (
	maxMembers    = 1024
	maxMemberAddr = 1024
)

func encodeMembers(b []byte, members []Member) []byte {
	if members == nil {
		return binary.AppendUvarint(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(members))+1)
	for _, m := range members {
		b = binary.AppendUvarint(b, uint64(m.ID))
		b = binary.AppendUvarint(b, uint64(len(m.Addr)))
		b = append(b, m.Addr...)
	}
	return b
}

// decodeMembers decodes a whole configuration entry.
func decodeMembers(b []byte) ([]Member, error) {
	r := fileReader{b: b}
	members := r.members()
	if r.bad || len(r.b) > 0 {
		return nil, errors.New("raft: malformed membership")
	}
	return members, nil
}

// members reads an encoded membership from the front of r.
func (r *fileReader) members() []Member {
	count := r.uvarint()
	if r.bad || count == 0 {
		return nil
	}
	count--
	if count > maxMembers {
		r.bad = true
		return nil
	}
	members := make([]Member, 0, count)
	for range count {
		id, size := r.uvarint(), r.uvarint()
		if r.bad || size > maxMemberAddr || size > len(r.b) {
			r.bad = true
			return nil
		}
		members = append(members, Member{ID: id, Addr: string(r.b[:size])})
		r.b = r.b[size:]
	}
	return members
}
