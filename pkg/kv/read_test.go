package kv

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

// forEachSeed runs scenario once per seed (1 to -seeds), each in its own
// bubble and subtest, so a failing seed replays with -run 'Name/seed=N'.
func forEachSeed(t *testing.T, scenario func(t *testing.T, seed uint64)) {
	t.Helper()
	for seed := uint64(1); seed <= uint64(*seedsFlag); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { scenario(t, seed) })
		})
	}
}

// Gets are served with ReadIndex: they add nothing to the log.
func TestRead_GetsAddNoLogEntries(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newCluster(t, 3, seed, 0)
		defer c.cleanup()
		ctx := context.Background()
		ck := c.clerk()
		if _, err := ck.Put(ctx, "x", "1"); err != nil {
			t.Fatal(err)
		}
		leader := c.servers[c.leader()]
		before := leader.Raft().Status().LastIndex
		for range 20 {
			if v, err := ck.Get(ctx, "x"); err != nil || v.Value != "1" {
				t.Fatalf("seed %d: Get = %+v, %v; want 1", seed, v, err)
			}
		}
		if after := leader.Raft().Status().LastIndex; after != before {
			t.Fatalf("seed %d: 20 Gets grew the log from index %d to %d; want no entries", seed, before, after)
		}
	})
}

// The classic stale read: the leader and a client are cut off from the
// majority, which elects a new leader and takes a write. The old leader
// still believes it leads, but it cannot confirm that with a majority, so
// the client's Get must not come back with the old value.
func TestRead_DeposedLeaderServesNoStaleRead(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newCluster(t, 5, seed, 0)
		defer c.cleanup()
		ctx := context.Background()
		writer := c.clerk() // client1
		if _, err := writer.Put(ctx, "x", "old"); err != nil {
			t.Fatal(err)
		}
		reader := c.clerk() // client2
		if v, err := reader.Get(ctx, "x"); err != nil || v.Value != "old" {
			t.Fatalf("seed %d: Get before the partition = %+v, %v; want old", seed, v, err)
		}

		// Partition the leader, one follower and the reader from the rest.
		old := c.leader()
		minority := []string{strconv.Itoa(old), strconv.Itoa((old + 1) % 5), "client2"}
		majority := []string{"client1"}
		for i := 2; i < 5; i++ {
			majority = append(majority, strconv.Itoa((old+i)%5))
		}
		c.net.Partition(minority, majority)
		if _, err := writer.Put(ctx, "x", "new"); err != nil {
			t.Fatalf("seed %d: Put on the majority side: %v", seed, err)
		}
		if _, isLeader := c.servers[old].Raft().State(); !isLeader {
			t.Fatalf("seed %d: the partitioned leader stepped down; the scenario needs it to believe it leads", seed)
		}

		readCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		v, err := reader.Get(readCtx, "x")
		if err == nil {
			t.Fatalf("seed %d: Get in the minority = %q; want no answer (the majority wrote new)", seed, v.Value)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("seed %d: Get in the minority: %v; want the context's deadline", seed, err)
		}

		// Healed, the reader sees the new value.
		c.net.Heal()
		if v, err := reader.Get(ctx, "x"); err != nil || v.Value != "new" {
			t.Fatalf("seed %d: Get after healing = %+v, %v; want new", seed, v, err)
		}
	})
}

// A key whose lease has run out by the leader's clock is gone for a Get,
// even when no tick has yet moved the machine's clock past the expiry:
// such a read goes through the log, which moves the clock first.
func TestRead_ExpiredLeaseGoesThroughLog(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newClusterConfig(t, 3, seed, func(cfg *Config) {
			cfg.TickInterval = time.Hour // no ticks during the test
		})
		defer c.cleanup()
		ctx := context.Background()
		ck := c.clerk()
		lease, err := ck.Grant(ctx, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ck.PutWithLease(ctx, "session", "alive", lease); err != nil {
			t.Fatal(err)
		}
		if v, err := ck.Get(ctx, "session"); err != nil || v.Value != "alive" {
			t.Fatalf("seed %d: Get within the lease = %+v, %v; want alive", seed, v, err)
		}
		time.Sleep(1100 * time.Millisecond) // virtual time: past the TTL
		if v, err := ck.Get(ctx, "session"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("seed %d: Get after the lease ran out = %+v, %v; want ErrNotFound", seed, v, err)
		}
	})
}

// A Get right after a membership change: the commit index then points at
// the configuration entry, which the service never sees applied, so a read
// index taken from it would wait for the next write.
func TestRead_AfterMembershipChange(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newClusterWithSpares(t, 3, 1, seed, nil)
		defer c.cleanup()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ck := c.clerk()
		if _, err := ck.Put(ctx, "x", "1"); err != nil {
			t.Fatal(err)
		}
		leader := c.servers[c.leader()]
		if err := leader.Raft().AddServer(ctx, 3, "3"); err != nil {
			t.Fatalf("seed %d: AddServer: %v", seed, err)
		}
		if v, err := ck.Get(ctx, "x"); err != nil || v.Value != "1" {
			t.Fatalf("seed %d: Get after AddServer = %+v, %v; want 1", seed, v, err)
		}
	})
}
