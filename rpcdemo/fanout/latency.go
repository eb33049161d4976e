// Measuring a run of lookups: latency percentiles and the requests it cost.

package main

import (
	"context"
	"math"
	"slices"
	"time"
)

// runStats sums up a run of lookups.
type runStats struct {
	lookups   int
	failed    int
	latencies []time.Duration // of the successful lookups, sorted
	requests  int64           // RPCs sent during the run, backups included
}

// measure makes n lookups one after another, lookup(ctx, i) for i in 0..n-1,
// and times each one.
func measure(ctx context.Context, c *Client, n int, lookup func(ctx context.Context, i int) (answer, error)) runStats {
	before := c.sent.Load()
	st := runStats{lookups: n}
	for i := range n {
		start := time.Now()
		if _, err := lookup(ctx, i); err != nil {
			st.failed++
			continue
		}
		st.latencies = append(st.latencies, time.Since(start))
	}
	st.requests = c.sent.Load() - before
	slices.Sort(st.latencies)
	return st
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 100): the
// smallest latency that at least p% of the lookups did not exceed.
func (st runStats) percentile(p float64) time.Duration {
	if len(st.latencies) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(st.latencies))))
	return st.latencies[max(rank, 1)-1]
}

// extraLoad is the share of requests beyond one per lookup: 0.06 means +6%.
func (st runStats) extraLoad() float64 {
	if st.lookups == 0 {
		return 0
	}
	return float64(st.requests-int64(st.lookups)) / float64(st.lookups)
}
