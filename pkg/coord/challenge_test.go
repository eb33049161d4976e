//go:build challenge

// Checks for the workshop exercises in CHALLENGES.md. They fail until the
// exercise is solved:
//
//	go test -tags challenge -run TestChallenge ./pkg/coord/

package coord

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Exercise "A fair lock": waiters get the lock in the order they asked.
func TestChallenge_WaitersAcquireInArrivalOrder(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCluster(t, 3, seed)
				ctx := context.Background()
				holder, _ := c.mutex()
				if _, err := holder.Lock(ctx); err != nil {
					t.Fatal(err)
				}
				const waiters = 5
				order := make(chan int, waiters)
				var wg sync.WaitGroup
				for i := range waiters {
					m, _ := c.mutex()
					wg.Go(func() {
						if _, err := m.Lock(ctx); err != nil {
							t.Errorf("waiter %d: Lock: %v", i, err)
							return
						}
						order <- i // under the lock, so in the order of the holds
						time.Sleep(20 * time.Millisecond)
						if err := m.Unlock(ctx); err != nil {
							t.Errorf("waiter %d: Unlock: %v", i, err)
						}
					})
					time.Sleep(200 * time.Millisecond) // waiter i asks well before waiter i+1
				}
				time.Sleep(ttl)
				if err := holder.Unlock(ctx); err != nil {
					t.Fatal(err)
				}
				wg.Wait()
				close(order)
				var got []int
				for i := range order {
					got = append(got, i)
				}
				if want := []int{0, 1, 2, 3, 4}; !slices.Equal(got, want) {
					t.Errorf("seed %d: waiters that asked in order %v got the lock in order %v", seed, want, got)
				}
			})
		})
	}
}

// proclaimer is the method the exercise "Proclaim a new value" adds to
// Election.
type proclaimer interface {
	Proclaim(ctx context.Context, value string) error
}

// Exercise "Proclaim a new value": the leader changes its announced value
// without an election; nobody else can, a former leader included.
func TestChallenge_LeaderProclaimsNewValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 21)
		ctx := context.Background()
		leader, leaderName := c.election()
		other, _ := c.election()
		observer, _ := c.election()
		p, ok := any(leader).(proclaimer)
		if !ok {
			t.Fatal("Election has no method Proclaim(ctx context.Context, value string) error yet")
		}
		if err := leader.Campaign(ctx, "10.0.0.1:8080"); err != nil {
			t.Fatal(err)
		}
		won := leader.Rev()
		obsCtx, stop := context.WithCancel(ctx)
		defer stop()
		changes := observer.Observe(obsCtx)
		if v := <-changes; v != "10.0.0.1:8080" {
			t.Fatalf("observer saw %q first, want 10.0.0.1:8080", v)
		}

		if err := p.Proclaim(ctx, "10.0.0.1:9090"); err != nil {
			t.Fatalf("the leader's Proclaim: %v", err)
		}
		if v, _, err := observer.Leader(ctx); err != nil || v != "10.0.0.1:9090" {
			t.Errorf("Leader after Proclaim = %q, %v; want 10.0.0.1:9090", v, err)
		}
		if leader.Rev() != won {
			t.Errorf("Rev after Proclaim = %d, want %d: proclaiming is not winning again", leader.Rev(), won)
		}
		select {
		case v := <-changes:
			if v != "10.0.0.1:9090" {
				t.Errorf("observer saw %q after Proclaim, want 10.0.0.1:9090", v)
			}
		case <-time.After(2 * ttl):
			t.Error("observer did not report the proclaimed value")
		}

		// Someone who does not lead cannot proclaim.
		if err := any(other).(proclaimer).Proclaim(ctx, "impostor"); err == nil {
			t.Error("Proclaim by a candidate that does not lead succeeded, want an error")
		}
		// Nor can a leader whose lease lapsed, once another leads.
		c.net.Isolate(leaderName)
		if err := other.Campaign(ctx, "10.0.0.2:8080"); err != nil {
			t.Fatal(err)
		}
		c.net.Heal()
		if err := p.Proclaim(ctx, "stale"); err == nil {
			t.Error("Proclaim by a former leader succeeded, want an error")
		}
		if v, _, err := observer.Leader(ctx); err != nil || v != "10.0.0.2:8080" {
			t.Errorf("Leader = %q, %v; want the new leader's 10.0.0.2:8080", v, err)
		}
		stop()
		for range changes {
		}
		leader.Resign(ctx)
		if err := other.Resign(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
