// The client workload: N kv.Clerks hammer the cluster while the operator
// breaks things, every operation is recorded, and pkg/linearizability
// judges the history. A violation comes back as a timeline the page draws.

package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/linearizability"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// checkTimeout bounds the checker; past it the verdict is "unknown".
const checkTimeout = 10 * time.Second

// workload is one run of clients. Its counters are atomics, its result is
// set once under mu.
type workload struct {
	id      int
	clients int
	dur     time.Duration
	unsafe  bool
	started time.Time

	ops, unknown atomic.Int64
	cancel       context.CancelFunc
	done         chan struct{}

	mu     sync.Mutex
	ended  time.Time
	result *workloadResult
}

// workloadView is what every frame says about the latest workload.
type workloadView struct {
	ID        int     `json:"id"`
	Clients   int     `json:"clients"`
	Seconds   float64 `json:"seconds"`
	Unsafe    bool    `json:"unsafe"`
	Running   bool    `json:"running"`
	Elapsed   float64 `json:"elapsed"` // seconds
	Ops       int64   `json:"ops"`
	Unknown   int64   `json:"unknown"` // operations whose outcome the client never learned
	OpsPerSec float64 `json:"opsPerSec"`
	Verdict   string  `json:"verdict,omitempty"` // Ok, Illegal or Unknown once checked
}

// workloadResult is GET /api/workload: the view, the checker's report and,
// for a violation, the operations around it.
type workloadResult struct {
	workloadView
	Report   string    `json:"report,omitempty"`
	Timeline *timeline `json:"timeline,omitempty"`
}

// timeline is the failing key's operations around the violation, times in
// milliseconds from the first one drawn.
type timeline struct {
	Key   string       `json:"key"`
	State string       `json:"state"` // the key's state after the linearized prefix
	Ops   []timelineOp `json:"ops"`
}

type timelineOp struct {
	Client     int     `json:"client"`
	Call       float64 `json:"call"`
	Return     float64 `json:"return"` // -1: never returned
	Desc       string  `json:"desc"`
	Linearized int     `json:"linearized"` // position in the linearized prefix, -1 if not in it
	Blocked    string  `json:"blocked,omitempty"`
}

// startWorkload runs clients for dur, with the servers restarted in the
// requested read mode first if need be.
func (l *lab) startWorkload(clients int, dur time.Duration, unsafe bool) (*workload, error) {
	if clients < 1 || clients > 256 || dur <= 0 || dur > 2*time.Minute {
		return nil, fmt.Errorf("workload of %d clients for %v: %w (1 to 256 clients, up to 2 minutes)", clients, dur, errBadRequest)
	}
	l.ops.Lock()
	defer l.ops.Unlock()
	if w := l.currentWorkload(); w != nil && w.running() {
		return nil, errBusy
	}
	if err := l.setUnsafe(unsafe); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	l.mu.Lock()
	id := 1
	if l.work != nil {
		id = l.work.id + 1
	}
	w := &workload{id: id, clients: clients, dur: dur, unsafe: unsafe, started: time.Now(), cancel: cancel, done: make(chan struct{})}
	l.work = w
	l.mu.Unlock()
	mode := "safe reads"
	if unsafe {
		mode = "UNSAFE stale reads"
	}
	l.hub.say("workload %d: %d clients for %v (%s), every operation recorded", id, clients, dur, mode)
	go l.runWorkload(ctx, w)
	return w, nil
}

