// The scaling curve, in virtual time: the same client load against 1, 2,
// 4 and 8 groups, each group with a modeled capacity (Config.ServiceTime
// per operation), so the curve shows what sharding buys whatever the
// machine running the test.

package shardkv

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

const (
	scalingServiceTime = 10 * time.Millisecond // per operation: 100 ops/s per group
	scalingClients     = 32
	scalingWarmup      = 200 * time.Millisecond
	scalingWindow      = 500 * time.Millisecond
)

// TestScaling measures throughput with 1, 2, 4 and 8 groups under uniform
// keys, and with a hot key taking half of all operations. Run with -v to
// see the table.
func TestScaling(t *testing.T) {
	groups := []int{1, 2, 4, 8}
	uniform := make(map[int]float64)
	hot := make(map[int]float64)
	for _, n := range groups {
		synctest.Test(t, func(t *testing.T) { uniform[n], hot[n] = measure(t, n) })
	}
	t.Logf("capacity per group: %v per operation (%.0f ops/s); %d clients; %v window in virtual time",
		scalingServiceTime, float64(time.Second)/float64(scalingServiceTime), scalingClients, scalingWindow)
	t.Logf("| groups | uniform ops/s | speedup | hot key (50%% of ops) ops/s | speedup |")
	t.Logf("|---|---|---|---|---|")
	for _, n := range groups {
		t.Logf("| %d | %.0f | %.2fx | %.0f | %.2fx |", n, uniform[n], uniform[n]/uniform[1], hot[n], hot[n]/hot[1])
	}
	if r := uniform[4] / uniform[1]; r < 3.5 {
		t.Errorf("uniform keys, 1 -> 4 groups: got %.2fx, want at least 3.5x", r)
	}
	if r := uniform[8] / uniform[1]; r < 6 {
		t.Errorf("uniform keys, 1 -> 8 groups: got %.2fx, want at least 6x", r)
	}
	// With half the load on one key, that key's group caps the whole:
	// at most twice one group's capacity, however many groups there are.
	if r := hot[8] / hot[1]; r > 2.2 {
		t.Errorf("hot key, 1 -> 8 groups: got %.2fx, want at most 2.2x (the hot group should cap it)", r)
	}
}

// measure starts n groups and returns their throughput under uniform keys
// and with a hot key.
func measure(t *testing.T, n int) (uniform, hot float64) {
	var gids []int
	for gid := 1; gid <= n; gid++ {
		gids = append(gids, gid)
	}
	w := newWorld(t, 1, func(c *Config) { c.ServiceTime = scalingServiceTime }, gids...)
	defer w.cleanup()
	w.net.SetTimeout(2 * time.Second) // queues get long at one group; a slow reply is not a lost one
	cfg := w.join(gids...)
	w.waitSettled(cfg.Num, 5*time.Second)
	var clerks []*Clerk
	for range scalingClients {
		clerks = append(clerks, w.clerk())
	}
	return load(clerks, 0), load(clerks, 0.5)
}

// load runs one client per clerk and returns the operations completed
// per second of virtual time during the window. hotShare is the fraction
// of operations on the single key "hot".
func load(clerks []*Clerk, hotShare float64) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), scalingWarmup+scalingWindow)
	defer cancel()
	start := time.Now()
	var counted atomic.Int64
	var wg sync.WaitGroup
	for id, ck := range clerks {
		rng := rand.New(rand.NewPCG(1, uint64(id)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				key := "key" + strconv.Itoa(rng.IntN(10000))
				if rng.Float64() < hotShare {
					key = "hot"
				}
				var err error
				if rng.IntN(2) == 0 {
					_, err = ck.Put(ctx, key, "v")
				} else {
					_, err = ck.Get(ctx, key)
					if err != nil && ctx.Err() == nil {
						err = nil // kv.ErrNotFound is an answer too
					}
				}
				if at := time.Since(start); err == nil && at > scalingWarmup && at <= scalingWarmup+scalingWindow {
					counted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(counted.Load()) / scalingWindow.Seconds()
}
