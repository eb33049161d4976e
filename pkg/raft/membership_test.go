package raft

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// changeCtx bounds a membership change in virtual time.
func changeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// addServer asks the current leader to add node id, retrying on a lost
// leadership, and fails the test if it does not happen.
func (c *cluster) addServer(id int) {
	c.t.Helper()
	c.change(func(members []int) bool { return slices.Contains(members, id) },
		func(ctx context.Context, n *Node) error { return n.AddServer(ctx, id, name(id)) })
}

// removeServer is addServer's opposite.
func (c *cluster) removeServer(id int) {
	c.t.Helper()
	c.change(func(members []int) bool { return !slices.Contains(members, id) },
		func(ctx context.Context, n *Node) error { return n.RemoveServer(ctx, id) })
}

// change runs do on the leader until the leader's configuration satisfies
// done. A change interrupted by a new election may still have taken effect
// (the new leader had the entry), which is why it checks before each try.
func (c *cluster) change(done func(members []int) bool, do func(context.Context, *Node) error) {
	c.t.Helper()
	ctx, cancel := changeCtx()
	defer cancel()
	for ctx.Err() == nil {
		leader := c.checkOneLeader()
		n := c.node(leader)
		if done(n.Status().Members) {
			return
		}
		err := do(ctx, n)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrNotLeader) && !errors.Is(err, ErrChangeInProgress) {
			c.t.Fatalf("seed %d: membership change on leader %d: %v", c.seed, leader, err)
		}
	}
	c.t.Fatalf("seed %d: membership change did not complete in time", c.seed)
}

// membersOf returns the member IDs node i currently uses.
func (c *cluster) membersOf(i int) []int { return c.node(i).Status().Members }

func TestMembership_AddServersThatThenCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClusterWithSpares(t, 3, 2, 31)
		defer c.cleanup()
		for i := range 20 {
			c.one(cmd("before%d", i), 3, false)
		}
		// The spares take no part until added: no votes, no elections.
		if got := c.membersOf(3); len(got) != 0 {
			t.Fatalf("spare 3 has members %v before being added, want none", got)
		}
		c.addServer(3)
		c.addServer(4)
		// The new servers have every entry, from before they joined too.
		c.one(cmd("after"), 5, false)
		want := []int{0, 1, 2, 3, 4}
		for i := range 5 {
			if got := c.membersOf(i); !slices.Equal(got, want) {
				t.Errorf("node %d members = %v, want %v", i, got, want)
			}
		}
		if got := c.wait(1, 5); string(got) != "before0" {
			t.Fatalf("index 1 on five nodes = %q", got)
		}
		// Now five members: with two of the first three down, every
		// majority needs a new server.
		leader := c.checkOneLeader()
		down := 0
		for i := range 3 {
			if i != leader && down < 2 {
				c.crash(i)
				down++
			}
		}
		c.one(cmd("with new servers"), 3, true)
	})
}

func TestMembership_LearnerDoesNotCountUntilCaughtUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClusterWithSpares(t, 3, 1, 32)
		defer c.cleanup()
		c.one(cmd("a"), 3, false)
		leader := c.checkOneLeader()
		// The new server is unreachable: it can never catch up.
		c.disconnect(3)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- c.node(leader).AddServer(ctx, 3, name(3)) }()
		// Meanwhile the members commit as before, even with one of them
		// down: the learner is in no configuration, so no majority needs
		// it (counted, it would make two of four, no majority).
		down := (leader + 1) % 3
		c.crash(down)
		c.one(cmd("b"), 2, false)
		c.start(down)
		if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("AddServer of an unreachable server = %v, want the context's deadline", err)
		}
		if got := c.membersOf(leader); !slices.Equal(got, []int{0, 1, 2}) {
			t.Fatalf("members after the failed add = %v, want [0 1 2]", got)
		}
		// It is no longer replicated to: a later add starts afresh.
		c.connect(3)
		c.addServer(3)
		c.one(cmd("c"), 4, false)
	})
}

func TestMembership_CatchUpInRoundsWithSnapshot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClusterWithSpares(t, 3, 1, 33)
		defer c.cleanup()
		c.mu.Lock()
		c.snapshotEvery = 10
		c.mu.Unlock()
		for i := range 35 {
			c.one(cmd("x%d", i), 3, false)
		}
		c.addServer(3)
		// Its log starts with the leader's snapshot, which carries the
		// membership: the new server knows the members from before it.
		c.one(cmd("y"), 4, false)
		if c.installsOf(3) == 0 {
			t.Fatal("the new server got no InstallSnapshot; the scenario needs one")
		}
		if got := c.membersOf(3); !slices.Equal(got, []int{0, 1, 2, 3}) {
			t.Fatalf("new server's members = %v, want [0 1 2 3]", got)
		}
		// And it remembers them across a restart.
		c.restart(3)
		if got := c.membersOf(3); !slices.Equal(got, []int{0, 1, 2, 3}) {
			t.Fatalf("after restart, new server's members = %v, want [0 1 2 3]", got)
		}
		c.one(cmd("z"), 4, true)
	})
}

func TestMembership_RemoveFollower(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 34)
		defer c.cleanup()
		c.one(cmd("a"), 3, false)
		leader := c.checkOneLeader()
		gone := (leader + 1) % 3
		// Cut it off first, so it never hears that it was removed: it
		// will campaign, with ever higher terms.
		c.disconnect(gone)
		c.removeServer(gone)
		term, _ := c.node(leader).State()
		c.connect(gone)
		pass(5 * time.Second) // many election timeouts of the removed server
		if got := c.checkOneLeader(); got != leader {
			t.Fatalf("leader = %d after the removed server came back, want %d still", got, leader)
		}
		if now, _ := c.node(leader).State(); now != term {
			t.Fatalf("term went from %d to %d: the removed server disrupted the cluster (thesis §4.2.3)", term, now)
		}
		c.one(cmd("b"), 2, false)
	})
}

