// The story: the same clients and the same partition against each mode,
// every history checked, and a table at the end.

package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"distkit/pkg/linearizability"
	"distkit/pkg/netsim"
)

// The schedule, the same for every mode: clients run for runFor; the
// partition cuts {s1 s2 c1} from {s3 s4 s5 c2 c3} at partitionAt and heals
// at healAt. Each operation gives up after opTimeout.
const (
	clients     = 3
	partitionAt = 300 * time.Millisecond
	healAt      = 800 * time.Millisecond
	runFor      = 1200 * time.Millisecond
	opTimeout   = 250 * time.Millisecond
)

var (
	minority = []string{"s1", "s2", "c1"}
	majority = []string{"s3", "s4", "s5", "c2", "c3"}
)

// mode is one store to put through the workload.
type mode struct {
	name  string
	about string // one line for the narration
	start func(net *netsim.Network, seed uint64) (store, error)
}

// modes are the four points on the spectrum, strongest first.
var modes = []mode{
	{"kv (Raft)", "pkg/kv: every operation, reads included, goes through the Raft log of a 5-node cluster",
		func(net *netsim.Network, seed uint64) (store, error) { return startKV(net, seed, clients, false) }},
	{"leaderless R=W=2", "pkg/leaderless, N=3, R=2, W=2 (R+W>N), sloppy quorum and hinted handoff on",
		func(net *netsim.Network, seed uint64) (store, error) { return startLeaderless(net, clients, 2, 2) }},
	{"leaderless R=W=1", "pkg/leaderless, N=3, R=1, W=1 (R+W<=N): one replica is enough either way",
		func(net *netsim.Network, seed uint64) (store, error) { return startLeaderless(net, clients, 1, 1) }},
	{"kv unsafe reads", "pkg/kv with UnsafeStaleReads: any replica answers a read from its own memory",
		func(net *netsim.Network, seed uint64) (store, error) { return startKV(net, seed, clients, true) }},
}

// outcome is what one mode's run measured.
type outcome struct {
	mode       string
	ops        int
	mean, p99  time.Duration // of the operations that succeeded
	available  float64       // fraction of the operations called and over during the partition that succeeded
	cutOff     float64       // the same for c1 alone, cut off with the minority
	verdict    linearizability.Verdict
	report     string // the checker's explanation when the verdict is Illegal
	historyLen int
}

// story plays every mode, then the CRDT counter, and prints the table.
func story(w io.Writer, seed uint64) ([]outcome, error) {
	fmt.Fprintf(w, "One workload, four stores. %d clients read and write keys x and y for %v;\n", clients, runFor)
	fmt.Fprintf(w, "at %v the network splits {%s} | {%s}, and heals at %v.\n",
		partitionAt, strings.Join(minority, " "), strings.Join(majority, " "), healAt)
	fmt.Fprintf(w, "Each history goes to the linearizability checker (pkg/linearizability).\n\n")
	var outs []outcome
	for i, m := range modes {
		fmt.Fprintf(w, "== %d. %s\n%s\n", i+1, m.name, m.about)
		out, err := runMode(m, seed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.name, err)
		}
		narrate(w, out)
		outs = append(outs, out)
	}
	fmt.Fprintf(w, "== 5. A CRDT counter (pkg/crdt PN-Counter) under the same partition\n")
	if err := counterStory(w, seed); err != nil {
		return nil, err
	}
	table(w, outs)
	return outs, nil
}

// runMode runs the workload against one mode on a fresh network.
func runMode(m mode, seed uint64) (outcome, error) {
	net := netsim.New(seed)
	defer net.Close()
	net.SetDelay(time.Millisecond, 5*time.Millisecond)
	st, err := m.start(net, seed)
	if err != nil {
		return outcome{}, err
	}
	defer func() {
		// A client gives up on a call when its context ends, but the call
		// lives on until the network's timeout: let those end first.
		time.Sleep(2 * netsim.DefaultTimeout)
		st.stop()
	}()
	// Let the store settle (a Raft leader elected) before the clock starts.
	warm, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	err = st.put(warm, 0, "warmup", "1")
	cancel()
	if err != nil {
		return outcome{}, fmt.Errorf("warm-up write: %w", err)
	}

	rec := linearizability.NewRecorder()
	begin := time.Now()
	ctx, stop := context.WithTimeout(context.Background(), runFor)
	defer stop()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		duringOK  int
		duringAll int
		cutOK     int // c1's operations during the partition
		cutAll    int
	)
	var wg sync.WaitGroup
	for c := range clients {
		rng := rand.New(rand.NewPCG(seed, uint64(c)))
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				start := time.Since(begin)
				ok := operation(ctx, st, rec, rng, c, n)
				took := time.Since(begin) - start
				mu.Lock()
				if ok {
					latencies = append(latencies, took)
				}
				if start > partitionAt && start+opTimeout <= healAt { // over before the heal, whatever happens
					duringAll++
					if ok {
						duringOK++
					}
					if c == 0 {
						cutAll++
						if ok {
							cutOK++
						}
					}
				}
				mu.Unlock()
			}
		})
	}
	// The nemesis: the same partition for every mode.
	time.Sleep(partitionAt)
	net.Partition(minority, majority)
	time.Sleep(healAt - partitionAt)
	net.Heal()
	wg.Wait()

	history := rec.History()
	res := linearizability.Check(linearizability.KVModel{}, history, 10*time.Second)
	out := outcome{mode: m.name, ops: len(history), verdict: res.Verdict, historyLen: len(history)}
	if res.Verdict == linearizability.Illegal {
		out.report = res.Report()
	}
	if duringAll > 0 {
		out.available = float64(duringOK) / float64(duringAll)
	}
	if cutAll > 0 {
		out.cutOff = float64(cutOK) / float64(cutAll)
	}
	out.mean, out.p99 = stats(latencies)
	return out, nil
}

// operation performs and records one read or write with its own deadline,
// and reports whether it succeeded.
func operation(ctx context.Context, st store, rec *linearizability.Recorder, rng *rand.Rand, client, n int) bool {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	key := []string{"x", "y"}[rng.IntN(2)]
	if rng.IntN(2) == 0 {
		done := rec.Begin(client, linearizability.KVInput{Op: "get", Key: key})
		value, found, err := st.get(ctx, client, key)
		done(linearizability.KVOutput{Value: value, Ok: found, Unknown: err != nil})
		return err == nil
	}
	value := fmt.Sprintf("%s.%d", clientName(client), n)
	done := rec.Begin(client, linearizability.KVInput{Op: "put", Key: key, Value: value})
	err := st.put(ctx, client, key, value)
	// A write that failed may still take effect later: unknown.
	done(linearizability.KVOutput{Unknown: err != nil})
	return err == nil
}

// stats returns the mean and the 99th percentile.
func stats(ds []time.Duration) (mean, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds)), ds[(len(ds)*99)/100]
}
