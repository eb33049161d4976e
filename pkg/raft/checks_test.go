// The checks scenarios make on a cluster: who leads, what is committed,
// and helpers that submit commands and wait for agreement. Every wait runs
// on the bubble's fake clock and gives up after a bounded virtual time.

package raft

import (
	"bytes"
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// pass lets d of virtual time go by inside the bubble.
func pass(d time.Duration) { <-time.After(d) }

// checkOneLeader waits for exactly one leader among the connected nodes
// given and returns it, failing if none emerges in ten election timeouts.
func (c *cluster) checkOneLeader(among ...int) int {
	c.t.Helper()
	if len(among) == 0 {
		for i := range c.nodes {
			among = append(among, i)
		}
	}
	for range 10 {
		pass(electionMax)
		leaders := make(map[int][]int) // term -> leaders
		lastTerm := 0
		for _, i := range among {
			if n := c.node(i); n != nil {
				if term, isLeader := n.State(); isLeader {
					leaders[term] = append(leaders[term], i)
					lastTerm = max(lastTerm, term)
				}
			}
		}
		for term, ls := range leaders {
			if len(ls) > 1 {
				c.t.Fatalf("seed %d: term %d has %d leaders: %v", c.seed, term, len(ls), ls)
			}
		}
		if len(leaders) > 0 {
			return leaders[lastTerm][0]
		}
	}
	c.t.Fatalf("seed %d: no leader among %v", c.seed, among)
	return -1
}

// checkNoLeader fails if any of the given nodes thinks it is leader.
func (c *cluster) checkNoLeader(among ...int) {
	c.t.Helper()
	for _, i := range among {
		if n := c.node(i); n != nil {
			if _, isLeader := n.State(); isLeader {
				c.t.Fatalf("seed %d: node %d is leader, want none among %v", c.seed, i, among)
			}
		}
	}
}

// checkTerms returns the term all running nodes agree on, failing if they
// disagree.
func (c *cluster) checkTerms() int {
	c.t.Helper()
	term := -1
	for i := range c.nodes {
		if n := c.node(i); n != nil {
			t, _ := n.State()
			if term == -1 {
				term = t
			} else if t != term {
				c.t.Fatalf("seed %d: nodes disagree on the term: %d and %d", c.seed, term, t)
			}
		}
	}
	return term
}

// nCommitted reports how many nodes have applied index, and the command.
func (c *cluster) nCommitted(index int) (int, []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	count := 0
	var cmd []byte
	for i := range c.applied {
		if got, ok := c.applied[i][index]; ok {
			count++
			cmd = got
		}
	}
	return count, cmd
}

// one submits cmd to whichever node is leader and waits until at least
// want nodes have applied it, returning its index. With retry, it submits
// again if a leader loses the command; without, the first leader must
// commit it. It fails after ten seconds of virtual time.
func (c *cluster) one(cmd []byte, want int, retry bool) int {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	start := 0
	for time.Now().Before(deadline) {
		index := -1
		for range c.nodes {
			start = (start + 1) % len(c.nodes)
			if n := c.node(start); n != nil {
				if i, _, ok := n.Start(cmd); ok {
					index = i
					break
				}
			}
		}
		if index != -1 {
			until := time.Now().Add(2 * time.Second)
			for time.Now().Before(until) {
				if n, got := c.nCommitted(index); n >= want && bytes.Equal(got, cmd) {
					return index
				}
				pass(20 * time.Millisecond)
			}
			if !retry {
				c.t.Fatalf("seed %d: command %q not agreed by %d nodes", c.seed, cmd, want)
			}
		} else {
			pass(50 * time.Millisecond)
		}
	}
	c.t.Fatalf("seed %d: command %q not agreed by %d nodes within 10s", c.seed, cmd, want)
	return -1
}

// wait waits for at least n nodes to apply index and returns the command,
// failing after a second and a half of virtual time.
func (c *cluster) wait(index, n int) []byte {
	c.t.Helper()
	for range 30 {
		if got, cmd := c.nCommitted(index); got >= n {
			return cmd
		}
		pass(50 * time.Millisecond)
	}
	got, _ := c.nCommitted(index)
	c.t.Fatalf("seed %d: only %d nodes applied index %d, want %d", c.seed, got, index, n)
	return nil
}

func cmd(format string, args ...any) []byte { return fmt.Appendf(nil, format, args...) }

// appliedAnywhere reports whether any node ever applied cmd (and still
// remembers it: a snapshot install replaces a node's record).
func (c *cluster) appliedAnywhere(cmd []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, log := range c.applied {
		for _, got := range log {
			if bytes.Equal(got, cmd) {
				return true
			}
		}
	}
	return false
}

// storedEntries is how many log entries node i keeps in storage, after its
// snapshot.
func (c *cluster) storedEntries(i int) int {
	saved, err := c.storages[i].Load()
	if err != nil {
		c.t.Fatalf("load storage of node %d: %v", i, err)
	}
	return len(saved.Entries)
}

// forEachSeed runs a randomized scenario once per seed (1 to -seeds), each
// in its own synctest bubble and subtest, so a failing seed replays with
// -run 'TestName/seed=N'.
func forEachSeed(t *testing.T, scenario func(t *testing.T, seed uint64)) {
	t.Helper()
	for seed := uint64(1); seed <= uint64(*seedsFlag); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { scenario(t, seed) })
		})
	}
}

// installsOf counts the InstallSnapshot RPCs node i has received.
func (c *cluster) installsOf(i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.installs[i]
}

// snapshotsOf counts the snapshots node i has handed its service.
func (c *cluster) snapshotsOf(i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snapshots[i]
}