func TestMembership_RemoveLeaderStepsDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 35)
		defer c.cleanup()
		c.one(cmd("a"), 3, false)
		old := c.checkOneLeader()
		ctx, cancel := changeCtx()
		defer cancel()
		if err := c.node(old).RemoveServer(ctx, old); err != nil {
			t.Fatalf("leader %d removing itself: %v", old, err)
		}
		if _, isLeader := c.node(old).State(); isLeader {
			t.Fatal("the removed leader still leads after its removal committed")
		}
		rest := []int{(old + 1) % 3, (old + 2) % 3}
		next := c.checkOneLeader(rest...)
		c.one(cmd("b"), 2, false)
		pass(3 * time.Second)
		if _, isLeader := c.node(old).State(); isLeader {
			t.Fatal("the removed server became leader again")
		}
		if got := c.membersOf(next); slices.Contains(got, old) {
			t.Fatalf("members = %v still include the removed leader %d", got, old)
		}
	})
}

func TestMembership_NewLeaderCommitsItsOwnTermFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClusterWithSpares(t, 3, 1, 36)
		defer c.cleanup()
		c.one(cmd("a"), 3, false)
		old := c.checkOneLeader()
		// A fresh leader that has committed nothing of its own term.
		next := (old + 1) % 3
		if err := c.node(next).TransferLeadership(-1); err == nil {
			t.Fatal("a follower transferred leadership")
		}
		if err := c.node(old).TransferLeadership(next); err != nil {
			t.Fatal(err)
		}
		if got := c.checkOneLeader(); got != next {
			t.Fatalf("leader after the transfer = %d, want %d", got, next)
		}
		term, _ := c.node(next).State()
		ctx, cancel := changeCtx()
		defer cancel()
		if err := c.node(next).AddServer(ctx, 3, name(3)); err != nil {
			t.Fatal(err)
		}
		saved, _ := c.storages[next].Load()
		var types []EntryType
		for _, e := range saved.Entries {
			if e.Term == term {
				types = append(types, e.Type)
			}
		}
		if want := []EntryType{EntryNoop, EntryConfig}; !slices.Equal(types, want) {
			t.Fatalf("entries of the new leader's term %d: types %v, want %v (a no-op committed first)", term, types, want)
		}
		// The no-op and the configuration never reach the service.
		c.one(cmd("b"), 4, false)
		c.mu.Lock()
		defer c.mu.Unlock()
		for index, got := range c.applied[next] {
			if len(got) == 0 {
				t.Errorf("the service saw an empty command at index %d", index)
			}
		}
	})
}

func TestMembership_BadRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClusterWithSpares(t, 3, 1, 37)
		defer c.cleanup()
		leader := c.checkOneLeader()
		follower := (leader + 1) % 3
		ctx, cancel := changeCtx()
		defer cancel()
		if err := c.node(follower).AddServer(ctx, 3, name(3)); !errors.Is(err, ErrNotLeader) {
			t.Errorf("AddServer on a follower = %v, want ErrNotLeader", err)
		}
		if err := c.node(leader).AddServer(ctx, follower, name(follower)); err == nil {
			t.Error("adding an existing member succeeded")
		}
		if err := c.node(leader).RemoveServer(ctx, 3); err == nil {
			t.Error("removing a server that is not a member succeeded")
		}
		if err := c.node(leader).AddServer(ctx, -2, "x"); err == nil {
			t.Error("adding a server with a negative ID succeeded")
		}
		if err := c.node(leader).AddServer(ctx, 3, strings.Repeat("x", 2000)); err == nil {
			t.Error("adding a server with a 2000-byte address succeeded")
		}
		if err := c.node(leader).TransferLeadership(3); err == nil {
			t.Error("transferring leadership to a non-member succeeded")
		}
		// A spare never starts an election on its own.
		pass(3 * time.Second)
		if term, _ := c.node(3).State(); term != 0 {
			t.Errorf("spare 3 reached term %d without being added", term)
		}
		if got := c.membersOf(leader); !slices.Equal(got, []int{0, 1, 2}) {
			t.Errorf("members = %v after refused changes, want [0 1 2]", got)
		}
	})
}

// TestMembership_Churn adds and removes servers one at a time while
// commands flow over a lossy network and servers crash and restart; the
// harness checks on every delivery that no two nodes apply different
// commands at one index.
func TestMembership_Churn(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newClusterWithSpares(t, 3, 2, seed)
		defer c.cleanup()
		c.setUnreliable(true)
		members := []int{0, 1, 2}
		for step := range 8 {
			c.one(cmd("s%d", step), 1, true)
			outside := []int{}
			for i := range c.nodes {
				if !slices.Contains(members, i) {
					outside = append(outside, i)
				}
			}
			if len(members) > 3 || (len(members) == 3 && c.rng.IntN(2) == 0) {
				gone := members[c.rng.IntN(len(members))]
				c.removeServer(gone)
				members = slices.DeleteFunc(members, func(i int) bool { return i == gone })
			} else {
				id := outside[c.rng.IntN(len(outside))]
				c.addServer(id)
				members = append(members, id)
			}
			if c.rng.IntN(3) == 0 {
				victim := members[c.rng.IntN(len(members))]
				c.restart(victim)
			}
		}
		c.setUnreliable(false)
		index := c.one(cmd("end"), len(members), true)
		for _, i := range members {
			if got := c.membersOf(i); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(members))) {
				t.Errorf("seed %d: node %d members = %v, want %v", seed, i, got, members)
			}
		}
		c.wait(index, len(members))
	})
}
