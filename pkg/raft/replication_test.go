package raft

import (
	"bytes"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestReplication_BasicAgreement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 3)
		defer c.cleanup()
		for i := 1; i <= 3; i++ {
			// Nothing commits before a command is started...
			if n, _ := c.nCommitted(i); n > 0 {
				t.Fatalf("index %d committed before any Start", i)
			}
			// ...and each command lands at the next index on every node.
			if got := c.one(cmd("cmd%d", i), 3, false); got != i {
				t.Fatalf("command %d got index %d, want %d", i, got, i)
			}
		}
	})
}

func TestReplication_FewRPCsPerCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, commands = 3, 10
		c := newCluster(t, n, 4)
		defer c.cleanup()
		leader := c.checkOneLeader()
		c.one(cmd("warm-up"), n, false)
		// Start each command and let the cluster settle without moving the
		// clock, so no heartbeat is counted: what remains is the cost of
		// agreement itself.
		before := c.net.TotalRPCs()
		for k := range commands {
			index, _, ok := c.node(leader).Start(cmd("c%d", k))
			if !ok {
				t.Fatalf("node %d lost leadership with no failures", leader)
			}
			synctest.Wait()
			if got, _ := c.nCommitted(index); got < n/2+1 {
				t.Fatalf("command %d at index %d applied by %d nodes without the clock moving, want a majority", k, index, got)
			}
		}
		// One AppendEntries with the entry and one with the new commit
		// index per follower; allow one more each.
		perCommand := float64(c.net.TotalRPCs()-before) / commands
		if limit := float64(3 * (n - 1)); perCommand > limit {
			t.Errorf("%.1f RPCs per command in a %d-node cluster, want at most %.0f", perCommand, n, limit)
		}
		c.wait(c.maxIndex, n)
	})
}

func TestReplication_IdleClusterSendsOnlyHeartbeats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 3
		c := newCluster(t, n, 5)
		defer c.cleanup()
		c.checkOneLeader()
		term := c.checkTerms()
		// An idle second costs one heartbeat per follower per interval.
		before := c.net.TotalRPCs()
		pass(time.Second)
		got := c.net.TotalRPCs() - before
		want := (n - 1) * int(time.Second/heartbeat)
		if got < want*8/10 || got > want*12/10 {
			t.Errorf("an idle second took %d RPCs, want about %d", got, want)
		}
		if now := c.checkTerms(); now != term {
			t.Errorf("term changed from %d to %d in an idle cluster", term, now)
		}
	})
}

func TestReplication_AgreementDespiteDisconnectedFollower(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 6)
		defer c.cleanup()
		c.one(cmd("101"), 3, false)
		// Disconnect one follower: the other two still make a majority.
		leader := c.checkOneLeader()
		c.disconnect((leader + 1) % 3)
		c.one(cmd("102"), 2, false)
		c.one(cmd("103"), 2, false)
		pass(electionMax)
		c.one(cmd("104"), 2, false)
		c.one(cmd("105"), 2, false)
		// Reconnect it: it catches up on everything it missed.
		c.connect((leader + 1) % 3)
		c.one(cmd("106"), 3, true)
		pass(electionMax)
		c.one(cmd("107"), 3, true)
		if got := c.wait(5, 3); !bytes.Equal(got, cmd("105")) {
			t.Errorf("index 5 holds %q on every node, want %q", got, "105")
		}
	})
}

func TestReplication_NoAgreementWithoutMajority(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 5
		c := newCluster(t, n, 7)
		defer c.cleanup()
		c.one(cmd("10"), n, false)
		// Disconnect three followers: the leader alone with one follower
		// is no majority.
		leader := c.checkOneLeader()
		for k := 1; k <= 3; k++ {
			c.disconnect((leader + k) % n)
		}
		index, _, ok := c.node(leader).Start(cmd("20"))
		if !ok {
			t.Fatalf("leader %d rejected Start", leader)
		}
		if index != 2 {
			t.Fatalf("Start returned index %d, want 2", index)
		}
		// Start accepted it, yet it never commits.
		pass(2 * electionMax)
		if got, _ := c.nCommitted(index); got > 0 {
			t.Fatalf("%d nodes applied index %d without a majority", got, index)
		}
		// Heal: the nodes that were cut off have higher terms, a new leader
		// emerges, and the logs are repaired to agree on index 2 and on.
		for k := 1; k <= 3; k++ {
			c.connect((leader + k) % n)
		}
		last := c.one(cmd("1000"), n, true)
		for index := 2; index <= last; index++ {
			c.wait(index, n)
		}
	})
}

