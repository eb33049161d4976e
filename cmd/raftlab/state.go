// What the page and GET /api/state show: every node's role, term, vote
// and log, the partition, the faults, and which node really leads.

package main

import (
	"fmt"
	"time"

	"distkit/pkg/kv"
)

// state is the cluster as the dashboard draws it.
type state struct {
	Nodes    []nodeView    `json:"nodes"`
	Leader   int           `json:"leader"` // the confirmed leader (see confirmedLeader), -1 if none
	Groups   [][]int       `json:"groups"` // sides of the partition; one group when healed
	Loss     float64       `json:"loss"`
	DelayMs  int64         `json:"delayMs"`
	Slowdown int           `json:"slowdown"`
	Unsafe   bool          `json:"unsafe"` // servers run with kv's UnsafeStaleReads
	Workload *workloadView `json:"workload,omitempty"`
	Uptime   int64         `json:"t"` // milliseconds since raftlab started
}

// nodeView is one node: raft.Status, its kv state and its log's tail.
type nodeView struct {
	ID        int    `json:"id"`
	Addr      string `json:"addr"`
	Up        bool   `json:"up"`
	Role      string `json:"role"` // follower, candidate, leader; "down" when crashed
	Term      int    `json:"term"`
	VotedFor  int    `json:"votedFor"`
	LeaderID  int    `json:"leaderId"`
	Commit    int    `json:"commitIndex"`
	Applied   int    `json:"lastApplied"`
	LastIndex int    `json:"lastIndex"`
	SnapIndex int    `json:"snapIndex"`
	Keys      int    `json:"keys"`
	Log       []mark `json:"log"` // the last entries, oldest first
}

// state gathers the cluster's state. It takes each node's mutexes briefly
// (through Status), never the hub's.
func (l *lab) state() state {
	st := state{Leader: -1, Groups: l.faults.groups()}
	l.faults.mu.Lock()
	st.Loss, st.DelayMs = l.faults.loss, l.faults.delay.Milliseconds()
	l.faults.mu.Unlock()
	l.mu.Lock()
	st.Slowdown, st.Unsafe = l.slowdown, l.unsafe
	st.Workload = l.workloadView()
	servers := make([]*kv.Server, len(l.members))
	for i, m := range l.members {
		servers[i] = m.srv // nil while crashed
	}
	l.mu.Unlock()

	// Status of a server stopped since (a crash racing this call) is still
	// safe to read: it is the node's last state.
	for i, m := range l.members {
		v := nodeView{ID: m.id, Addr: m.addr, Role: "down", VotedFor: -1, LeaderID: -1}
		if srv := servers[i]; srv != nil {
			s := srv.Status()
			v = nodeView{ID: m.id, Addr: m.addr, Up: true, Role: s.Role.String(), Term: s.Term,
				VotedFor: s.VotedFor, LeaderID: s.LeaderID, Commit: s.CommitIndex, Applied: s.LastApplied,
				LastIndex: s.LastIndex, SnapIndex: s.SnapIndex, Keys: s.Keys}
		}
		v.Log = m.storage.last()
		st.Nodes = append(st.Nodes, v)
	}
	st.Leader = confirmedLeader(st.Nodes, st.Groups)
	st.Uptime = time.Since(l.hub.start).Milliseconds()
	return st
}

// confirmedLeader returns the node that leads with a majority behind it:
// up, on its side of the partition, and in its term. A deposed leader cut
// off in a minority still believes it leads (it has heard of no newer
// term); this is what tells the two apart. -1 if there is none.
func confirmedLeader(nodes []nodeView, groups [][]int) int {
	side := map[int]int{}
	for g, ids := range groups {
		for _, id := range ids {
			side[id] = g
		}
	}
	for _, n := range nodes {
		if n.Role != "leader" {
			continue
		}
		backers := 0
		for _, o := range nodes {
			if o.Up && side[o.ID] == side[n.ID] && o.Term == n.Term {
				backers++
			}
		}
		if backers > len(nodes)/2 {
			return n.ID
		}
	}
	return -1
}

// narrate prints one line of the story on the terminal.
func (l *lab) narrate(ln line) {
	if l.cfg.out != nil {
		fmt.Fprintf(l.cfg.out, "[%7.3fs] %s\n", float64(ln.T)/1000, ln.Text)
	}
}
