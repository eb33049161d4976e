package shardkv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Clients append unique tokens while shards move between groups and a
// tenth of all replies are lost, so many appends are retried on a group
// other than the one that applied them first. Every acknowledged token
// must be in its key exactly once, and no token more than once.
func TestShardKV_ExactlyOnceAcrossMigration(t *testing.T) {
	for seed := uint64(1); seed <= uint64(*seedsFlag); seed++ {
		synctest.Test(t, func(t *testing.T) {
			w := newWorld(t, seed, nil, 1, 2, 3)
			defer w.cleanup()
			w.join(1)
			w.net.SetDropRate(0, 0.1) // lose replies: the request took effect, the client cannot know
			ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
			defer cancel()
			var mu sync.Mutex
			acked := map[string]bool{} // token -> acknowledged
			var wg sync.WaitGroup
			for c := range 4 {
				ck := w.clerk()
				rng := rand.New(rand.NewPCG(seed, uint64(c)))
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ctx.Err() == nil; i++ {
						key := fmt.Sprintf("k%d", rng.IntN(6))
						token := fmt.Sprintf("<%d.%d>", c, i)
						opCtx, opCancel := context.WithTimeout(context.Background(), 5*time.Second)
						_, err := ck.Append(opCtx, key, token)
						opCancel()
						mu.Lock()
						acked[token] = err == nil
						mu.Unlock()
					}
				}()
			}
			for _, change := range []func(){func() { w.join(2) }, func() { w.join(3) }, func() { w.leave(1) }, func() { w.leave(2) }} {
				time.Sleep(300 * time.Millisecond)
				change()
			}
			wg.Wait()
			w.net.SetDropRate(0, 0)
			ck := w.clerk()
			var all strings.Builder
			for k := range 6 {
				v, _ := ck.Get(context.Background(), fmt.Sprintf("k%d", k))
				all.WriteString(v.Value)
			}
			for token, ok := range acked {
				n := strings.Count(all.String(), token)
				if n > 1 || (ok && n != 1) {
					t.Errorf("seed %d: token %s (acknowledged %v) appears %d times", seed, token, ok, n)
				}
			}
			t.Logf("seed %d: %d appends, each applied once", seed, len(acked))
		})
	}
}
