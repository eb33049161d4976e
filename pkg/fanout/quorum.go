// Quorum: wait for k of n answers, and give up as soon as k has become impossible.

package fanout

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Quorum runs every call concurrently and returns as soon as k of them have
// succeeded, cancelling the rest. The results come in the order they arrived,
// each with the index of the call that produced it.
//
// Quorum fails fast: once more than n-k calls have failed, k successes are
// impossible, so it cancels the rest and returns ErrNoQuorum joined with the
// failures seen. A k outside 1..n, or no calls, gives ErrBadArgument.
// Quorum returns only after every call has returned; results of cancelled
// calls are discarded.
//
// Quorum does not compare the values: a quorum read that must return the
// newest copy picks it from the k results itself (see rpcdemo/fanout).
func Quorum[T any](ctx context.Context, k int, calls ...Call[T]) ([]Result[T], error) {
	n := len(calls)
	if n == 0 {
		return nil, fmt.Errorf("%w: no calls", ErrBadArgument)
	}
	if k < 1 || k > n {
		return nil, fmt.Errorf("%w: quorum of %d out of %d calls", ErrBadArgument, k, n)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	results := make(chan outcome[T], n)
	for i, call := range calls {
		spawn(ctx, &wg, results, i, call)
	}
	var (
		got    []Result[T]
		errs   = make([]error, n)
		failed int
	)
	// Every outcome is a success or a failure, so after at most n of them
	// either k successes or n-k+1 failures have been counted: one of the
	// two returns below always ends the loop.
	for {
		o := <-results
		if o.err != nil {
			errs[o.index] = fmt.Errorf("call %d: %w", o.index, o.err)
			failed++
			if failed > n-k {
				return nil, fmt.Errorf("%w: %d of %d calls failed, %d successes needed: %w",
					ErrNoQuorum, failed, n, k, errors.Join(errs...))
			}
			continue
		}
		got = append(got, Result[T]{Index: o.index, Value: o.value})
		if len(got) == k {
			return got, nil
		}
	}
}
