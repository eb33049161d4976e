package raft

import (
	"errors"
	"testing"
	"testing/synctest"
)

func TestTransfer_HandsLeadershipToTarget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 11)
		defer c.cleanup()
		c.one(cmd("a"), 3, false)
		leader := c.checkOneLeader()
		target := (leader + 1) % 3
		term, _ := c.node(leader).State()

		// The target is up to date: it takes over at once, with no
		// election timeout spent without a leader.
		if err := c.node(leader).TransferLeadership(target); err != nil {
			t.Fatalf("TransferLeadership(%d): %v", target, err)
		}
		if got := c.checkOneLeader(); got != target {
			t.Fatalf("leader after transfer = %d, want %d", got, target)
		}
		if newTerm, _ := c.node(target).State(); newTerm != term+1 {
			t.Errorf("term after transfer = %d, want %d (one election)", newTerm, term+1)
		}
		c.one(cmd("b"), 3, false)
	})
}

func TestTransfer_CatchesUpALaggingTarget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 12)
		defer c.cleanup()
		leader := c.checkOneLeader()
		target := (leader + 1) % 3
		// The target misses ten entries, then comes back.
		c.net.Disconnect(name(leader), name(target))
		for i := range 10 {
			c.one(cmd("x%d", i), 2, false)
		}
		c.net.Connect(name(leader), name(target))
		if err := c.node(leader).TransferLeadership(target); err != nil {
			t.Fatalf("TransferLeadership(%d): %v", target, err)
		}
		if got := c.checkOneLeader(); got != target {
			t.Fatalf("leader after transfer = %d, want %d", got, target)
		}
		c.one(cmd("after"), 3, false)
	})
}

func TestTransfer_TimesOutAndResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 13)
		defer c.cleanup()
		leader := c.checkOneLeader()
		target := (leader + 1) % 3
		c.crash(target)

		errc := make(chan error)
		go func() { errc <- c.node(leader).TransferLeadership(target) }()
		pass(heartbeat)
		// While handing over, the leader takes no new commands.
		if _, _, ok := c.node(leader).Start(cmd("refused")); ok {
			t.Error("Start accepted a command during a transfer")
		}
		if err := <-errc; !errors.Is(err, ErrTransferTimeout) {
			t.Fatalf("transfer to an unreachable node: %v, want ErrTransferTimeout", err)
		}
		if _, _, ok := c.node(leader).Start(cmd("accepted")); !ok {
			t.Error("Start refused a command after the transfer gave up")
		}
		if err := c.node((leader + 2) % 3).TransferLeadership(leader); !errors.Is(err, ErrNotLeader) {
			t.Errorf("transfer from a follower: %v, want ErrNotLeader", err)
		}
	})
}

func TestTransfer_ToTheMostCaughtUpFollower(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 5, 14)
		defer c.cleanup()
		leader := c.checkOneLeader()
		behind := (leader + 1) % 5
		c.net.Disconnect(name(leader), name(behind))
		c.one(cmd("a"), 4, false)
		if err := c.node(leader).TransferLeadership(-1); err != nil {
			t.Fatalf("TransferLeadership(-1): %v", err)
		}
		if got := c.checkOneLeader(); got == leader || got == behind {
			t.Fatalf("leader after transfer = %d; want neither the old leader %d nor the lagging %d", got, leader, behind)
		}
	})
}
