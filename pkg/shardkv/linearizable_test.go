// Randomized scenarios: concurrent clients while groups join, leave,
// crash and lose messages; every history checked per key with
// pkg/linearizability.

package shardkv

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/linearizability"
)

// scenario is one randomized run: clients run for duration while the
// nemesis plays its part every step.
type scenario struct {
	clients    int
	duration   time.Duration
	unreliable bool // drop 5% of messages, now and then a long delay
	maxState   int  // snapshot threshold (0: none)
	// nemesis runs every 300ms of virtual time with a seeded rng; round
	// counts from 0.
	nemesis func(w *world, rng *rand.Rand, round int)
}

// joinLeave cycles groups 1 to 3 in and out: one change per round.
func joinLeave(w *world, rng *rand.Rand, round int) {
	switch round % 6 {
	case 0:
		w.join(2)
	case 1:
		w.join(3)
	case 2:
		w.leave(1)
	case 3:
		w.join(1)
	case 4:
		w.leave(2)
	case 5:
		w.leave(3)
		w.join(2, 3)
	}
}

func TestShardKV_JoinLeaveConcurrentClients(t *testing.T) {
	runScenario(t, scenario{clients: 5, duration: 1500 * time.Millisecond, nemesis: joinLeave})
}

func TestShardKV_ConcurrentConfigChanges(t *testing.T) {
	runScenario(t, scenario{clients: 5, duration: 1500 * time.Millisecond, nemesis: func(w *world, rng *rand.Rand, round int) {
		// Three operators change the configuration at the same moment;
		// the controller's compare-and-swap orders them.
		var wg sync.WaitGroup
		for op := range 3 {
			ctl := w.controller(fmt.Sprintf("admin%d-%d", round, op))
			gid := 1 + rng.IntN(3)
			shard := rng.IntN(10)
			kind := rng.IntN(3)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.Background()
				switch kind {
				case 0:
					ctl.Join(ctx, map[int][]string{gid: w.groups[gid].names}) // may already be in
				case 1:
					ctl.Leave(ctx, gid) // may not be in, or be the last
				default:
					ctl.Move(ctx, shard, gid) // may not be in
				}
			}()
		}
		wg.Wait()
	}})
}

func TestShardKV_UnreliableMigration(t *testing.T) {
	runScenario(t, scenario{clients: 5, duration: 1500 * time.Millisecond, unreliable: true, nemesis: joinLeave})
}

func TestShardKV_CrashMidMigration(t *testing.T) {
	runScenario(t, scenario{clients: 5, duration: 2 * time.Second, maxState: 2000,
		nemesis: func(w *world, rng *rand.Rand, round int) {
			joinLeave(w, rng, round)
			// Right after the change, while shards are in flight, a
			// whole group goes down and comes back from its storage.
			time.Sleep(time.Duration(rng.IntN(50)) * time.Millisecond)
			g := w.groups[1+rng.IntN(3)]
			for i := range g.servers {
				w.crash(g, i)
			}
			time.Sleep(100 * time.Millisecond)
			for i := range g.servers {
				w.start(g, i)
			}
		}})
}

func TestShardKV_PartitionedGroupCatchesUp(t *testing.T) {
	runScenario(t, scenario{clients: 5, duration: 2 * time.Second, nemesis: func(w *world, rng *rand.Rand, round int) {
		g3 := w.groups[3].names
		switch round {
		case 0:
			w.join(2, 3)
		case 1:
			// Group 3 is cut off from everyone: it misses the next
			// configurations, and the shards moving to or from it wait.
			for _, n := range g3 {
				w.net.Isolate(n)
			}
		case 2:
			w.leave(1)
		case 3:
			w.join(1)
		case 4:
			w.leave(2)
		case 5:
			// Back: it walks through the configurations it missed, one
			// at a time.
			w.net.Heal()
		}
	}})
}

// runScenario runs sc for each seed and checks each key's history.
func runScenario(t *testing.T, sc scenario) {
	for seed := uint64(1); seed <= uint64(*seedsFlag); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			var history []linearizability.Operation
			synctest.Test(t, func(t *testing.T) {
				history = play(t, sc, seed)
			})
			res := linearizability.Check(linearizability.KVModel{}, history, 10*time.Second)
			switch res.Verdict {
			case linearizability.Ok:
				t.Logf("seed %d: %d operations, linearizable", seed, len(history))
			case linearizability.Unknown:
				t.Logf("seed %d: the checker gave up on %d operations (not a failure)", seed, len(history))
			default:
				t.Fatalf("seed %d: history of %d operations is not linearizable:\n%s\n%s",
					seed, len(history), res.Report(), res.Timeline(100))
			}
		})
	}
}

