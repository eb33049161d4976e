// Hedged requests: ask one replica, and ask the next only if the answer is late.

package fanout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Hedged sends the request to calls[0]; if no answer has come after delay,
// it also sends it to calls[1], and so on, each backup delay after the one
// before. The first success wins and the calls still running are cancelled.
//
// An error is an answer too: it launches the next call at once instead of
// waiting out the delay. When every call has failed, Hedged returns
// ErrAllFailed joined with their errors. When ctx ends first, it returns
// ctx.Err(). A delay of zero launches every call at once, like First.
// No calls or a negative delay give ErrBadArgument. Hedged returns only
// after every call it started has returned.
//
// Dean and Barroso, "The Tail at Scale" (CACM 2013), suggest a delay near the
// 95th percentile of the expected latency: only the slowest few percent of
// requests are then sent twice, yet they are the ones that set the tail.
func Hedged[T any](ctx context.Context, delay time.Duration, calls ...Call[T]) (T, error) {
	var zero T
	if len(calls) == 0 {
		return zero, fmt.Errorf("%w: no calls", ErrBadArgument)
	}
	if delay < 0 {
		return zero, fmt.Errorf("%w: negative hedge delay %v", ErrBadArgument, delay)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	results := make(chan outcome[T], len(calls))
	// launched counts the calls started so far, calls[:launched];
	// running counts those among them that have not reported yet.
	launched, running := 0, 0
	launchNext := func() {
		spawn(ctx, &wg, results, launched, calls[launched])
		launched++
		running++
	}

	launchNext()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	errs := make([]error, len(calls))
	for {
		select {
		case <-timer.C:
			// The newest request has had its delay and is still silent: hedge.
			if launched < len(calls) {
				launchNext()
				timer.Reset(delay)
			}
		case o := <-results:
			running--
			if o.err == nil {
				return o.value, nil
			}
			errs[o.index] = fmt.Errorf("call %d: %w", o.index, o.err)
			if ctx.Err() != nil {
				// The parent gave up; this failure is most likely its doing.
				return zero, ctx.Err()
			}
			if launched < len(calls) {
				// Waiting out the delay after a failure would only add latency.
				launchNext()
				timer.Reset(delay)
			} else if running == 0 {
				return zero, fmt.Errorf("%w: %w", ErrAllFailed, errors.Join(errs...))
			}
		case <-ctx.Done():
			// Only the parent can have cancelled ctx: our own cancel runs on return.
			return zero, ctx.Err()
		}
	}
}
