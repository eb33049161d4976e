package coord

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestMutex_MutualExclusionAndIncreasingTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 1)
		ctx := context.Background()
		const clients, rounds = 4, 3
		var (
			holders atomic.Int32
			mu      sync.Mutex
			tokens  []int64 // in the order the lock was taken
			wg      sync.WaitGroup
		)
		for range clients {
			m, _ := c.mutex()
			wg.Go(func() {
				for range rounds {
					token, err := m.Lock(ctx)
					if err != nil {
						t.Errorf("Lock: %v", err)
						return
					}
					if n := holders.Add(1); n != 1 {
						t.Errorf("%d clients hold the lock at once, want 1", n)
					}
					mu.Lock()
					tokens = append(tokens, token)
					mu.Unlock()
					time.Sleep(30 * time.Millisecond) // the critical section
					holders.Add(-1)
					if err := m.Unlock(ctx); err != nil {
						t.Errorf("Unlock: %v", err)
					}
				}
			})
		}
		wg.Wait()
		if len(tokens) != clients*rounds {
			t.Fatalf("the lock was taken %d times, want %d", len(tokens), clients*rounds)
		}
		for i := 1; i < len(tokens); i++ {
			if tokens[i] <= tokens[i-1] {
				t.Errorf("tokens %v: holder %d got %d after %d, want strictly increasing", tokens, i, tokens[i], tokens[i-1])
			}
		}
	})
}

func TestMutex_UnlockHandsOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 2)
		ctx := context.Background()
		a, _ := c.mutex()
		b, _ := c.mutex()
		tokenA, err := a.Lock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		type result struct {
			token int64
			err   error
		}
		got := make(chan result, 1)
		go func() {
			token, err := b.Lock(ctx)
			got <- result{token, err}
		}()
		// B waits as long as A holds the lock, well past the TTL:
		// A's keepalives keep the lease alive.
		time.Sleep(3 * ttl)
		select {
		case r := <-got:
			t.Fatalf("B took the lock (token %d, %v) while A held it", r.token, r.err)
		default:
		}
		if err := a.Unlock(ctx); err != nil {
			t.Fatalf("A's Unlock: %v", err)
		}
		unlocked := time.Now()
		r := <-got
		if r.err != nil {
			t.Fatalf("B's Lock: %v", r.err)
		}
		if r.token <= tokenA {
			t.Errorf("B's token %d, A's %d: want B's higher", r.token, tokenA)
		}
		// A waiter polls at most Backoff.MaxDelay (ttl/4) apart.
		if wait := time.Since(unlocked); wait > ttl/2 {
			t.Errorf("B took the lock %v after A's Unlock, want within %v", wait, ttl/2)
		}
		if err := b.Unlock(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMutex_LeaseExpiresWhenHolderGoesSilent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 3)
		ctx := context.Background()
		a, nameA := c.mutex()
		b, _ := c.mutex()
		tokenA, err := a.Lock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lost := a.Lost()
		// A's keepalives stop reaching the cluster.
		c.net.Isolate(nameA)
		start := time.Now()
		tokenB, err := b.Lock(ctx)
		if err != nil {
			t.Fatalf("B's Lock: %v", err)
		}
		if tokenB <= tokenA {
			t.Errorf("B's token %d, A's %d: want B's higher", tokenB, tokenA)
		}
		if waited := time.Since(start); waited < ttl*2/3 {
			t.Errorf("B took the lock %v after A went silent, before A's lease could lapse", waited)
		}
		// A learned it lost the lock no later than the service let B in.
		select {
		case <-lost:
		default:
			t.Errorf("B holds the lock but A's Lost channel is still open")
		}
		c.net.Heal()
		if err := a.Unlock(ctx); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("A's Unlock after its lease lapsed: %v, want ErrLeaseLost", err)
		}
		if err := b.Unlock(ctx); err != nil {
			t.Errorf("B's Unlock: %v", err)
		}
	})
}

func TestMutex_FencedStoreRejectsPausedHolder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 4)
		ctx := context.Background()
		store := NewFencedStore()
		a, nameA := c.mutex()
		b, _ := c.mutex()
		tokenA, err := a.Lock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Write(tokenA, "config", "from A"); err != nil {
			t.Fatalf("A's first write: %v", err)
		}
		// A pauses (a long GC pause): from outside it is silent, and
		// its lease lapses. B takes the lock and writes.
		c.net.Isolate(nameA)
		tokenB, err := b.Lock(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Write(tokenB, "config", "from B"); err != nil {
			t.Fatalf("B's write: %v", err)
		}
		// A wakes up believing it still holds the lock, and writes.
		c.net.Heal()
		err = store.Write(tokenA, "config", "from A, after the pause")
		if !errors.Is(err, ErrStaleToken) {
			t.Errorf("A's write with token %d after B's with %d: %v, want ErrStaleToken", tokenA, tokenB, err)
		}
		if v, _ := store.Read("config"); v != "from B" {
			t.Errorf("config = %q, want B's write to survive", v)
		}
		a.Unlock(ctx) // ErrLeaseLost, as tested above
		if err := b.Unlock(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMutex_LockGivesUpWhenCtxEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 5)
		ctx := context.Background()
		a, _ := c.mutex()
		b, _ := c.mutex()
		if _, err := a.Lock(ctx); err != nil {
			t.Fatal(err)
		}
		waitCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		if _, err := b.Lock(waitCtx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("B's Lock with a 500ms deadline: %v, want DeadlineExceeded", err)
		}
		select {
		case <-b.Lost():
		default:
			t.Error("B's Lost channel is open after a failed Lock")
		}
		// B revoked the lease it waited with: only A's remains.
		time.Sleep(100 * time.Millisecond)
		for i, n := range c.leases() {
			if n != 1 {
				t.Errorf("server %d holds %d leases after B gave up, want 1 (A's)", i, n)
			}
		}
		if err := a.Unlock(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMutex_Misuse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 6)
		ctx := context.Background()
		m, _ := c.mutex()
		if err := m.Unlock(ctx); !errors.Is(err, ErrNotHeld) {
			t.Errorf("Unlock before Lock: %v, want ErrNotHeld", err)
		}
		if _, err := m.Lock(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Lock(ctx); !errors.Is(err, ErrHeld) {
			t.Errorf("second Lock: %v, want ErrHeld", err)
		}
		if err := m.Unlock(ctx); err != nil {
			t.Fatal(err)
		}
		if m.Token() != 0 {
			t.Errorf("Token after Unlock = %d, want 0", m.Token())
		}
	})
}