func TestReplication_ConcurrentStarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, proposers = 3, 20
		c := newCluster(t, n, 8)
		defer c.cleanup()
		leader := c.checkOneLeader()
		term, _ := c.node(leader).State()
		// Many goroutines start commands at the same moment.
		indexes := make([]int, proposers)
		var wg sync.WaitGroup
		for k := range proposers {
			wg.Go(func() {
				index, t1, ok := c.node(leader).Start(cmd("p%d", k))
				if !ok || t1 != term {
					return
				}
				indexes[k] = index
			})
		}
		wg.Wait()
		if now, _ := c.node(leader).State(); now != term {
			t.Skipf("term changed from %d to %d during the test; nothing to check", term, now)
		}
		// Every command gets its own index and every node applies it there.
		seen := make(map[int]int)
		for k, index := range indexes {
			if index == 0 {
				t.Fatalf("proposer %d: Start failed in a stable term", k)
			}
			if other, dup := seen[index]; dup {
				t.Fatalf("proposers %d and %d both got index %d", other, k, index)
			}
			seen[index] = k
			if got := c.wait(index, n); !bytes.Equal(got, cmd("p%d", k)) {
				t.Errorf("index %d holds %q, want %q", index, got, cmd("p%d", k))
			}
		}
	})
}

func TestReplication_RejoiningLeaderDiscardsUncommittedEntries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 9)
		defer c.cleanup()
		c.one(cmd("101"), 3, true)
		// Partition the leader; it still takes commands it can never commit.
		leader1 := c.checkOneLeader()
		c.disconnect(leader1)
		for _, s := range []string{"102", "103", "104"} {
			c.node(leader1).Start(cmd("%s", s))
		}
		// The other two elect a leader and commit a command of their own.
		c.one(cmd("103b"), 2, true)
		// Partition the new leader and bring the old one back.
		leader2 := c.checkOneLeader(others(3, leader1)...)
		c.disconnect(leader2)
		c.connect(leader1)
		// The old leader's log is behind, so the remaining follower wins the
		// election and overwrites the old leader's entries.
		c.one(cmd("104b"), 2, true)
		// Everyone back together.
		c.connect(leader2)
		c.one(cmd("105"), 3, true)
		for _, s := range []string{"102", "103", "104"} {
			if c.appliedAnywhere(cmd("%s", s)) {
				t.Errorf("uncommitted command %s of the partitioned leader was applied", s)
			}
		}
	})
}

func TestReplication_FastBackupOverLongDivergentLogs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, batch = 5, 50
		c := newCluster(t, n, 10)
		defer c.cleanup()
		c.one(cmd("start"), n, true)

		// Put the leader and one follower in a minority and give the leader
		// a long run of entries that can never commit.
		leader1 := c.checkOneLeader()
		c.disconnect((leader1 + 2) % n)
		c.disconnect((leader1 + 3) % n)
		c.disconnect((leader1 + 4) % n)
		for k := range batch {
			c.node(leader1).Start(cmd("lost-a%d", k))
		}
		pass(electionMax / 2)

		// The other three elect a leader of their own and commit a long run.
		c.disconnect(leader1)
		c.disconnect((leader1 + 1) % n)
		c.connect((leader1 + 2) % n)
		c.connect((leader1 + 3) % n)
		c.connect((leader1 + 4) % n)
		for k := range batch {
			c.one(cmd("kept-b%d", k), 3, true)
		}

		// Cut that leader off with one follower; it too piles up entries
		// that can never commit.
		leader2 := c.checkOneLeader(others(n, leader1, (leader1+1)%n)...)
		other := (leader1 + 2) % n
		if other == leader2 {
			other = (leader2 + 1) % n
		}
		c.disconnect(other)
		for k := range batch {
			c.node(leader2).Start(cmd("lost-c%d", k))
		}
		pass(electionMax / 2)

		// The first pair comes back with the odd one out. They must first
		// throw away 50 stale entries, then commit a long run.
		for i := range n {
			c.disconnect(i)
		}
		c.connect(leader1)
		c.connect((leader1 + 1) % n)
		c.connect(other)
		for k := range batch {
			c.one(cmd("kept-d%d", k), 3, true)
		}

		// Everyone back: two nodes hold 50 divergent entries each. With the
		// conflict-term hints a follower skips a whole term per round trip,
		// so the repair takes a handful of RPCs, not one per entry.
		leader3 := c.checkOneLeader(leader1, (leader1+1)%n, other)
		beforeRPCs, beforeTime := c.net.TotalRPCs(), time.Now()
		for i := range n {
			c.connect(i)
		}
		index, _, ok := c.node(leader3).Start(cmd("end"))
		if !ok {
			t.Fatalf("leader %d lost office on heal", leader3)
		}
		c.wait(index, n)
		rpcs, took := c.net.TotalRPCs()-beforeRPCs, time.Since(beforeTime)
		t.Logf("repairing two divergent logs of %d entries took %d RPCs and %v", batch, rpcs, took)
		if rpcs > 40 {
			t.Errorf("repair took %d RPCs, want at most 40: is the backup skipping whole terms?", rpcs)
		}
		if took > 2*electionMax {
			t.Errorf("repair took %v of virtual time, want at most %v", took, 2*electionMax)
		}
		for k := range batch {
			if c.appliedAnywhere(cmd("lost-a%d", k)) || c.appliedAnywhere(cmd("lost-c%d", k)) {
				t.Fatalf("an entry of a minority leader was applied (#%d)", k)
			}
		}
	})
}
