package raft

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"
)

func TestPersist_RestartOneSeveralAndAllNodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 3
		c := newCluster(t, n, 11)
		defer c.cleanup()
		c.one(cmd("11"), n, true)
		// Crash every node and restart them all from storage.
		for i := range n {
			c.crash(i)
		}
		for i := range n {
			c.start(i)
		}
		c.one(cmd("12"), n, true)
		// Crash and restart the leader.
		leader1 := c.checkOneLeader()
		c.restart(leader1)
		c.one(cmd("13"), n, true)
		// Crash the leader and commit without it; then bring it back.
		leader2 := c.checkOneLeader()
		c.crash(leader2)
		c.one(cmd("14"), n-1, true)
		c.start(leader2)
		c.wait(4, n)
		// Crash a follower, commit without it, bring it back.
		leader3 := c.checkOneLeader()
		c.crash((leader3 + 1) % n)
		c.one(cmd("15"), n-1, true)
		c.start((leader3 + 1) % n)
		c.one(cmd("16"), n, true)
		if got := c.wait(4, n); !bytes.Equal(got, cmd("14")) {
			t.Errorf("index 4 holds %q, want %q", got, "14")
		}
	})
}

func TestPersist_RestartedNodeKeepsTermAndVote(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 12)
		defer c.cleanup()
		c.one(cmd("x"), 3, true)
		leader := c.checkOneLeader()
		follower := (leader + 1) % 3
		before := c.node(follower).Status()
		// Cut the follower off first so that nothing changes its state
		// between the crash and the check.
		c.disconnect(follower)
		c.restart(follower)
		after := c.node(follower).Status()
		if after.Term != before.Term || after.VotedFor != before.VotedFor || after.LastIndex != before.LastIndex {
			t.Errorf("restart changed term/vote/last index from %d/%d/%d to %d/%d/%d",
				before.Term, before.VotedFor, before.LastIndex, after.Term, after.VotedFor, after.LastIndex)
		}
		c.connect(follower)
		c.one(cmd("y"), 3, true)
	})
}

func TestPersist_LeaderAndFollowersCrashRepeatedly(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		const n = 5
		c := newCluster(t, n, seed)
		defer c.cleanup()
		index := 1
		for range 5 {
			c.one(cmd("%d", 10+index), n, true)
			index++
			leader1 := c.checkOneLeader()
			// Crash two followers: three left are still a majority.
			c.crash((leader1 + 1) % n)
			c.crash((leader1 + 2) % n)
			c.one(cmd("%d", 10+index), n-2, true)
			index++
			// Crash the leader and one more: two left, no progress possible.
			c.crash(leader1)
			c.crash((leader1 + 3) % n)
			c.crash((leader1 + 4) % n)
			// Restart the first two followers and the leader, in that order.
			c.start((leader1 + 1) % n)
			c.start((leader1 + 2) % n)
			pass(heartbeat)
			c.start((leader1 + 3) % n)
			c.one(cmd("%d", 10+index), n-2, true)
			index++
			c.start((leader1 + 4) % n)
			c.start(leader1)
		}
		c.one(cmd("1000"), n, true)
	})
}

