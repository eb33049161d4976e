// The workload: clients writing and reading random keys, each one checking
// that it reads back what it last wrote.

package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"

	"distkit/pkg/kv"
	"distkit/pkg/shardkv"
)

type workload struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	ops    atomic.Int64
	failed atomic.Int64
	c      *cluster
	last   []map[string]string // per client: key -> the value it last wrote
}

// startWorkload starts n clients. Each puts and gets random keys of its
// own (so it knows what each must hold) and counts a read of the wrong
// value, or any error, as a failure.
func startWorkload(c *cluster, n int, seed uint64) *workload {
	ctx, cancel := context.WithCancel(context.Background())
	wl := &workload{cancel: cancel, c: c, last: make([]map[string]string, n)}
	for id := range n {
		ck := c.clerk()
		rng := rand.New(rand.NewPCG(seed, uint64(id)))
		wl.last[id] = make(map[string]string)
		wl.wg.Add(1)
		go func() {
			defer wl.wg.Done()
			for i := 0; ; i++ {
				key := fmt.Sprintf("c%d-k%d", id, rng.IntN(50))
				var err error
				if rng.IntN(2) == 0 {
					val := strconv.Itoa(i)
					if _, err = ck.Put(ctx, key, val); err == nil {
						wl.last[id][key] = val
					}
				} else {
					err = check(ctx, ck, key, wl.last[id][key])
				}
				if ctx.Err() != nil {
					return // stopped mid-operation: not a failure
				}
				wl.ops.Add(1)
				if err != nil {
					wl.failed.Add(1)
				}
			}
		}()
	}
	return wl
}

// check reads key and compares it with want ("" means never written).
func check(ctx context.Context, ck *shardkv.Clerk, key, want string) error {
	v, err := ck.Get(ctx, key)
	if errors.Is(err, kv.ErrNotFound) && want == "" {
		return nil
	}
	if err != nil {
		return err
	}
	if v.Value != want {
		return fmt.Errorf("get %s: got %q, want %q", key, v.Value, want)
	}
	return nil
}

// stop ends the clients, then reads back every client's last writes with
// a fresh clerk.
func (wl *workload) stop() (ops, failed int64, err error) {
	wl.cancel()
	wl.wg.Wait()
	ck := wl.c.clerk()
	for _, last := range wl.last {
		for key, want := range last {
			if err := check(context.Background(), ck, key, want); err != nil {
				return 0, 0, fmt.Errorf("reading back: %w", err)
			}
		}
	}
	return wl.ops.Load(), wl.failed.Load(), nil
}