// runWorkload is the workload's goroutine: clients, then the checker.
func (l *lab) runWorkload(ctx context.Context, w *workload) {
	defer close(w.done)
	defer w.cancel()
	rec := linearizability.NewRecorder()
	keys := max(4, w.clients/2) // fewer clients per key keeps the check fast
	var wg sync.WaitGroup
	var peers []*raft.RPCPeer
	for c := range w.clients {
		servers := map[int]raft.Peer{}
		for _, m := range l.members {
			inner := raft.DialPeerWith(m.addr, peerTimeout*time.Duration(l.slowdownNow()), l.cfg.net.dial)
			peers = append(peers, inner)
			servers[m.id] = &clientPeer{faults: l.faults, inner: inner}
		}
		rng := rand.New(rand.NewPCG(l.cfg.seed, uint64(w.id)<<16|uint64(c)))
		ck := kv.NewClerk(servers, rng, retry.Policy{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.client(ctx, w, rec, ck, c, keys, rng)
		}()
	}
	wg.Wait()
	for _, p := range peers {
		p.Close()
	}
	w.mu.Lock()
	w.ended = time.Now()
	w.mu.Unlock()

	history := rec.History()
	res := linearizability.Check(linearizability.KVModel{}, history, checkTimeout)
	out := &workloadResult{workloadView: w.view()}
	out.Running, out.Verdict = false, res.Verdict.String()
	if res.Verdict == linearizability.Illegal {
		out.Report = res.Report()
		out.Timeline = newTimeline(res)
	}
	w.mu.Lock()
	w.result = out
	w.mu.Unlock()
	switch res.Verdict {
	case linearizability.Ok:
		l.hub.say("workload %d: %d operations, LINEARIZABLE (checked by pkg/linearizability)", w.id, len(history))
	case linearizability.Illegal:
		l.hub.say("workload %d: %d operations, NOT LINEARIZABLE on %s: see the timeline", w.id, len(history), res.PartitionName)
	default:
		l.hub.say("workload %d: %d operations, the checker gave up after %v (verdict unknown)", w.id, len(history), checkTimeout)
	}
}

// client is one clerk's loop: random gets, puts and appends on a few keys,
// each bracketed by the recorder. Put values are unique, so a stale read
// names the write it saw. Odd-numbered clients only read: a clerk moves
// to another server only when one turns it away, and in the unsafe mode
// no server turns a read away, so a reader stays with whichever server it
// first picked, even one cut off in a minority. That is the stale read
// the unsafe mode exists to show.
func (l *lab) client(ctx context.Context, w *workload, rec *linearizability.Recorder, ck *kv.Clerk, id, keys int, rng *rand.Rand) {
	opTimeout := 2 * time.Second * time.Duration(l.slowdownNow())
	reader := id%2 == 1
	for n := 0; ctx.Err() == nil; n++ {
		key := fmt.Sprintf("k%d", rng.IntN(keys))
		value := fmt.Sprintf("c%d.%d", id, n)
		opCtx, cancel := context.WithTimeout(ctx, opTimeout)
		var out linearizability.KVOutput
		r := rng.IntN(10)
		if reader {
			r = 0
		}
		switch {
		case r < 5:
			done := rec.Begin(id, linearizability.KVInput{Op: "get", Key: key})
			v, err := ck.Get(opCtx, key)
			out = linearizability.KVOutput{Value: v.Value, Version: v.Version, Ok: err == nil, Unknown: err != nil && !errors.Is(err, kv.ErrNotFound)}
			done(out)
		case r < 8:
			done := rec.Begin(id, linearizability.KVInput{Op: "put", Key: key, Value: value})
			v, err := ck.Put(opCtx, key, value)
			out = linearizability.KVOutput{Version: v.Version, Unknown: err != nil}
			done(out)
		default:
			done := rec.Begin(id, linearizability.KVInput{Op: "append", Key: key, Value: value + ";"})
			v, err := ck.Append(opCtx, key, value+";")
			out = linearizability.KVOutput{Version: v.Version, Unknown: err != nil}
			done(out)
		}
		cancel()
		w.ops.Add(1)
		if out.Unknown {
			w.unknown.Add(1)
		}
	}
}

// newTimeline picks the operations worth drawing: the ones that could come
// next and why they cannot, the last few linearized before them, and
// whatever overlaps them in time, at most 40 in all.
func newTimeline(res linearizability.Result) *timeline {
	pos := map[int]int{}
	for i, op := range res.Linearized {
		pos[op] = i
	}
	pick := map[int]bool{}
	blocked := map[int]string{}
	lo, hi := int64(1<<62), int64(0)
	for _, c := range res.Next {
		pick[c.Op], blocked[c.Op] = true, c.Reason
		op := res.Ops[c.Op]
		lo, hi = min(lo, op.Call), max(hi, min(op.Return, op.Call+int64(time.Second)))
	}
	for _, i := range res.Linearized[max(0, len(res.Linearized)-6):] {
		pick[i] = true
		lo = min(lo, res.Ops[i].Call)
	}
	for i, op := range res.Ops {
		if len(pick) >= 40 {
			break
		}
		if op.Call <= hi && (op.Return == linearizability.NoReturn || op.Return >= lo) {
			pick[i] = true
		}
	}
	idx := make([]int, 0, len(pick))
	for i := range pick {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	origin := res.Ops[idx[0]].Call
	t := &timeline{Key: res.PartitionName, State: res.State}
	model := linearizability.KVModel{}
	for _, i := range idx {
		op := res.Ops[i]
		v := timelineOp{Client: op.ClientID, Call: ms(op.Call - origin), Return: -1, Linearized: -1, Blocked: blocked[i]}
		if p, ok := pos[i]; ok {
			v.Linearized = p
		}
		if op.OutcomeKnown() {
			v.Return = ms(op.Return - origin)
			v.Desc = model.DescribeOperation(op.Input, op.Output)
		} else {
			v.Desc = model.DescribeOperation(op.Input, nil)
		}
		t.Ops = append(t.Ops, v)
	}
	return t
}

func ms(ns int64) float64 { return float64(ns) / 1e6 }

func (w *workload) running() bool {
	select {
	case <-w.done:
		return false
	default:
		return true
	}
}

// stop ends the clients early and waits for the check.
func (w *workload) stop() {
	w.cancel()
	<-w.done
}

func (w *workload) view() workloadView {
	w.mu.Lock()
	defer w.mu.Unlock()
	end := w.ended
	if end.IsZero() {
		end = time.Now()
	}
	v := workloadView{ID: w.id, Clients: w.clients, Seconds: w.dur.Seconds(), Unsafe: w.unsafe, Running: w.result == nil,
		Elapsed: end.Sub(w.started).Seconds(), Ops: w.ops.Load(), Unknown: w.unknown.Load()}
	if v.Elapsed > 0 {
		v.OpsPerSec = float64(v.Ops) / v.Elapsed
	}
	if w.result != nil {
		v.Verdict = w.result.Verdict
	}
	return v
}

// currentWorkload returns the latest workload, or nil.
func (l *lab) currentWorkload() *workload {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.work
}

// workloadView is the latest workload's view; call with l.mu held.
func (l *lab) workloadView() *workloadView {
	if l.work == nil {
		return nil
	}
	v := l.work.view()
	return &v
}

// workloadResult returns the latest workload's full result (the view
// alone while it runs), or nil.
func (l *lab) workloadResult() *workloadResult {
	w := l.currentWorkload()
	if w == nil {
		return nil
	}
	w.mu.Lock()
	r := w.result
	w.mu.Unlock()
	if r == nil {
		return &workloadResult{workloadView: w.view()}
	}
	return r
}

func (l *lab) slowdownNow() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slowdown
}
