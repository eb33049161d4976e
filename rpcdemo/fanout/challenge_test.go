//go:build challenge

// Checks for the workshop exercises on this demo (see CHALLENGES.md):
//
//	go test -tags challenge -run TestChallenge ./rpcdemo/fanout

package main

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// Exercise "Read repair": a quorum read that sees a stale copy among its k
// answers writes the newest version back to that replica before it returns.
func TestChallenge_ReadRepair(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, replicas := cluster(t, []func() time.Duration{fixed(1 * ms), fixed(2 * ms), fixed(10 * ms)})
		// replica-0 and replica-2 took the write, replica-1 missed it.
		v2 := Entry{Value: "ext 202", Version: 2}
		for _, r := range []*Replica{replicas[0], replicas[2]} {
			if err := r.Store(&StoreArgs{Key: key, Entry: v2}, &StoreReply{}); err != nil {
				t.Fatal(err)
			}
		}

		// The two fastest answers are replica-0 (v2) and replica-1 (v1).
		newest, _, err := c.readQuorum(t.Context(), key, 2)
		if err != nil || newest.Entry != v2 {
			t.Fatalf("readQuorum = %+v, %v; want %+v", newest.Entry, err, v2)
		}
		got, err := c.readOne(t.Context(), key, 1)
		if err != nil {
			t.Fatalf("read replica-1: %v", err)
		}
		if got.Entry != v2 {
			t.Errorf("after a quorum read that saw its stale copy, replica-1 holds %+v, want %+v (repaired)", got.Entry, v2)
		}
	})
}

// Exercise "Hedge on a budget": backups sent because an answer was late
// may add at most about 10% to the load, however slow the replicas get.
func TestChallenge_HedgeBudget(t *testing.T) {
	hedged := func(c *Client) func(ctx context.Context, i int) (answer, error) {
		return func(ctx context.Context, i int) (answer, error) { return c.readHedged(ctx, key, i%3) }
	}
	t.Run("every replica slow", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// Every answer takes 10ms, well past the 4ms hedge delay.
			c, _, _ := cluster(t, []func() time.Duration{fixed(10 * ms), fixed(10 * ms), fixed(10 * ms)})
			st := measure(t.Context(), c, 300, hedged(c))
			if st.failed != 0 {
				t.Errorf("%d of 300 lookups failed, want none", st.failed)
			}
			if got := st.extraLoad(); got > 0.15 {
				t.Errorf("300 hedged lookups against slow replicas cost %+.0f%% requests, want at most +15%% (a 10%% budget)", 100*got)
			}
		})
	})
	t.Run("the tail is still cut", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, _, _ := cluster(t, heavyTails(1, 3))
			st := measure(t.Context(), c, 300, hedged(c))
			if got, want := st.percentile(99), defaultHedgeDelay+3*ms; got > want {
				t.Errorf("hedged p99 with a 5%% tail = %v, want at most %v: the budget should cover it", got, want)
			}
		})
	})
	t.Run("a failure still moves on at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			c, _, _ := cluster(t, []func() time.Duration{fixed(10 * ms), fixed(10 * ms)}, "pipe-2")
			// Every lookup starts on the dead replica-2; its error is not a hedge.
			st := measure(t.Context(), c, 100, func(ctx context.Context, _ int) (answer, error) {
				return c.readHedged(ctx, key, 2)
			})
			if got, want := st.percentile(99), 10*ms; st.failed != 0 || got != want {
				t.Errorf("lookups starting on a dead replica: %d failed, p99 %v; want none failed, p99 %v", st.failed, got, want)
			}
		})
	})
}
