package gossip

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestFalseSuspicionsUnderLoss runs a healthy group on netsim with 10% of
// requests and 10% of replies lost, for one virtual minute, and counts
// false alarms: distinct (member, incarnation) suspicions, and members
// declared dead though none crashed. Indirect probes (SWIM's k helpers)
// should cut both. go test ./pkg/gossip -run FalseSuspicions -v prints them.
func TestFalseSuspicionsUnderLoss(t *testing.T) {
	const n, loss = 16, 0.10
	type result struct{ suspicions, deaths int }
	run := func(indirect int) (r result) {
		synctest.Test(t, func(t *testing.T) {
			c := newSimCluster(t, 5, n, func(cfg *Config) { cfg.IndirectChecks = indirect })
			c.net.SetDropRate(loss, loss)
			time.Sleep(time.Minute)
			c.w.mu.Lock()
			r = result{len(c.w.suspicions), len(c.w.deaths)}
			c.w.mu.Unlock()
		})
		return r
	}
	with, without := run(3), run(-1)
	t.Logf("%d members, %.0f%% loss each way, per minute of virtual time:", n, loss*100)
	t.Logf("%-22s %12s %14s", "", "suspicions", "declared dead")
	t.Logf("%-22s %12d %14d", "indirect probes (k=3)", with.suspicions, with.deaths)
	t.Logf("%-22s %12d %14d", "direct probes only", without.suspicions, without.deaths)
	if with.suspicions >= without.suspicions {
		t.Errorf("suspicions with indirect probes = %d, without = %d: want fewer with", with.suspicions, without.suspicions)
	}
	if with.deaths > 0 {
		t.Errorf("%d members falsely declared dead with indirect probes, want 0", with.deaths)
	}
}
