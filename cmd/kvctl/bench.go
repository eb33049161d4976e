// kvctl bench: many concurrent clerks against the cluster, and the
// throughput and latency they saw.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"distkit/pkg/kv"
)

// benchArgs is a parsed bench command.
type benchArgs struct {
	clients   int
	duration  time.Duration
	keys      int
	valueSize int
	readRatio float64
}

// benchResult is what a run measured.
type benchResult struct {
	args      benchArgs
	elapsed   time.Duration
	latencies []time.Duration // of every successful operation
	errors    int
	firstErr  error
}

func parseBench(args []string) (benchArgs, error) {
	var b benchArgs
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&b.clients, "clients", 64, "concurrent clients, each with its own clerk")
	fs.DurationVar(&b.duration, "duration", 10*time.Second, "how long to run")
	fs.IntVar(&b.keys, "keys", 1000, "number of distinct keys")
	fs.IntVar(&b.valueSize, "value-size", 16, "bytes per value written")
	fs.Float64Var(&b.readRatio, "read-ratio", 0.5, "fraction of operations that are gets")
	if err := fs.Parse(args); err != nil {
		return b, usagef("bench: %v", err)
	}
	switch {
	case fs.NArg() > 0:
		return b, usagef("bench: unexpected argument %q", fs.Arg(0))
	case b.clients < 1 || b.clients > 10000:
		return b, usagef("bench: -clients %d: want 1 to 10000", b.clients)
	case b.duration <= 0:
		return b, usagef("bench: -duration %v: want a positive duration", b.duration)
	case b.keys < 1:
		return b, usagef("bench: -keys %d: want 1 or more", b.keys)
	case b.valueSize < 0 || b.valueSize > kv.MaxValueSize:
		return b, usagef("bench: -value-size %d: want 0 to %d", b.valueSize, kv.MaxValueSize)
	case b.readRatio < 0 || b.readRatio > 1:
		return b, usagef("bench: -read-ratio %v: want 0 to 1", b.readRatio)
	}
	return b, nil
}

// runBench runs b.clients clerks in a closed loop for b.duration: each
// sends one operation, waits for it, and sends the next. A get of a key
// never written counts as a success (the answer "not found" is correct).
func runBench(ctx context.Context, opts options, b benchArgs, stdout io.Writer) error {
	fmt.Fprintf(stdout, "bench: %d clients for %v against %s: %d keys, %d-byte values, %.0f%% gets\n",
		b.clients, b.duration, serverList(opts.servers), b.keys, b.valueSize, 100*b.readRatio)
	ctx, cancel := context.WithTimeout(ctx, b.duration)
	defer cancel()
	value := strings.Repeat("v", b.valueSize)

	var mu sync.Mutex
	res := benchResult{args: b}
	var wg sync.WaitGroup
	start := time.Now()
	for c := range b.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ck, done := newClerk(opts)
			defer done()
			rng := rand.New(rand.NewPCG(uint64(c), uint64(start.UnixNano())))
			var lat []time.Duration
			errs := 0
			var firstErr error
			for ctx.Err() == nil {
				key := "bench-" + strconv.Itoa(rng.IntN(b.keys))
				opCtx, opCancel := context.WithTimeout(ctx, opts.timeout)
				t0 := time.Now()
				var err error
				if rng.Float64() < b.readRatio {
					_, err = ck.Get(opCtx, key)
					if errors.Is(err, kv.ErrNotFound) {
						err = nil
					}
				} else {
					_, err = ck.Put(opCtx, key, value)
				}
				d := time.Since(t0)
				opCancel()
				switch {
				case err == nil:
					lat = append(lat, d)
				case ctx.Err() != nil:
					// Cut off by the end of the run: neither a success
					// nor an error.
				default:
					errs++
					if firstErr == nil {
						firstErr = err
					}
				}
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			res.errors += errs
			if res.firstErr == nil {
				res.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	formatBench(stdout, res)
	if len(res.latencies) == 0 {
		return fmt.Errorf("bench: no operation succeeded (tried %s): %v", serverList(opts.servers), res.firstErr)
	}
	return nil
}

// formatBench prints throughput, latency percentiles and errors.
func formatBench(w io.Writer, r benchResult) {
	n := len(r.latencies)
	rate := 0.0
	if r.elapsed > 0 {
		rate = float64(n) / r.elapsed.Seconds()
	}
	fmt.Fprintf(w, "ops: %d in %v (%.0f ops/s), errors: %d\n", n, r.elapsed.Round(time.Millisecond), rate, r.errors)
	if n > 0 {
		lat := slices.Clone(r.latencies)
		slices.Sort(lat)
		fmt.Fprintf(w, "latency: p50 %v  p90 %v  p99 %v  max %v\n",
			percentile(lat, 50), percentile(lat, 90), percentile(lat, 99), lat[n-1].Round(10*time.Microsecond))
	}
	if r.firstErr != nil {
		fmt.Fprintf(w, "first error: %v\n", r.firstErr)
	}
}

// percentile returns the p-th percentile of sorted by the nearest-rank
// method: the smallest value with at least p% of the values at or below it.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1].Round(10 * time.Microsecond)
}
