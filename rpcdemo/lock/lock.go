// Part one: a lock, a pause, and the fencing token that saves the data.

package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"distkit/pkg/coord"
)

const (
	ttl     = time.Second             // the lease behind every lock and leadership
	gcPause = 2500 * time.Millisecond // how long client A stops dead
)

// lockStory: A takes the lock, pauses past its lease, B takes the lock and
// writes, A wakes up and writes with its old token.
func lockStory(ctx context.Context, w io.Writer, c *cluster) error {
	pauseA := &pause{}
	a := coord.NewMutex(c.clerk(pauseA), "report", ttl)
	b := coord.NewMutex(c.clerk(&pause{}), "report", ttl)
	a.Backoff.Rand = rand.New(rand.NewPCG(c.seed, 100))
	b.Backoff.Rand = rand.New(rand.NewPCG(c.seed, 101))
	fenced := coord.NewFencedStore()    // checks tokens
	unfenced := make(map[string]string) // takes any write, as most storage does

	fmt.Fprintf(w, "\nStep 1. Client A takes the lock %q (lease TTL %v, renewed every %v).\n", "report", ttl, (ttl / 3).Round(time.Millisecond))
	tokenA, err := a.Lock(ctx)
	if err != nil {
		return err
	}
	if err := fenced.Write(tokenA, "report", "A's report"); err != nil {
		return err
	}
	unfenced["report"] = "A's report"
	fmt.Fprintf(w, "  A holds the lock with fencing token %d, and writes with it: accepted\n", tokenA)

	fmt.Fprintln(w, "Step 2. Client B asks for the lock. It waits, trying again every few hundred ms.")
	type result struct {
		token int64
		err   error
	}
	bDone := make(chan result, 1)
	go func() {
		token, err := b.Lock(ctx)
		bDone <- result{token, err}
	}()
	if err := sleep(ctx, 1500*time.Millisecond); err != nil {
		return err
	}
	fmt.Fprintln(w, "  1.5s later B still waits: A's keepalives hold the lease, so B would wait forever.")

	fmt.Fprintf(w, "Step 3. A stops dead for %v: a stop-the-world GC pause. Its keepalives stop too.\n", gcPause)
	pauseA.freeze()
	paused := time.Now()
	var r result
	select {
	case r = <-bDone:
	case <-ctx.Done():
		return fmt.Errorf("B never got the lock: %w", ctx.Err())
	}
	if r.err != nil {
		return r.err
	}
	fmt.Fprintf(w, "  B got the lock %.1fs into A's pause, with token %d: A's lease lapsed, the service deleted its key\n",
		time.Since(paused).Seconds(), r.token)
	if err := fenced.Write(r.token, "report", "B's report"); err != nil {
		return err
	}
	unfenced["report"] = "B's report"
	fmt.Fprintf(w, "  B writes with token %d: accepted\n", r.token)
	if err := sleep(ctx, gcPause-time.Since(paused)); err != nil {
		return err
	}
	pauseA.thaw()

	fmt.Fprintf(w, "Step 4. A wakes up. It checked its lock just before the pause, so it writes with token %d:\n", tokenA)
	if err := fenced.Write(tokenA, "report", "A's stale report"); err != nil {
		fmt.Fprintf(w, "  fenced storage refuses it: %v\n", err)
	} else {
		return fmt.Errorf("the fenced storage took token %d after %d", tokenA, r.token)
	}
	unfenced["report"] = "A's stale report"
	fmt.Fprintf(w, "  storage without tokens takes it: report = %q. B's report is gone and nobody got an error.\n", unfenced["report"])
	v, _ := fenced.Read("report")
	fmt.Fprintf(w, "  with tokens: report = %q, B's, as it should be.\n", v)
	select {
	case <-a.Lost():
	case <-ctx.Done():
		return fmt.Errorf("A never noticed it lost the lock: %w", ctx.Err())
	}
	fmt.Fprintln(w, "  A's delayed keepalive now gets its answer, lease not found, and A's Lost channel closes:")
	fmt.Fprintln(w, "  A knows it lost the lock, one write too late. Checking first cannot help: the pause can fall")
	fmt.Fprintln(w, "  between the check and the write. Only the storage, checking the token, can refuse it.")
	fmt.Fprintf(w, "  A's Unlock: %v\n", a.Unlock(ctx))
	if err := b.Unlock(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "  B's Unlock: ok. Tokens are store revisions: every write raises the revision, so %d > %d.\n", r.token, tokenA)
	return nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
