package gossip

import (
	"flag"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"
)

var big = flag.Bool("big", false, "add 1000 members to TestConvergenceScaling (about 3 s of CPU with -race)")

// TestConvergenceScaling measures, in virtual time, how many protocol
// periods it takes until every member knows of a newly joined one, and until
// a crashed one is declared dead everywhere, for 10, 100 and 1000 members.
// It runs on fastNet (see harness_test.go), not netsim: a thousand members
// with gob copies of every message would take too long for the default
// suite. Anti-entropy is turned off so the figures are piggybacked gossip
// alone. go test ./pkg/gossip -run Scaling -v -big prints the table; without
// -big the 1000-member row is skipped to keep the default suite fast.
func TestConvergenceScaling(t *testing.T) {
	const period = time.Second
	t.Logf("%8s %12s %12s %16s", "members", "join rounds", "dead rounds", "log2(N) for scale")
	sizes := []int{10, 100}
	if *big {
		sizes = append(sizes, 1000)
	}
	for _, n := range sizes {
		var join, dead float64
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				join, dead = convergence(t, uint64(n), n, period)
			})
		})
		t.Logf("%8d %12.1f %12.1f %16.1f", n, join, dead, math.Log2(float64(n)))
		// Loose bounds: O(log N) dissemination; death also waits out the
		// suspicion timeout, 4·log10(N) periods.
		if limit := 4 * math.Log2(float64(n)); join > limit {
			t.Errorf("N=%d: join took %.1f rounds, want <= %.1f", n, join, limit)
		}
		if limit := 4*math.Log10(float64(n)) + 4*math.Log2(float64(n)); dead > limit {
			t.Errorf("N=%d: death took %.1f rounds, want <= %.1f", n, dead, limit)
		}
	}
}

func convergence(t *testing.T, seed uint64, n int, period time.Duration) (joinRounds, deadRounds float64) {
	net := newFastNet(seed)
	w := newWatcher()
	all := names(n)
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	mk := func(name string, initial []string, i uint64) *Member {
		m := New(Config{
			Name: name, Dial: net.dial(name), Members: initial,
			ProbeInterval: period, PushPullInterval: time.Hour,
			Rand: rand.New(rand.NewPCG(seed, i)), Logger: logger, OnEvent: w.onEvent,
		})
		net.mu.Lock()
		net.members[name] = m
		net.mu.Unlock()
		return m
	}
	var members []*Member
	for i, name := range all {
		members = append(members, mk(name, all, uint64(i)))
	}
	for _, m := range members {
		m.Start()
	}
	defer func() {
		for _, m := range members {
			m.Stop()
		}
	}()
	time.Sleep(2 * period)

	known := w.expect(n, func(e Event) bool { return e.About == "joiner" && e.State == Alive })
	j := mk("joiner", nil, uint64(n))
	members = append(members, j)
	if err := j.Join(all[0]); err != nil {
		t.Fatalf("seed %d: Join: %v", seed, err)
	}
	joinRounds = float64(waitOrFail(t, known, 200*period, "join known everywhere")) / float64(period)

	victim := all[n/2]
	gone := w.expect(n, func(e Event) bool { return e.About == victim && e.State == Dead })
	net.mu.Lock()
	net.down[victim] = true
	net.mu.Unlock()
	members[n/2].Stop()
	deadRounds = float64(waitOrFail(t, gone, 400*period, "crash declared everywhere")) / float64(period)
	return joinRounds, deadRounds
}
