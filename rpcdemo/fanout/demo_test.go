package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

var seeds = flag.Int("seeds", 3, "number of seeds for the randomized latency tests")

// TestHedging_CutsTheTail replays the demo's hedging scene in virtual time,
// where latencies are exactly what the replicas drew: the unhedged p99 sits
// in the 20-50ms tail, the hedged p99 within delay + a normal answer.
func TestHedging_CutsTheTail(t *testing.T) {
	for seed := uint64(1); seed <= uint64(*seeds); seed++ {
		synctest.Test(t, func(t *testing.T) {
			c, _, _ := cluster(t, heavyTails(seed, 3))
			plain := measure(t.Context(), c, 300, func(ctx context.Context, i int) (answer, error) {
				return c.readOne(ctx, key, i%3)
			})
			hedged := measure(t.Context(), c, 300, func(ctx context.Context, i int) (answer, error) {
				return c.readHedged(ctx, key, i%3)
			})
			t.Logf("seed %d: p99 %v -> %v hedged, %+.1f%% requests",
				seed, plain.percentile(99), hedged.percentile(99), 100*hedged.extraLoad())

			if plain.failed+hedged.failed != 0 {
				t.Errorf("seed %d: %d plain and %d hedged lookups failed, want none", seed, plain.failed, hedged.failed)
			}
			if got := plain.percentile(99); got < 20*time.Millisecond {
				t.Errorf("seed %d: unhedged p99 = %v, want it in the 20-50ms tail", seed, got)
			}
			// Delay plus the slowest normal answer, unless both replicas were slow.
			if got, want := hedged.percentile(99), defaultHedgeDelay+3*time.Millisecond; got > want {
				t.Errorf("seed %d: hedged p99 = %v, want at most %v", seed, got, want)
			}
			if got := hedged.extraLoad(); got <= 0 || got > 0.10 {
				t.Errorf("seed %d: hedging cost %+.1f%% requests, want between 0 and +10%% (about the 5%% tail)", seed, 100*got)
			}
		})
	}
}

func TestReadQuorum_ReturnsTheNewestOfTheFirstK(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, replicas := cluster(t, []func() time.Duration{fixed(1 * ms), fixed(2 * ms), fixed(3 * ms)})
		// Only replica-1 has the write; replica-0 answers first with a stale copy.
		if err := replicas[1].Store(&StoreArgs{Key: key, Entry: Entry{"ext 202", 2}}, &StoreReply{}); err != nil {
			t.Fatal(err)
		}

		newest, got, err := c.readQuorum(t.Context(), key, 2)
		if err != nil {
			t.Fatalf("readQuorum: %v", err)
		}
		if want := (Entry{Value: "ext 202", Version: 2}); newest.Entry != want {
			t.Errorf("readQuorum newest = %+v, want %+v", newest.Entry, want)
		}
		var from []string
		for _, a := range got {
			from = append(from, a.Replica)
		}
		if got, want := strings.Join(from, ","), "replica-0,replica-1"; got != want {
			t.Errorf("readQuorum answers came from %s, want %s (the two fastest)", got, want)
		}
	})
}

func TestReplica_StoreKeepsTheNewestVersion(t *testing.T) {
	tests := []struct {
		name        string
		store       Entry
		wantApplied bool
		want        Entry
	}{
		{"older version is ignored", Entry{"old", 1}, false, Entry{"ext 202", 2}},
		{"same version is ignored", Entry{"other", 2}, false, Entry{"ext 202", 2}},
		{"newer version replaces", Entry{"ext 303", 3}, true, Entry{"ext 303", 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReplica(map[string]Entry{key: {"ext 202", 2}}, fixed(0))
			var reply StoreReply
			if err := r.Store(&StoreArgs{Key: key, Entry: tt.store}, &reply); err != nil {
				t.Fatal(err)
			}
			if reply.Applied != tt.wantApplied || r.data[key] != tt.want {
				t.Errorf("Store(%+v) over v2: applied=%v, holds %+v; want applied=%v, holds %+v",
					tt.store, reply.Applied, r.data[key], tt.wantApplied, tt.want)
			}
		})
	}
}

func TestStory_PlaysEveryScene(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, p, _ := cluster(t, heavyTails(1, 3))
		var out strings.Builder
		s := &story{out: &out, c: c, lookups: 100, down: func() error { return p.down("pipe-2") }}
		if err := s.run(t.Context()); err != nil {
			t.Fatalf("story: %v\n%s", err, out.String())
		}
		// Under -v, show the narration in virtual time: no scheduling noise.
		if testing.Verbose() {
			fmt.Fprint(t.Output(), out.String())
		}
		checkContains(t, out.String(),
			"replica-2  pipe-2           connected",
			"replica-0: ext 101 (v1)   replica-1: ext 101 (v1)   replica-2: ext 101 (v1)",
			"stored on 2 replicas",
			"newest: ext 202 (v2)",
			"hedged at 4.0ms",
			"== replica-2 goes down",
			"All:            failed: call 2: replica-2:",
			"First:          replica-",
			"Quorum(2/3):    newest of 2 answers: ext 202 (v2)",
			"50 of 50 lookups starting on replica-2 answered",
		)
	})
}

func TestStory_ReportsADeadReplica(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, _ := cluster(t, heavyTails(1, 2), "pipe-2")
		var out strings.Builder
		s := &story{out: &out, c: c, lookups: 30}
		if err := s.run(t.Context()); err != nil {
			t.Fatalf("story: %v\n%s", err, out.String())
		}
		checkContains(t, out.String(),
			"replica-2  pipe-2           unreachable: dial pipe pipe-2: connection refused; its calls will fail at once",
			"failed: call 2: replica-2 unreachable: dial pipe pipe-2: connection refused",
			"stored on 2 replicas",
			"newest: ext 202 (v2)",
			// The unhedged run fails every third lookup; hedging routes around it.
			"20, 10 failed",
		)
		if n := strings.Count(out.String(), " failed\n"); n != 1 {
			t.Errorf("%d rows of the hedging table report failed lookups, want 1 (only the unhedged run):\n%s", n, out.String())
		}
	})
}

func TestStory_NoReplicaReachable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _, _ := cluster(t, nil, "pipe-0", "pipe-1")
		var out strings.Builder
		s := &story{out: &out, c: c, lookups: 10}
		if err := s.run(t.Context()); !errors.Is(err, errNoReplicas) {
			t.Errorf("story with no reachable replica: got %v, want errNoReplicas", err)
		}
	})
}

// checkContains fails the test for each line missing from out.
func checkContains(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, line := range lines {
		if !strings.Contains(out, line) {
			t.Errorf("narration lacks %q", line)
		}
	}
	if t.Failed() {
		fmt.Fprintf(t.Output(), "narration:\n%s", out)
	}
}

const ms = time.Millisecond