// play runs the clients and the nemesis and returns the history. Every
// operation that finished must have finished well: at the end the network
// heals and the groups settle, so a client that gave up is a failure too.
func play(t *testing.T, sc scenario, seed uint64) []linearizability.Operation {
	w := newWorld(t, seed, func(c *Config) { c.MaxRaftState = sc.maxState }, 1, 2, 3)
	defer w.cleanup()
	w.join(1)
	if sc.unreliable {
		w.net.SetDropRate(0.05, 0.05)
		w.net.SetLongDelays(0.01, 200*time.Millisecond)
	}
	rec := linearizability.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), sc.duration)
	defer cancel()
	var wg sync.WaitGroup
	var unknown, done int
	var mu sync.Mutex
	for id := range sc.clients {
		ck := w.clerk()
		rng := rand.New(rand.NewPCG(seed, uint64(id)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				// Each operation gets a generous deadline of its own, so
				// only the last ones end unknown.
				opCtx, opCancel := context.WithTimeout(context.Background(), 5*time.Second)
				ok := randomOp(opCtx, ck, rng, rec, id)
				opCancel()
				mu.Lock()
				done++
				if !ok {
					unknown++
				}
				mu.Unlock()
			}
		}()
	}
	rng := rand.New(rand.NewPCG(seed, 999))
	for round := 0; ctx.Err() == nil; round++ {
		select {
		case <-time.After(300 * time.Millisecond):
		case <-ctx.Done():
		}
		if ctx.Err() == nil && sc.nemesis != nil {
			sc.nemesis(w, rng, round)
		}
	}
	w.net.Heal()
	w.net.SetDropRate(0, 0)
	wg.Wait()
	if unknown > 0 {
		t.Errorf("seed %d: %d of %d operations never learned their outcome", seed, unknown, done)
	}
	// Every group catches up with the latest configuration, and each
	// shard's data then lives in exactly one group: the old copies are freed.
	latest, err := w.admin.Query(context.Background(), -1)
	if err != nil {
		t.Fatalf("seed %d: query latest: %v", seed, err)
	}
	w.waitSettled(latest.Num, 10*time.Second)
	w.checkOwnership(latest)
	return rec.History()
}

// randomOp performs one random operation on one of eight keys (spread over
// the shards) and records it. It reports whether the outcome is known.
func randomOp(ctx context.Context, ck *Clerk, rng *rand.Rand, rec *linearizability.Recorder, client int) bool {
	key := "k" + strconv.Itoa(rng.IntN(8))
	value := fmt.Sprintf("%d.%d ", client, rng.IntN(1000))
	var in linearizability.KVInput
	var out linearizability.KVOutput
	var done func(any)
	switch r := rng.IntN(10); {
	case r < 4:
		in = linearizability.KVInput{Op: "get", Key: key}
		done = rec.Begin(client, in)
		v, err := ck.Get(ctx, key)
		out = linearizability.KVOutput{Value: v.Value, Version: v.Version, Ok: err == nil}
		out.Unknown = err != nil && !errors.Is(err, kv.ErrNotFound)
	case r < 6:
		in = linearizability.KVInput{Op: "put", Key: key, Value: value}
		done = rec.Begin(client, in)
		v, err := ck.Put(ctx, key, value)
		out = linearizability.KVOutput{Version: v.Version, Unknown: err != nil}
	case r < 8:
		in = linearizability.KVInput{Op: "append", Key: key, Value: value}
		done = rec.Begin(client, in)
		v, err := ck.Append(ctx, key, value)
		out = linearizability.KVOutput{Version: v.Version, Unknown: err != nil}
	case r < 9:
		version := int64(rng.IntN(4))
		in = linearizability.KVInput{Op: "cas", Key: key, Value: value, Version: version}
		done = rec.Begin(client, in)
		v, err := ck.CompareAndSwap(ctx, key, version, value)
		out = linearizability.KVOutput{Version: v.Version, Ok: err == nil}
		out.Unknown = err != nil && !errors.Is(err, kv.ErrVersionMismatch)
	default:
		in = linearizability.KVInput{Op: "delete", Key: key}
		done = rec.Begin(client, in)
		err := ck.Delete(ctx, key)
		out = linearizability.KVOutput{Ok: err == nil}
		out.Unknown = err != nil && !errors.Is(err, kv.ErrNotFound)
	}
	done(out)
	return !out.Unknown
}
