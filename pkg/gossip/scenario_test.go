package gossip

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestJoinSpreadsToEveryone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newSimCluster(t, 1, 8, nil)
		time.Sleep(3 * time.Second)
		known := c.w.expect(8, func(e Event) bool { return e.About == "joiner" && e.State == Alive })
		j := c.add(t, "joiner", nil, 99, nil)
		if err := j.Join("m000"); err != nil {
			t.Fatalf("Join(m000): %v", err)
		}
		took := waitOrFail(t, known, 30*time.Second, "all 8 members learn of joiner")
		t.Logf("joiner known everywhere after %v", took)
		if got := len(j.Members()); got != 9 {
			t.Errorf("joiner knows %d members, want 9", got)
		}
	})
}

func TestCrashedMemberDeclaredDead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newSimCluster(t, 2, 8, nil)
		time.Sleep(2 * time.Second)
		dead := c.w.expect(7, func(e Event) bool { return e.About == "m003" && e.State == Dead })
		c.net.Crash("m003")
		c.members["m003"].Stop()
		took := waitOrFail(t, dead, 60*time.Second, "all 7 survivors declare m003 dead")
		t.Logf("m003 dead everywhere after %v", took)
		for name, m := range c.members {
			if name == "m003" {
				continue
			}
			for _, u := range m.Members() {
				if u.Name != "m003" && u.State != Alive {
					t.Errorf("%s believes %s is %v, want alive", name, u.Name, u.State)
				}
			}
		}
	})
}

// A member cut off for a moment is suspected, hears of it once the link is
// back, and refutes by raising its incarnation: nobody declares it dead.
func TestSuspectRefutesWithIncarnation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A generous suspicion timeout (8 periods): this test is about the
		// refutation, not about how often a short timeout beats it.
		c := newSimCluster(t, 3, 6, func(cfg *Config) { cfg.SuspicionMult = 8 })
		time.Sleep(2 * time.Second)
		suspected := c.w.expect(1, func(e Event) bool { return e.About == "m002" && e.State == Suspect })
		c.net.Isolate("m002")
		waitOrFail(t, suspected, 20*time.Second, "someone suspects m002")
		refuted := c.w.expect(5, func(e Event) bool { return e.About == "m002" && e.State == Alive && e.Incarnation >= 1 })
		c.net.Heal() // back well within the suspicion timeout
		waitOrFail(t, refuted, 20*time.Second, "everyone hears m002's refutation")
		if c.w.deaths["m002"] {
			t.Errorf("m002 was declared dead, want only suspected")
		}
	})
}

// Each member counts on its own; push-pull anti-entropy spreads the
// PN-Counter until everyone holds the same total.
func TestCounterConvergesByPushPull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newSimCluster(t, 4, 6, func(cfg *Config) { cfg.PushPullInterval = 2 * time.Second })
		want := int64(0)
		i := 0
		for _, m := range c.members {
			i++
			m.Inc(uint64(10 * i))
			m.Dec(uint64(i))
			want += int64(9 * i)
		}
		time.Sleep(30 * time.Second)
		for name, m := range c.members {
			if got := m.Counter(); got != want {
				t.Errorf("%s: Counter() = %d, want %d", name, got, want)
			}
		}
	})
}
