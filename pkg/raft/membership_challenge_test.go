//go:build challenge

// Checks for the workshop exercises on membership change (see
// CHALLENGES.md). They fail until the exercise is solved:
//
//	go test -tags challenge -run TestChallenge_SilentServer ./pkg/raft
//	go test -tags challenge -run TestChallenge_Learners ./pkg/raft

package raft

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// TestChallenge_SilentServer: AddServer gives up on a new server that never
// answers, without the caller's deadline.
func TestChallenge_SilentServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClusterWithSpares(t, 3, 1, 41)
		defer c.cleanup()
		c.one(cmd("a"), 3, false)
		leader := c.checkOneLeader()
		c.disconnect(3) // the new server's address is wrong, or it never started
		done := make(chan error, 1)
		go func() { done <- c.node(leader).AddServer(context.Background(), 3, name(3)) }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrCatchUp) {
				t.Fatalf("AddServer of a silent server = %v, want ErrCatchUp", err)
			}
		case <-time.After(10 * electionMax):
			t.Fatalf("AddServer of a silent server still waits after %v; it should give up with ErrCatchUp", 10*electionMax)
		}
		// The cluster is as it was, and a later attempt can succeed.
		if got := c.membersOf(leader); !slices.Equal(got, []int{0, 1, 2}) {
			t.Fatalf("members = %v, want [0 1 2]", got)
		}
		c.connect(3)
		c.addServer(3)
		c.one(cmd("b"), 4, false)
	})
}

// learnerAdder is the method the learners exercise adds to *Node.
type learnerAdder interface {
	AddLearner(ctx context.Context, id int, addr string) error
}

// TestChallenge_Learners: a permanent non-voting member receives every
// entry but never counts toward a majority and never campaigns.
func TestChallenge_Learners(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newClusterWithSpares(t, 3, 1, 42)
		defer c.cleanup()
		c.one(cmd("a"), 3, false)
		leader := c.checkOneLeader()
		adder, ok := any(c.node(leader)).(learnerAdder)
		if !ok {
			t.Fatal("*raft.Node has no AddLearner(ctx, id, addr) method yet: see CHALLENGES.md, \"Read replicas: learners that stay\"")
		}
		ctx, cancel := changeCtx()
		defer cancel()
		if err := adder.AddLearner(ctx, 3, name(3)); err != nil {
			t.Fatalf("AddLearner: %v", err)
		}
		// It gets every entry, and the voters stay three.
		c.one(cmd("b"), 4, false)
		if got := c.membersOf(leader); !slices.Equal(got, []int{0, 1, 2}) {
			t.Fatalf("Status().Members = %v with a learner, want the voters [0 1 2]", got)
		}
		// It stays a learner across a restart (the configuration entry
		// records it) ...
		c.restart(3)
		c.one(cmd("c"), 4, true)
		// ... and with two voters down, leader plus learner are no majority.
		leader = c.checkOneLeader()
		for i := range 3 {
			if i != leader {
				c.crash(i)
			}
		}
		index, _, ok := c.node(leader).Start(cmd("d"))
		if !ok {
			t.Fatal("the leader refused a command")
		}
		pass(2 * time.Second)
		if n, _ := c.nCommitted(index); n > 0 {
			t.Fatal("a command committed with one voter of three and a learner: the learner was counted")
		}
		// Nor does the learner ever campaign, however long it waits.
		c.crash(leader)
		pass(5 * time.Second)
		if term, isLeader := c.node(3).State(); isLeader || term > 0 && c.node(3).Status().VotedFor == 3 {
			t.Fatalf("the learner campaigned (term %d, leader %v)", term, isLeader)
		}
	})
}
