package raft

import (
	"sync"
	"testing"
	"time"
)

func TestUnreliable_Agreement(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		const n = 5
		c := newCluster(t, n, seed)
		defer c.cleanup()
		// Lose one message in ten and reorder the rest.
		c.setUnreliable(true)
		// Four proposers race each other for 20 rounds.
		var wg sync.WaitGroup
		for round := range 20 {
			for p := range 4 {
				wg.Go(func() { c.one(cmd("r%d-p%d", round, p), 1, true) })
			}
			c.one(cmd("r%d", round), 1, true)
		}
		wg.Wait()
		// Calm the network: everything ends up on every node.
		c.setUnreliable(false)
		c.one(cmd("last"), n, true)
	})
}

// TestUnreliable_Figure8 plays Figure 8 on a lossy, reordering network:
// leaders are cut off right after taking commands, and stale messages from
// old terms keep arriving late.
func TestUnreliable_Figure8(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		const n = 5
		c := newCluster(t, n, seed)
		defer c.cleanup()
		c.setUnreliable(true)
		c.one(cmd("first"), 1, true)
		connected := n
		for iter := range 100 {
			if iter == 50 {
				// Make stragglers more common in the second half.
				c.net.SetLongDelays(0.2, time.Second)
			}
			leader := -1
			for i := range n {
				if _, _, ok := c.node(i).Start(cmd("it%d-%d", iter, i)); ok && c.isConnected(i) {
					leader = i
				}
			}
			if c.rng.IntN(1000) < 100 {
				pass(time.Duration(c.rng.Int64N(int64(electionMax / 2))))
			} else {
				pass(time.Duration(c.rng.Int64N(13)) * time.Millisecond)
			}
			if leader != -1 && c.rng.IntN(1000) < 500 {
				c.disconnect(leader)
				connected--
			}
			if connected < 3 {
				if s := c.rng.IntN(n); !c.isConnected(s) {
					c.connect(s)
					connected++
				}
			}
		}
		c.setUnreliable(false)
		c.connectAll()
		c.one(cmd("last"), n, true)
	})
}

// churn starts and stops nodes at random while clients keep proposing, then
// checks that every node ends with the same log. Crashed nodes restart from
// storage, so this also tests persistence under load. With snapshotEvery
// above zero every node also compacts its log as it goes.
func churn(t *testing.T, seed uint64, unreliable bool, snapshotEvery int) {
	const n, clients = 5, 3
	c := newCluster(t, n, seed)
	c.snapshotEvery = snapshotEvery
	defer c.cleanup()
	c.setUnreliable(unreliable)

	// Clients propose to every node in turn until told to stop.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for cl := range clients {
		wg.Go(func() {
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				for i := range n {
					if node := c.node(i); node != nil {
						node.Start(cmd("client%d-%d", cl, k))
					}
				}
				pass(time.Duration(20+7*cl) * time.Millisecond)
			}
		})
	}

	for range 20 {
		// Each step picks a random node to cut, reconnect, crash or restart.
		switch i := c.rng.IntN(n); c.rng.IntN(4) {
		case 0:
			c.disconnect(i)
		case 1:
			c.connect(i)
		case 2:
			if c.node(i) != nil {
				c.crash(i)
			}
		case 3:
			if c.node(i) == nil {
				c.start(i)
			}
		}
		// Keep a majority up most of the time, so the log grows.
		up := 0
		for i := range n {
			if c.node(i) != nil && c.isConnected(i) {
				up++
			}
		}
		if up < 3 {
			for i := range n {
				if c.node(i) == nil {
					c.start(i)
				}
				c.connect(i)
			}
		}
		pass(time.Duration(c.rng.Int64N(int64(7 * electionMax / 10))))
	}
	close(stop)
	wg.Wait()

	// Everyone back on a quiet network: all logs must converge.
	c.setUnreliable(false)
	for i := range n {
		if c.node(i) == nil {
			c.start(i)
		}
	}
	c.connectAll()
	last := c.one(cmd("last"), n, true)
	for index := 1; index <= last; index++ {
		c.wait(index, n)
	}
	t.Logf("seed %d: %d entries committed under churn", seed, last)
	if last < 10 {
		t.Errorf("seed %d: only %d entries committed under churn; the cluster made too little progress", seed, last)
	}
}

func TestChurn_Reliable(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) { churn(t, seed, false, 0) })
}

func TestChurn_Unreliable(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) { churn(t, seed, true, 0) })
}

func TestChurn_UnreliableWithSnapshots(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) { churn(t, seed, true, 7) })
}