// TestPersist_Figure8 replays Figure 8 of the paper: an entry from an
// earlier term that sits on a majority may still be overwritten, so a leader
// must not count replicas to commit it.
func TestPersist_Figure8(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 5
		c := newCluster(t, n, 13)
		defer c.cleanup()
		c.one(cmd("first"), n, true)

		// (a) A leader in term T1 gets an entry onto one follower only.
		s1 := c.checkOneLeader()
		s2, s3, s4, s5 := (s1+1)%n, (s1+2)%n, (s1+3)%n, (s1+4)%n
		c.net.Partition(group(s1, s2), group(s3, s4, s5))
		if _, _, ok := c.node(s1).Start(cmd("old-term")); !ok {
			t.Fatalf("leader %d rejected Start", s1)
		}
		pass(heartbeat)

		// (b) S5 wins term T2 with S3 and S4, then takes an entry of its own
		// at the same index, which reaches nobody.
		for try := 0; ; try++ {
			leaderB := c.checkOneLeader(s3, s4, s5)
			if leaderB == s5 {
				break
			}
			if try == 10 {
				t.Fatalf("S5 (node %d) never won an election among %d, %d, %d", s5, s3, s4, s5)
			}
			// Step the wrong winner aside: restart it, which costs it office.
			c.restart(leaderB)
		}
		c.net.Partition(group(s1, s2), group(s3, s4), group(s5))
		if _, _, ok := c.node(s5).Start(cmd("new-term")); !ok {
			t.Fatalf("S5 rejected Start")
		}
		c.crash(s5)

		// (c) S1 or S2 (they hold the longest log) wins term T3 with S3 and
		// S4, and its heartbeats copy the term-T1 entry onto a majority.
		c.net.Partition(group(s1, s2, s3, s4), group(s5))
		leaderC := c.checkOneLeader(s1, s2, s3, s4)
		pass(electionMax)
		for _, i := range []int{s1, s2, s3, s4} {
			if last := c.node(i).Status().LastIndex; last != 2 {
				t.Fatalf("node %d has last index %d, want the old-term entry at 2", i, last)
			}
		}
		// The old-term entry is on four nodes, yet it must not commit:
		// it is not from the leader's term.
		if got, _ := c.nCommitted(2); got > 0 {
			t.Fatalf("an old-term entry on a majority was committed by counting replicas (%d nodes applied it)", got)
		}

		// (d) The leader crashes before committing anything of its own term.
		// S5 comes back; its last entry (term T2) beats the others' (T1),
		// so it wins with S3 and S4 and overwrites index 2.
		c.crash(leaderC)
		c.net.Partition(group(s3, s4, s5), group(s1, s2))
		c.start(s5)
		if got := c.checkOneLeader(s3, s4, s5); got != s5 {
			t.Fatalf("node %d won, want S5 (node %d), the only up-to-date log", got, s5)
		}
		c.one(cmd("after"), 3, true)
		if got := c.wait(2, 3); !bytes.Equal(got, cmd("new-term")) {
			t.Fatalf("index 2 holds %q, want %q", got, "new-term")
		}

		// Everyone back: the old-term entry disappears everywhere.
		c.start(leaderC)
		c.net.Heal()
		c.one(cmd("last"), n, true)
		if c.appliedAnywhere(cmd("old-term")) {
			t.Errorf("the overwritten old-term entry was applied")
		}
	})
}

// group turns node numbers into a netsim partition group.
func group(ids ...int) []string {
	out := make([]string, len(ids))
	for k, id := range ids {
		out[k] = name(id)
	}
	return out
}

// TestPersist_Figure8Randomized plays Figure 8's danger at random: leaders
// crash right after taking commands, and nodes restart from storage,
// again and again. A leader that committed an old-term entry by counting
// would eventually let two nodes apply different commands at one index.
func TestPersist_Figure8Randomized(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		const n = 5
		c := newCluster(t, n, seed)
		defer c.cleanup()
		c.one(cmd("first"), 1, true)
		up := n
		for iter := range 60 {
			leader := -1
			for i := range n {
				if node := c.node(i); node != nil {
					if _, _, ok := node.Start(cmd("it%d-%d", iter, i)); ok {
						leader = i
					}
				}
			}
			// Mostly short pauses, sometimes long enough for an election.
			if c.rng.IntN(1000) < 100 {
				pass(time.Duration(c.rng.Int64N(int64(electionMax / 2))))
			} else {
				pass(time.Duration(c.rng.Int64N(13)) * time.Millisecond)
			}
			if leader != -1 {
				c.crash(leader)
				up--
			}
			if up < 3 {
				if s := c.rng.IntN(n); c.node(s) == nil {
					c.start(s)
					up++
				}
			}
		}
		for i := range n {
			if c.node(i) == nil {
				c.start(i)
			}
		}
		c.one(cmd("last"), n, true)
	})
}
