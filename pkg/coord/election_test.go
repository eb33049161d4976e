package coord

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

func TestElection_OneLeaderThenHandovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 11)
		ctx := context.Background()
		observer, _ := c.election()
		obsCtx, stopObserving := context.WithCancel(ctx)
		changes := observer.Observe(obsCtx)
		var seen []string
		observed := make(chan struct{})
		go func() {
			defer close(observed)
			for v := range changes {
				seen = append(seen, v)
			}
		}()

		names := []string{"alice", "bob", "carol"}
		won := make(chan int, len(names))
		candidates := make([]*Election, len(names))
		for i, name := range names {
			candidates[i], _ = c.election()
			go func() {
				if err := candidates[i].Campaign(ctx, name); err != nil {
					t.Errorf("%s's Campaign: %v", name, err)
				}
				won <- i
			}()
		}
		var order []string
		var lastRev int64
		for range names {
			i := <-won
			order = append(order, names[i])
			// Exactly one leads: the others are still campaigning.
			time.Sleep(ttl)
			if len(won) != 0 {
				t.Fatalf("%s leads, yet another candidate won too", names[i])
			}
			leader, _, err := observer.Leader(ctx)
			if err != nil || leader != names[i] {
				t.Errorf("Leader = %q, %v; want %q", leader, err, names[i])
			}
			if rev := candidates[i].Rev(); rev <= lastRev {
				t.Errorf("%s won at revision %d, after a leader at %d: want higher", names[i], rev, lastRev)
			}
			lastRev = candidates[i].Rev()
			if err := candidates[i].Resign(ctx); err != nil {
				t.Errorf("%s's Resign: %v", names[i], err)
			}
		}
		if _, _, err := observer.Leader(ctx); !errors.Is(err, ErrNoLeader) {
			t.Errorf("Leader after everyone resigned: %v, want ErrNoLeader", err)
		}
		stopObserving()
		<-observed
		if !slices.Equal(seen, order) {
			t.Errorf("observer saw %q, want the leaders in order %q", seen, order)
		}
	})
}

func TestElection_LeaderLeaseExpiryElectsAnother(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 12)
		ctx := context.Background()
		first, firstName := c.election()
		second, _ := c.election()
		if err := first.Campaign(ctx, "first"); err != nil {
			t.Fatal(err)
		}
		lost := first.Lost()
		c.net.Isolate(firstName) // the leader falls silent
		if err := second.Campaign(ctx, "second"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-lost:
		default:
			t.Error("second leads but first's Lost channel is still open")
		}
		if second.Rev() <= 0 {
			t.Errorf("second's Rev = %d, want a revision", second.Rev())
		}
		if leader, _, err := second.Leader(ctx); err != nil || leader != "second" {
			t.Errorf("Leader = %q, %v; want second", leader, err)
		}
		c.net.Heal()
		if err := first.Resign(ctx); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("first's Resign after its lease lapsed: %v, want ErrLeaseLost", err)
		}
		if err := second.Resign(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestElection_CampaignGivesUpWhenCtxEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 13)
		ctx := context.Background()
		leader, _ := c.election()
		other, _ := c.election()
		if err := leader.Campaign(ctx, "leader"); err != nil {
			t.Fatal(err)
		}
		waitCtx, cancel := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- other.Campaign(waitCtx, "other") }()
		time.Sleep(2 * ttl)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Campaign cancelled while waiting: %v, want context.Canceled", err)
		}
		if err := other.Resign(ctx); err != nil {
			t.Errorf("Resign without leading: %v, want nil", err)
		}
		if err := leader.Resign(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
