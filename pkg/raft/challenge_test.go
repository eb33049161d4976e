//go:build challenge

// Checks for the workshop exercises on this package (see CHALLENGES.md).
// They fail until the exercise is solved:
//
//	go test -tags challenge -run TestChallenge_PreVote ./pkg/raft
//	go test -tags challenge -run TestChallenge_CheckQuorum ./pkg/raft

package raft

import (
	"testing"
	"time"
)

// TestChallenge_PreVote: a follower cut off for a long time must not come
// back with a huge term and depose a healthy leader (Raft thesis §9.6).
func TestChallenge_PreVote(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		const n = 3
		c := newCluster(t, n, seed)
		defer c.cleanup()
		c.one(cmd("before"), n, true)
		leader := c.checkOneLeader()
		term, _ := c.node(leader).State()
		// Isolate a follower for five seconds while the others carry on.
		follower := (leader + 1) % n
		c.disconnect(follower)
		for k := range 3 {
			c.one(cmd("during%d", k), n-1, true)
		}
		pass(5 * time.Second)
		isolatedTerm, _ := c.node(follower).State()
		// Heal: the follower catches up, and nobody else notices.
		c.connect(follower)
		c.one(cmd("after"), n, true)
		pass(2 * electionMax)
		if isolatedTerm != term {
			t.Errorf("seed %d: the isolated follower raised its term from %d to %d", seed, term, isolatedTerm)
		}
		if now, isLeader := c.node(leader).State(); now != term || !isLeader {
			t.Errorf("seed %d: after the follower rejoined, node %d has term %d and leads=%v; want term %d and still leading",
				seed, leader, now, isLeader, term)
		}
	})
}

// TestChallenge_CheckQuorum: a leader that cannot reach a majority steps
// down instead of leading forever in a minority (Raft thesis §6.2).
func TestChallenge_CheckQuorum(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		const n = 5
		c := newCluster(t, n, seed)
		defer c.cleanup()
		c.one(cmd("before"), n, true)
		// Partition the leader with one follower.
		leader := c.checkOneLeader()
		minority := []int{leader, (leader + 1) % n}
		c.net.Partition(group(minority...), group(others(n, minority...)...))
		partitioned := time.Now()
		// The majority elects a new leader; the old one must notice it has
		// lost its majority within a couple of election timeouts.
		c.checkOneLeader(others(n, minority...)...)
		pass(2 * electionMax)
		if _, isLeader := c.node(leader).State(); isLeader {
			t.Errorf("seed %d: node %d still leads %v after losing its majority", seed, leader, time.Since(partitioned))
		}
		if _, _, ok := c.node(leader).Start(cmd("stale")); ok {
			t.Errorf("seed %d: a leader cut off from its majority still accepts commands", seed)
		}
		// Heal: one cluster again.
		c.net.Heal()
		c.one(cmd("after"), n, true)
	})
}
