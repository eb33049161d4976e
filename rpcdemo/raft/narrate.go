// The narrator: turns the nodes' events into sentences.

package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"distkit/pkg/raft"
)

// narrator prints what the cluster does, one sentence per event worth
// telling. Heartbeats and individual RPCs are left out: there are dozens
// per second and they would drown the story.
type narrator struct {
	mu      sync.Mutex
	w       io.Writer
	start   time.Time
	leaders chan leaderChange // each newly elected leader, for the story to wait on
}

type leaderChange struct{ id, term int }

func newNarrator(w io.Writer) *narrator {
	return &narrator{w: w, start: time.Now(), leaders: make(chan leaderChange, 64)}
}

// say prints one line, stamped with the time since the story began.
func (n *narrator) say(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, "[%6.3fs] %s\n", time.Since(n.start).Seconds(), fmt.Sprintf(format, args...))
}

// step prints a heading for the next part of the story.
func (n *narrator) step(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, "\n%s\n", fmt.Sprintf(format, args...))
}

// event is the Config.OnEvent hook of every node.
func (n *narrator) event(e raft.Event) {
	switch e.Kind {
	case raft.EventRole:
		switch e.Role {
		case raft.Candidate:
			n.say("node %d heard no leader before its election timeout: candidate for term %d, asks for votes", e.Node, e.Term)
		case raft.Leader:
			n.say("node %d won a majority: LEADER of term %d", e.Node, e.Term)
			select {
			case n.leaders <- leaderChange{e.Node, e.Term}:
			default:
			}
		case raft.Follower:
			n.say("node %d saw term %d and stepped down to follower", e.Node, e.Term)
		}
	case raft.EventVote:
		n.say("node %d got a vote from node %d (term %d)", e.Node, e.Peer, e.Term)
	}
}
