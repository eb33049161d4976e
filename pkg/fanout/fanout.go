// The shared vocabulary (Call, Result, the sentinel errors) and the two simplest
// shapes: All waits for every answer, First for the first good one.

package fanout

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Call is one request of a fan-out, usually one RPC to one replica or shard.
//
// A Call must honour ctx: once ctx is cancelled it should stop its work and
// return promptly, with any error (ctx.Err() is customary). Every function in
// this package waits for all the calls it started before it returns, so a call
// that ignores ctx holds up its caller until it finishes on its own. Calls run
// concurrently with each other, each in its own goroutine.
type Call[T any] func(ctx context.Context) (T, error)

// Result is one successful answer: Value came from calls[Index].
type Result[T any] struct {
	Index int
	Value T
}

var (
	// ErrBadArgument reports a request that cannot make sense: no calls,
	// a quorum size outside 1..n, or a negative hedge delay.
	ErrBadArgument = errors.New("fanout: bad argument")

	// ErrAllFailed is returned by First and Hedged when no call succeeded.
	// The error wrapping it also joins every call's error (errors.Join).
	ErrAllFailed = errors.New("fanout: all calls failed")

	// ErrNoQuorum is returned by Quorum once so many calls have failed that
	// k successes are no longer possible. The error wrapping it joins the
	// failures seen so far.
	ErrNoQuorum = errors.New("fanout: quorum impossible")
)

// outcome is what one call's goroutine reports back to the function that started it.
type outcome[T any] struct {
	index int
	value T
	err   error
}

// All runs every call concurrently and returns their results in input order.
//
// The first error cancels the calls still running; All then waits for them
// and returns that error, wrapped with the index of the call that failed.
// Results of cancelled calls are discarded. With no calls, All returns an
// empty slice and no error: there was nothing to fail. All returns only after
// every call has returned.
func All[T any](ctx context.Context, calls ...Call[T]) ([]T, error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Deferred calls run last-in first-out: cancel the stragglers, then wait for them.
	defer wg.Wait()
	defer cancel()

	// Each goroutine writes only its own slot, and the slice is read only
	// after wg.Wait, so no lock is needed.
	results := make([]T, len(calls))
	var (
		failOnce sync.Once
		firstErr error
	)
	for i, call := range calls {
		wg.Go(func() {
			v, err := call(ctx)
			if err != nil {
				// Only the first failure counts: the ones after it are
				// mostly the context.Canceled errors it provoked.
				failOnce.Do(func() {
					firstErr = fmt.Errorf("call %d: %w", i, err)
					cancel()
				})
				return
			}
			results[i] = v
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return results, nil
}

// First runs every call concurrently and returns the first successful result,
// cancelling the others. Errors do not stop it: it keeps waiting for a success
// until every call has failed, and then returns ErrAllFailed joined with every
// call's error, in input order. With no calls it returns ErrBadArgument.
// First returns only after every call has returned.
func First[T any](ctx context.Context, calls ...Call[T]) (T, error) {
	var zero T
	if len(calls) == 0 {
		return zero, fmt.Errorf("%w: no calls", ErrBadArgument)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	results := make(chan outcome[T], len(calls))
	for i, call := range calls {
		spawn(ctx, &wg, results, i, call)
	}
	errs := make([]error, len(calls))
	for range calls {
		o := <-results
		if o.err == nil {
			return o.value, nil
		}
		errs[o.index] = fmt.Errorf("call %d: %w", o.index, o.err)
	}
	// Every call has reported, and each one failed.
	return zero, fmt.Errorf("%w: %w", ErrAllFailed, errors.Join(errs...))
}

// spawn runs call in a new goroutine tracked by wg and sends its outcome,
// labelled with index i, on results. results must have room for every call
// the caller starts, so that a late call never blocks on the send after its
// caller has stopped listening: that is what lets the caller return first
// and only then wait.
func spawn[T any](ctx context.Context, wg *sync.WaitGroup, results chan<- outcome[T], i int, call Call[T]) {
	wg.Go(func() {
		v, err := call(ctx)
		results <- outcome[T]{index: i, value: v, err: err}
	})
}
