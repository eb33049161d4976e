// The attempt loop: try, classify the error, ask the budget, wait, try again.

package retry

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Defaults that [Do] uses for the zero fields of a [Policy].
const (
	DefaultMaxAttempts = 4
	DefaultBaseDelay   = 100 * time.Millisecond
	DefaultMaxDelay    = 10 * time.Second
)

// Policy says how often and how patiently [Do] retries. The zero Policy is
// usable: each zero field takes its default. A Policy is a plain value, so one
// Policy may be passed to many goroutines at once; the [Budget] and [rand.Rand]
// it points to are shared between them (see those fields).
type Policy struct {
	// MaxAttempts is the number of attempts, the first one included. Zero
	// means DefaultMaxAttempts; a negative value means no limit, so only the
	// context, a permanent error or the budget end the loop.
	MaxAttempts int

	// BaseDelay and MaxDelay shape the backoff. Before retry n (n = 1 after
	// the first failure) Do sleeps a random duration in
	// [0, min(MaxDelay, BaseDelay*2^(n-1))]: exponential growth with full
	// jitter. Zero means DefaultBaseDelay and DefaultMaxDelay.
	BaseDelay, MaxDelay time.Duration

	// AttemptTimeout, if positive, bounds each attempt: op receives a child
	// context that expires after AttemptTimeout. An attempt that times out
	// is retried like any other failure, as long as the caller's context is
	// still alive.
	AttemptTimeout time.Duration

	// Budget, if not nil, limits retries across every caller sharing it.
	Budget *Budget

	// Rand draws the jitter. Nil means math/rand/v2's top-level functions
	// (randomly seeded, safe for concurrent use). Tests set a seeded
	// rand.New(rand.NewPCG(seed, 0)) to get the same delays every run. Do
	// draws from Rand under a package-wide mutex, so one Rand may back
	// policies used by many goroutines, as long as nothing else uses it.
	Rand *rand.Rand

	// OnRetry, if not nil, is called after attempt number attempt failed
	// with err and before Do sleeps delay. It runs on the caller's goroutine;
	// it must not block for long. Logging and metrics belong here.
	OnRetry func(attempt int, err error, delay time.Duration)
}

// Do calls op until it succeeds, returns a permanent error, runs out of
// attempts or budget, or ctx is done. Each attempt gets its own context (with
// p.AttemptTimeout if set); op must honour it, because Do waits for op to
// return rather than abandon it.
//
// Do returns nil on success. Otherwise:
//   - for [Permanent](err): err itself, unchanged, after that attempt;
//   - after MaxAttempts failures: an error wrapping the last attempt's error;
//   - when the [Budget] refuses a retry: an error wrapping [ErrBudgetExhausted]
//     and the last attempt's error;
//   - when ctx is done (checked before each attempt and while waiting): an
//     error wrapping ctx.Err() and the last attempt's error, if any.
//
// The last attempt's error is reported without its [Permanent] or [After]
// marker, so errors.Is and errors.As see what op returned.
func Do(ctx context.Context, p Policy, op func(ctx context.Context) error) error {
	_, err := DoValue(ctx, p, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, op(ctx)
	})
	return err
}

// DoValue is [Do] for an operation that returns a value. On success it returns
// the value from the successful attempt; on failure, the zero T and the error
// [Do] would return.
func DoValue[T any](ctx context.Context, p Policy, op func(ctx context.Context) (T, error)) (T, error) {
	p = p.withDefaults()
	var zero T
	var last error // the most recent attempt's error, markers removed
	for attempt := 1; ; attempt++ {
		if ctx.Err() != nil {
			return zero, stopped(ctx, attempt-1, last)
		}
		v, err := runAttempt(ctx, p.AttemptTimeout, op)
		if err == nil {
			p.Budget.deposit()
			return v, nil
		}
		var perm *permanentError
		if errors.As(err, &perm) {
			return zero, unmark(err)
		}
		last = unmark(err)

		// A failure caused by the caller's own context is not worth
		// retrying: every later attempt would fail the same way.
		if ctx.Err() != nil {
			return zero, stopped(ctx, attempt, last)
		}
		if p.MaxAttempts > 0 && attempt >= p.MaxAttempts {
			return zero, fmt.Errorf("retry: %d attempts failed: %w", attempt, last)
		}

		// The server knows best when it can take the request again, so its
		// hint replaces the computed backoff.
		delay := p.backoff(attempt)
		var hint *afterError
		if errors.As(err, &hint) {
			delay = hint.delay
		}

		// Ask the budget before sleeping: a refused retry should fail now,
		// not after a pointless wait.
		if !p.Budget.withdraw() {
			return zero, fmt.Errorf("retry: %w after %d attempts: %w", ErrBudgetExhausted, attempt, last)
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt, last, delay)
		}
		if !sleep(ctx, delay) {
			return zero, stopped(ctx, attempt, last)
		}
	}
}

// withDefaults fills the zero fields of p.
func (p Policy) withDefaults() Policy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	return p
}

// runAttempt calls op once, under a child context if timeout is positive. The
// child is cancelled as soon as op returns, freeing its timer.
func runAttempt[T any](ctx context.Context, timeout time.Duration, op func(context.Context) (T, error)) (T, error) {
	if timeout <= 0 {
		return op(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return op(ctx)
}

// backoff returns the jittered delay before the retry that follows failed
// attempt number attempt: uniform in [0, ceiling(attempt)].
//
// Full jitter (Brooker, "Exponential Backoff And Jitter", AWS 2015): drawing
// the whole delay at random, rather than adding a little noise to a fixed
// delay, spreads clients that failed together across the whole window, so they
// do not come back together.
func (p Policy) backoff(attempt int) time.Duration {
	n := int64(p.ceiling(attempt))
	if n < math.MaxInt64 {
		n++ // make the upper bound inclusive
	}
	return time.Duration(p.int64N(n))
}

// ceiling returns min(MaxDelay, BaseDelay*2^(attempt-1)) without overflowing:
// it stops doubling as soon as the next step would pass MaxDelay.
func (p Policy) ceiling(attempt int) time.Duration {
	d := p.BaseDelay
	for range attempt - 1 {
		if d >= p.MaxDelay/2 {
			return p.MaxDelay
		}
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// randMu guards every Policy.Rand: a *rand.Rand is not safe for concurrent
// use, and one seeded Rand is usually shared by every goroutine of a test.
// Retries are rare next to first attempts, so one lock is not a bottleneck.
var randMu sync.Mutex

// int64N draws from [0, n) with p.Rand, or with the global source if nil.
func (p Policy) int64N(n int64) int64 {
	if p.Rand == nil {
		return rand.Int64N(n)
	}
	randMu.Lock()
	defer randMu.Unlock()
	return p.Rand.Int64N(n)
}

// sleep waits for d or until ctx is done, whichever comes first, and reports
// whether the full delay passed. It uses a timer rather than time.After so the
// timer is released at once when ctx wins, and so synctest bubbles see it.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// stopped builds the error for a loop ended by ctx after attempts attempts.
func stopped(ctx context.Context, attempts int, last error) error {
	if last == nil {
		return fmt.Errorf("retry: %w before the first attempt", ctx.Err())
	}
	return fmt.Errorf("retry: %w after %d attempts, last error: %w", ctx.Err(), attempts, last)
}
