package raft

import (
	"testing"
	"testing/synctest"
)

func TestSnapshot_LogStaysShort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, every = 3, 10
		c := newCluster(t, n, 14)
		c.snapshotEvery = every
		defer c.cleanup()
		// Commit many times the snapshot interval.
		for k := range 6 * every {
			c.one(cmd("c%d", k), n, true)
		}
		// Every node has compacted, and its storage holds only the entries
		// since its last snapshot.
		for i := range n {
			st := c.node(i).Status()
			if st.SnapIndex < 5*every {
				t.Errorf("node %d: SnapIndex %d after %d commands with a snapshot every %d, want at least %d",
					i, st.SnapIndex, 6*every, every, 5*every)
			}
			if got := c.storedEntries(i); got > 2*every {
				t.Errorf("node %d keeps %d entries in storage, want at most %d", i, got, 2*every)
			}
		}
	})
}

// snapshotScenario is the shape of the remaining snapshot tests: a victim
// misses many snapshots' worth of entries, by being disconnected or
// crashed, and must catch up through InstallSnapshot or its own snapshot.
func snapshotScenario(t *testing.T, seed uint64, disconnect, crash, unreliable bool) {
	const n, every = 3, 10
	c := newCluster(t, n, seed)
	c.snapshotEvery = every
	defer c.cleanup()
	c.setUnreliable(unreliable)
	c.one(cmd("first"), 1, true)
	for round := range 3 {
		// Pick a follower, sometimes the leader.
		victim := (c.checkOneLeader() + 1) % n
		if c.rng.IntN(3) == 0 {
			victim = c.checkOneLeader()
		}
		if disconnect {
			c.disconnect(victim)
			c.one(cmd("r%d-disconnected", round), n-1, true)
		}
		if crash {
			c.crash(victim)
			c.one(cmd("r%d-crashed", round), n-1, true)
		}
		// The others commit past several snapshots, so the victim's next
		// entry is compacted away on every one of them.
		for k := range every + c.rng.IntN(every) + every/2 {
			c.one(cmd("r%d-%d", round, k), n-1, true)
		}
		if disconnect {
			c.connect(victim)
		}
		if crash {
			c.start(victim)
		}
		// The victim catches up.
		c.one(cmd("r%d-back", round), n, true)
	}
	for i := range n {
		if st := c.node(i).Status(); st.SnapIndex == 0 {
			t.Errorf("seed %d: node %d never snapshotted", seed, i)
		}
		if got := c.storedEntries(i); got > 3*every {
			t.Errorf("seed %d: node %d keeps %d entries in storage, want at most %d", seed, i, got, 3*every)
		}
	}
}

func TestSnapshot_InstallToLaggingFollower(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, every = 3, 10
		c := newCluster(t, n, 15)
		c.snapshotEvery = every
		defer c.cleanup()
		c.one(cmd("first"), n, true)
		// Disconnect a follower while the others commit and snapshot.
		follower := (c.checkOneLeader() + 1) % n
		c.disconnect(follower)
		for k := range 3 * every {
			c.one(cmd("c%d", k), n-1, true)
		}
		// Reconnect it: the entries it needs are gone, so the leader sends
		// its snapshot.
		c.connect(follower)
		last := c.one(cmd("last"), n, true)
		if got := c.snapshotsOf(follower); got == 0 {
			t.Errorf("the lagging follower %d caught up to %d without a snapshot", follower, last)
		}
		if got := c.installsOf(follower); got == 0 {
			t.Errorf("the lagging follower %d caught up to %d without an InstallSnapshot RPC", follower, last)
		}
		if st := c.node(follower).Status(); st.SnapIndex < 2*every {
			t.Errorf("the lagging follower's SnapIndex is %d, want at least %d", st.SnapIndex, 2*every)
		}
	})
}

func TestSnapshot_InstallUnreliable(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) { snapshotScenario(t, seed, true, false, true) })
}

func TestSnapshot_CrashAndRestartFromSnapshot(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) { snapshotScenario(t, seed, false, true, false) })
}

func TestSnapshot_CrashAndRestartUnreliable(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) { snapshotScenario(t, seed, true, true, true) })
}

func TestSnapshot_RestartedNodeStartsFromItsSnapshot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, every = 3, 10
		c := newCluster(t, n, 16)
		c.snapshotEvery = every
		defer c.cleanup()
		for k := range 2*every + 3 {
			c.one(cmd("c%d", k), n, true)
		}
		// Crash everyone at once and restart: each node hands its own
		// snapshot to the service first, then replays the entries after it.
		for i := range n {
			c.crash(i)
		}
		for i := range n {
			c.start(i)
		}
		c.one(cmd("after"), n, true)
		for i := range n {
			if c.snapshotsOf(i) == 0 {
				t.Errorf("node %d restarted without delivering its snapshot", i)
			}
		}
	})
}
