package raft

import (
	"bytes"
	"flag"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

var failoverTrials = flag.Int("failover-trials", 40, "seeded trials in TestFailover_Percentiles")

// TestFailover_Percentiles measures, in virtual time, how long a 3-node
// cluster takes from the moment its leader dies to the first command
// committed under a new leader, over many seeds, and asserts the p99 stays
// under twice the maximum election timeout. Run with -v to see the table,
// and -failover-trials=1000 for a finer tail.
//
// The time is made of three parts: followers notice the silence (up to one
// election timeout after the last heartbeat), an election (one round trip
// if the vote does not split), and one replication round trip.
func TestFailover_Percentiles(t *testing.T) {
	var samples []time.Duration
	for seed := uint64(1); seed <= uint64(*failoverTrials); seed++ {
		var took time.Duration
		synctest.Test(t, func(t *testing.T) {
			c := newCluster(t, 3, seed)
			defer c.cleanup()
			c.net.SetDelay(time.Millisecond, 3*time.Millisecond)
			c.one(cmd("before"), 3, true)
			// Crash the leader at a random moment between two heartbeats.
			pass(time.Duration(c.rng.Int64N(int64(heartbeat))))
			leader := c.checkOneLeader()
			c.crash(leader)
			crashed := time.Now()
			took = c.timeToCommit(cmd("after"), crashed)
		})
		samples = append(samples, took)
	}
	slices.Sort(samples)
	pct := func(p float64) time.Duration { return samples[int(p*float64(len(samples)-1))] }
	t.Logf("failover, leader crash to first commit under a new leader, %d seeds, 3 nodes,", len(samples))
	t.Logf("election timeout %v-%v, heartbeat %v, network delay 1-3ms:", electionMin, electionMax, heartbeat)
	t.Logf("  min %v  p50 %v  p90 %v  p99 %v  max %v", samples[0], pct(0.5), pct(0.9), pct(0.99), samples[len(samples)-1])
	if p99 := pct(0.99); p99 >= 2*electionMax {
		t.Errorf("failover p99 %v, want under 2 x max election timeout = %v", p99, 2*electionMax)
	}
}

// timeToCommit offers command to every live node once per millisecond of
// virtual time, as an eager client would, and returns how long after since
// the first command committed.
func (c *cluster) timeToCommit(command []byte, since time.Time) time.Duration {
	c.t.Helper()
	index := -1
	term := 0
	for range 10_000 {
		if index > 0 {
			if n, got := c.nCommitted(index); n >= 2 && bytes.Equal(got, command) {
				return time.Since(since)
			}
		}
		for i := range c.nodes {
			n := c.node(i)
			if n == nil {
				continue
			}
			// One offer per term: a leader keeps its index for the command.
			if t, ok := n.State(); ok && t > term {
				index, term, _ = n.Start(command)
			}
		}
		pass(time.Millisecond)
	}
	c.t.Fatalf("seed %d: no commit within 10s after the leader crashed", c.seed)
	return 0
}
