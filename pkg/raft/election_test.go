package raft

import (
	"testing"
	"testing/synctest"
)

func TestElection_InitialLeader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 1)
		defer c.cleanup()
		c.checkOneLeader()
		// With no failures, the leader keeps its term.
		term1 := c.checkTerms()
		if term1 < 1 {
			t.Fatalf("term is %d after the first election, want >= 1", term1)
		}
		pass(2 * electionMax)
		if term2 := c.checkTerms(); term2 != term1 {
			t.Errorf("term changed from %d to %d with no failures", term1, term2)
		}
		c.checkOneLeader()
	})
}

func TestElection_ReelectAfterLeaderLoss(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 2)
		defer c.cleanup()
		leader1 := c.checkOneLeader()
		// Disconnect the leader: the other two elect a new one.
		c.net.Isolate(name(leader1))
		leader2 := c.checkOneLeader(others(3, leader1)...)
		// The old leader rejoins; it must not disturb the new leader.
		c.net.Heal()
		if got := c.checkOneLeader(); got != leader2 {
			t.Logf("leader changed from %d to %d after heal", leader2, got)
		}
		// No quorum, no leader.
		leader3 := c.checkOneLeader()
		c.net.Isolate(name(leader3))
		c.net.Isolate(name((leader3 + 1) % 3))
		pass(2 * electionMax)
		c.checkNoLeader(others(3, leader3)...)
		// A quorum is back: a leader again.
		c.net.Heal()
		c.checkOneLeader()
	})
}

// others lists 0..n-1 without the given nodes.
func others(n int, without ...int) []int {
	var out []int
outer:
	for i := range n {
		for _, w := range without {
			if i == w {
				continue outer
			}
		}
		out = append(out, i)
	}
	return out
}
