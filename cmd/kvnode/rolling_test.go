// A rolling update, done here with real processes the way a StatefulSet
// controller does it in Kubernetes: one node at a time gets SIGTERM, drains
// (turning requests away, finishing those inside, handing leadership over),
// exits 0, and starts again on its data directory; the next node is touched
// only once the restarted one is ready. Clients write throughout and must
// not notice beyond retries.

package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"distkit/pkg/linearizability"
)

func TestProcess_RollingUpdateLosesNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := startCluster(t, ctx, 3)

	// Writers append numbered tokens to keys of their own, a reader reads
	// them, all recorded for the checker. A failed request (one the clerk
	// gave up on: its context ended) is what a rolling update must never
	// cause, so it is counted, not tolerated.
	rec := linearizability.NewRecorder()
	progress := newCounter()
	workCtx, stopWork := context.WithCancel(ctx)
	const writers = 3
	acked := make([][]string, writers)
	var failedMu sync.Mutex
	var failed []string
	fail := func(what string, err error) {
		if workCtx.Err() != nil {
			return // stopped on purpose, not a failure
		}
		failedMu.Lock()
		failed = append(failed, fmt.Sprintf("%s: %v", what, err))
		failedMu.Unlock()
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			ck, done := c.clerk()
			defer done()
			key := fmt.Sprintf("k%d", w)
			for i := 0; workCtx.Err() == nil; i++ {
				token := fmt.Sprintf("w%d.%d;", w, i)
				end := rec.Begin(w, linearizability.KVInput{Op: "append", Key: key, Value: token})
				v, err := ck.Append(workCtx, key, token)
				if err != nil {
					end(linearizability.KVOutput{Unknown: true})
					fail("append "+token, err)
					return
				}
				end(linearizability.KVOutput{Version: v.Version})
				acked[w] = append(acked[w], token)
				progress.add()
			}
		})
	}
	wg.Go(func() {
		ck, done := c.clerk()
		defer done()
		for i := 0; workCtx.Err() == nil; i++ {
			key := fmt.Sprintf("k%d", i%writers)
			if err := recordGet(workCtx, ck, rec, writers, key); err != nil {
				fail("get "+key, err)
				return
			}
		}
	})
	t.Cleanup(func() { stopWork(); wg.Wait() })

	progress.wait(t, ctx, 10)
	leader := c.leader(t, ctx)
	// Roll the followers first and the leader last, as an operator would:
	// one leadership transfer instead of up to three.
	order := []int{}
	for id := 1; id <= 3; id++ {
		if id != leader {
			order = append(order, id)
		}
	}
	order = append(order, leader)
	for _, id := range order {
		t.Logf("rolling node %d (leader is %d) after %d acknowledged writes", id, leader, progress.get())
		c.terminate(t, ctx, id)
		if id == leader && !strings.Contains(c.nodes[id].out.String(), "transferring leadership") {
			t.Errorf("leader %d exited without transferring leadership; its output:\n%s", id, c.nodes[id].out.String())
		}
		// The same data directory: the node comes back with its log.
		c.start(t, ctx, id) // returns once /readyz?wait= says ready: the gate
		progress.wait(t, ctx, progress.get()+10)
	}
	stopWork()
	wg.Wait()

	if len(failed) > 0 {
		t.Errorf("%d client requests failed during the rolling update, want 0:\n%s", len(failed), strings.Join(failed, "\n"))
	}
	ck, done := c.clerk()
	defer done()
	for w := range writers {
		v, err := ck.Get(ctx, fmt.Sprintf("k%d", w))
		if err != nil {
			t.Fatalf("final get of k%d: %v", w, err)
		}
		if want := strings.Join(acked[w], ""); !strings.HasPrefix(v.Value, want) || len(v.Value) > len(want)+len(fmt.Sprintf("w%d.%d;", w, len(acked[w]))) {
			t.Errorf("k%d: got %q,\nwant the %d acknowledged tokens %q (and at most the one in flight at the stop)", w, v.Value, len(acked[w]), want)
		}
	}
	hist := rec.History()
	res := linearizability.Check(linearizability.KVModel{}, hist, 5*time.Second)
	switch res.Verdict {
	case linearizability.Ok:
	case linearizability.Unknown:
		t.Logf("linearizability check gave up at its deadline on %d operations", len(hist))
	default:
		t.Errorf("history of %d operations is not linearizable: %+v", len(hist), res)
	}
	t.Logf("rolled 3 nodes under load: %d acknowledged writes, %d operations checked", progress.get(), len(hist))
}

// terminate sends SIGTERM to node id, as the kubelet does when a pod is
// deleted, and waits for a clean exit: status 0 within the deadline.
func (c *cluster) terminate(t *testing.T, ctx context.Context, id int) {
	t.Helper()
	p := c.nodes[id]
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM node %d: %v", id, err)
	}
	select {
	case <-p.exited:
	case <-ctx.Done():
		t.Fatalf("node %d did not exit after SIGTERM before the deadline", id)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("node %d exited with status %d after SIGTERM, want 0; output:\n%s", id, code, p.out.String())
	}
}
