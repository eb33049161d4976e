package kv

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestClerk_Operations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 1, 0)
		defer c.cleanup()
		ctx := context.Background()
		ck := c.clerk()

		if _, err := ck.Get(ctx, "x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
		}
		if v, err := ck.Put(ctx, "x", "1"); err != nil || v.Version != 1 {
			t.Fatalf("Put = %+v, %v; want version 1", v, err)
		}
		if v, err := ck.Append(ctx, "x", "2"); err != nil || v.Version != 2 {
			t.Fatalf("Append = %+v, %v; want version 2", v, err)
		}
		if v, err := ck.Get(ctx, "x"); err != nil || v.Value != "12" || v.Version != 2 {
			t.Fatalf("Get = %+v, %v; want 12 at version 2", v, err)
		}
		// Compare-and-swap succeeds only at the expected version.
		if v, err := ck.CompareAndSwap(ctx, "x", 1, "stale", 0); !errors.Is(err, ErrVersionMismatch) || v.Value != "12" {
			t.Fatalf("CAS at an old version = %+v, %v; want mismatch showing 12", v, err)
		}
		if _, err := ck.CompareAndSwap(ctx, "x", 2, "3", 0); err != nil {
			t.Fatalf("CAS at the current version: %v", err)
		}
		if _, err := ck.CompareAndSwap(ctx, "new", 0, "created", 0); err != nil {
			t.Fatalf("CAS creating a key: %v", err)
		}
		if err := ck.Delete(ctx, "x"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if err := ck.Delete(ctx, "x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second Delete: %v, want ErrNotFound", err)
		}
		// Oversized input is refused before it reaches the log.
		if _, err := ck.Put(ctx, strings.Repeat("k", MaxKeySize+1), "v"); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Put of a huge key: %v, want ErrTooLarge", err)
		}
	})
}

func TestClerk_LeaseExpiresWithoutTraffic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 2, 0)
		defer c.cleanup()
		ctx := context.Background()
		ck := c.clerk()
		lease, err := ck.Grant(ctx, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ck.PutWithLease(ctx, "lock", "me", lease); err != nil {
			t.Fatal(err)
		}
		// Kept alive, the key survives past its first TTL.
		<-time.After(700 * time.Millisecond)
		if err := ck.KeepAlive(ctx, lease); err != nil {
			t.Fatalf("KeepAlive: %v", err)
		}
		<-time.After(700 * time.Millisecond)
		if _, err := ck.Get(ctx, "lock"); err != nil {
			t.Fatalf("Get while the lease lives: %v", err)
		}
		// Left alone, the leader's ticks expire the lease and its key.
		<-time.After(1500 * time.Millisecond)
		for i, s := range c.servers {
			if st := s.Status(); st.Leases != 0 || st.Keys != 0 {
				t.Errorf("server %d holds %d leases and %d keys after expiry, want none", i, st.Leases, st.Keys)
			}
		}
		if err := ck.KeepAlive(ctx, lease); !errors.Is(err, ErrLeaseNotFound) {
			t.Errorf("KeepAlive of an expired lease: %v, want ErrLeaseNotFound", err)
		}
	})
}

func TestClerk_SurvivesLeaderCrash(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 3, 0)
		defer c.cleanup()
		ctx := context.Background()
		ck := c.clerk()
		if _, err := ck.Put(ctx, "k", "a"); err != nil {
			t.Fatal(err)
		}
		c.crash(c.leader())
		if _, err := ck.Append(ctx, "k", "b"); err != nil {
			t.Fatalf("Append after the leader crashed: %v", err)
		}
		if v, err := ck.Get(ctx, "k"); err != nil || v.Value != "ab" {
			t.Fatalf("Get = %+v, %v; want ab", v, err)
		}
	})
}

// Appends are not idempotent: a retried append that ran twice would show
// up as a doubled value. Dropped replies force retries.
func TestClerk_ExactlyOnceUnderLostReplies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 4, 0)
		defer c.cleanup()
		ctx := context.Background()
		ck := c.clerk()
		c.net.SetDropRate(0, 0.3)
		want := ""
		for i := range 20 {
			s := string(rune('a' + i))
			if _, err := ck.Append(ctx, "log", s); err != nil {
				t.Fatal(err)
			}
			want += s
		}
		c.net.SetDropRate(0, 0)
		if v, err := ck.Get(ctx, "log"); err != nil || v.Value != want {
			t.Fatalf("after 20 appends with 30%% of replies lost: %q, %v; want %q", v.Value, err, want)
		}
	})
}

func TestClerk_GivesUpWhenContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 5, 0)
		defer c.cleanup()
		ck := c.clerk()
		// With every server isolated there is no leader to answer.
		for i := range c.servers {
			c.net.Isolate(strconv.Itoa(i))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := ck.Put(ctx, "k", "v")
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "outcome unknown") {
			t.Fatalf("Put with no reachable leader: %v, want a deadline error saying the outcome is unknown", err)
		}
	})
}

// Draining the leader moves leadership and turns requests away, and a
// clerk working through it notices nothing but a short pause.
func TestServer_DrainHandsOverWithoutFailingClients(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 6, 0)
		defer c.cleanup()
		c.net.SetDelay(time.Millisecond, 3*time.Millisecond)
		ctx := context.Background()
		ck := c.clerk()
		if _, err := ck.Put(ctx, "k", "a"); err != nil {
			t.Fatal(err)
		}
		old := c.leader()
		errc := make(chan error)
		go func() {
			for i := range 20 {
				if _, err := ck.Append(ctx, "k", strconv.Itoa(i)); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		<-time.After(10 * time.Millisecond)
		drainErr := c.servers[old].Drain(ctx)
		if err := <-errc; err != nil {
			t.Fatalf("a client failed during the drain: %v", err)
		}
		if drainErr != nil {
			t.Fatalf("Drain: %v", drainErr)
		}
		if now := c.leader(); now == old || now == -1 {
			t.Fatalf("leader after draining %d is %d, want another node", old, now)
		}
		var reply Reply
		if err := c.servers[old].Put(&Request{Key: "k", Value: "x"}, &reply); err != nil || reply.Code != CodeWrongLeader {
			t.Errorf("Put on a drained server: %+v, %v; want CodeWrongLeader", reply, err)
		}
		v, err := ck.Get(ctx, "k")
		if want := "a012345678910111213141516171819"; err != nil || v.Value != want {
			t.Errorf("Get = %q, %v; want %q", v.Value, err, want)
		}
	})
}
