package retry_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/retry"
)

var (
	errDown = errors.New("server down")
	errBad  = errors.New("bad request")
)

// seeded returns a Rand for the jitter and logs the seed, so a failure can be
// replayed.
func seeded(t *testing.T, seed uint64) *rand.Rand {
	t.Helper()
	t.Logf("jitter seed %d", seed)
	return rand.New(rand.NewPCG(seed, 0))
}

// failing returns an operation that fails with errs[i] on attempt i+1 and
// succeeds once errs runs out, and a pointer to its attempt count.
func failing(errs ...error) (func(context.Context) error, *int) {
	calls := 0
	return func(context.Context) error {
		calls++
		if calls <= len(errs) {
			return errs[calls-1]
		}
		return nil
	}, &calls
}

func TestDo_SucceedsAfterFailures(t *testing.T) {
	for _, k := range []int{0, 1, 3} {
		synctest.Test(t, func(t *testing.T) {
			var slept time.Duration
			p := retry.Policy{
				MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second,
				Rand:    seeded(t, 7),
				OnRetry: func(_ int, _ error, d time.Duration) { slept += d },
			}
			op, calls := failing(repeat(errDown, k)...)
			start := time.Now()

			err := retry.Do(t.Context(), p, op)

			if err != nil {
				t.Fatalf("%d failures then success: got error %v, want nil", k, err)
			}
			if *calls != k+1 {
				t.Errorf("%d failures then success: got %d attempts, want %d", k, *calls, k+1)
			}
			// Virtual time: the only time that passes is the backoff itself.
			if elapsed := time.Since(start); elapsed != slept {
				t.Errorf("%d failures then success: %v passed, want exactly the %v of backoff", k, elapsed, slept)
			}
		})
	}
}

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

func TestDo_StopsAtMaxAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op, calls := failing(repeat(errDown, 10)...)
		err := retry.Do(t.Context(), retry.Policy{MaxAttempts: 3, Rand: seeded(t, 1)}, op)
		if !errors.Is(err, errDown) {
			t.Errorf("always failing with MaxAttempts 3: got %v, want an error wrapping %v", err, errDown)
		}
		if *calls != 3 {
			t.Errorf("always failing with MaxAttempts 3: got %d attempts, want 3", *calls)
		}
		if want := "3 attempts failed"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("always failing with MaxAttempts 3: got %q, want it to say %q", err, want)
		}
	})
}

func TestDo_PermanentStopsImmediately(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op, calls := failing(errDown, retry.Permanent(errBad), errDown)
		start := time.Now()
		err := retry.Do(t.Context(), retry.Policy{MaxAttempts: 5, BaseDelay: time.Second, Rand: seeded(t, 1)}, op)
		waited := time.Since(start)

		if err != errBad {
			t.Errorf("permanent error on attempt 2: got %v, want exactly %v without the mark", err, errBad)
		}
		if *calls != 2 {
			t.Errorf("permanent error on attempt 2: got %d attempts, want 2", *calls)
		}
		if waited > time.Second {
			t.Errorf("permanent error on attempt 2: waited %v, want at most the one backoff (1s)", waited)
		}
	})
}

func TestDo_AfterHintReplacesBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		busy := retry.After(errDown, 3*time.Second)
		op, calls := failing(busy, busy)
		var delays []time.Duration
		p := retry.Policy{
			BaseDelay: time.Millisecond, Rand: seeded(t, 1),
			OnRetry: func(_ int, err error, d time.Duration) {
				if err != errDown {
					t.Errorf("OnRetry got %v, want the unmarked %v", err, errDown)
				}
				delays = append(delays, d)
			},
		}
		start := time.Now()
		if err := retry.Do(t.Context(), p, op); err != nil {
			t.Fatalf("two busy replies then success: got %v, want nil", err)
		}
		if elapsed := time.Since(start); elapsed != 6*time.Second {
			t.Errorf("two 'retry in 3s' replies: %v passed, want exactly 6s", elapsed)
		}
		if *calls != 3 || len(delays) != 2 || delays[0] != 3*time.Second || delays[1] != 3*time.Second {
			t.Errorf("two 'retry in 3s' replies: got %d attempts, delays %v, want 3 attempts, delays [3s 3s]", *calls, delays)
		}
	})
}

func TestDo_AttemptTimeoutFires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var slept time.Duration
		calls := 0
		// The server hangs on the first two attempts and answers the third.
		op := func(ctx context.Context) error {
			calls++
			if calls < 3 {
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		}
		p := retry.Policy{
			AttemptTimeout: time.Second, BaseDelay: 100 * time.Millisecond, Rand: seeded(t, 3),
			OnRetry: func(_ int, err error, d time.Duration) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("hung attempt failed with %v, want %v", err, context.DeadlineExceeded)
				}
				slept += d
			},
		}
		start := time.Now()
		if err := retry.Do(t.Context(), p, op); err != nil {
			t.Fatalf("two hung attempts then success: got %v, want nil", err)
		}
		if elapsed, want := time.Since(start), 2*time.Second+slept; elapsed != want {
			t.Errorf("two hung attempts: %v passed, want exactly 2 timeouts + %v backoff = %v", elapsed, slept, want)
		}
	})
}

func TestDo_CancelStopsWaitingMidBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		time.AfterFunc(1500*time.Millisecond, cancel) // the caller gives up
		op, calls := failing(repeat(retry.After(errDown, 10*time.Second), 5)...)
		start := time.Now()

		err := retry.Do(ctx, retry.Policy{MaxAttempts: 5}, op)

		if elapsed := time.Since(start); elapsed != 1500*time.Millisecond {
			t.Errorf("cancel at 1.5s during a 10s wait: returned after %v, want exactly 1.5s", elapsed)
		}
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errDown) {
			t.Errorf("cancel during wait: got %v, want it to wrap both %v and %v", err, context.Canceled, errDown)
		}
		if *calls != 1 {
			t.Errorf("cancel during the first wait: got %d attempts, want 1", *calls)
		}
	})
}

func TestDo_DeadlineStopsWaitingMidBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		op, calls := failing(repeat(retry.After(errDown, 10*time.Second), 5)...)
		start := time.Now()

		err := retry.Do(ctx, retry.Policy{MaxAttempts: 5}, op)

		// Do must not sleep past the caller's deadline. (It may give up
		// earlier: see the challenge exercise.)
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("5s deadline, 10s hint: returned after %v, want at most 5s", elapsed)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errDown) {
			t.Errorf("deadline during wait: got %v, want it to wrap both %v and %v", err, context.DeadlineExceeded, errDown)
		}
		if *calls != 1 {
			t.Errorf("deadline during the first wait: got %d attempts, want 1", *calls)
		}
	})
}

func TestDo_DeadlineDuringAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 2500*time.Millisecond)
		defer cancel()
		calls := 0
		op := func(ctx context.Context) error {
			calls++
			<-ctx.Done()
			return ctx.Err()
		}
		start := time.Now()
		err := retry.Do(ctx, retry.Policy{MaxAttempts: -1, AttemptTimeout: time.Second, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond}, op)
		if elapsed := time.Since(start); elapsed != 2500*time.Millisecond {
			t.Errorf("2.5s deadline, 1s attempts: returned after %v, want exactly 2.5s", elapsed)
		}
		if !errors.Is(err, context.DeadlineExceeded) || calls != 3 {
			t.Errorf("2.5s deadline, 1s attempts: got %v after %d attempts, want %v after 3", err, calls, context.DeadlineExceeded)
		}
	})
}

func TestDo_ContextDoneBeforeFirstAttempt(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	op, calls := failing()
	err := retry.Do(ctx, retry.Policy{}, op)
	if !errors.Is(err, context.Canceled) || *calls != 0 {
		t.Errorf("cancelled context: got %v after %d attempts, want %v after 0", err, *calls, context.Canceled)
	}
}

func TestDoValue_ReturnsTheSuccessfulValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		got, err := retry.DoValue(t.Context(), retry.Policy{Rand: seeded(t, 1)}, func(context.Context) (int, error) {
			calls++
			if calls == 1 {
				return -1, errDown
			}
			return 42, nil
		})
		if got != 42 || err != nil {
			t.Errorf("DoValue after one failure: got (%d, %v), want (42, nil)", got, err)
		}
		got, err = retry.DoValue(t.Context(), retry.Policy{}, func(context.Context) (int, error) {
			return 7, retry.Permanent(errBad)
		})
		if got != 0 || err != errBad {
			t.Errorf("DoValue with a permanent error: got (%d, %v), want (0, %v)", got, err, errBad)
		}
	})
}

// TestDo_BudgetLimitsRetriesOfManyClients runs 50 clients against a server
// that is down. Without a budget each makes MaxAttempts attempts; with a
// shared budget of 10 tokens (and no successes to refill it) the whole fleet
// makes exactly 10 retries.
func TestDo_BudgetLimitsRetriesOfManyClients(t *testing.T) {
	const clients, maxAttempts, tokens = 50, 5, 10
	run := func(t *testing.T, budget *retry.Budget) (attempts, exhausted int) {
		t.Helper()
		var mu sync.Mutex
		var wg sync.WaitGroup
		p := retry.Policy{MaxAttempts: maxAttempts, Budget: budget, Rand: seeded(t, 11)}
		for range clients {
			wg.Go(func() {
				err := retry.Do(t.Context(), p, func(context.Context) error {
					mu.Lock()
					attempts++
					mu.Unlock()
					return errDown
				})
				if !errors.Is(err, errDown) {
					t.Errorf("client against a down server: got %v, want it to wrap %v", err, errDown)
				}
				if errors.Is(err, retry.ErrBudgetExhausted) {
					mu.Lock()
					exhausted++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return attempts, exhausted
	}

	synctest.Test(t, func(t *testing.T) {
		if attempts, _ := run(t, nil); attempts != clients*maxAttempts {
			t.Errorf("no budget: got %d attempts, want %d clients x %d", attempts, clients, maxAttempts)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		budget := retry.NewBudget(0.1, tokens)
		attempts, exhausted := run(t, budget)
		if attempts != clients+tokens {
			t.Errorf("budget of %d: got %d attempts, want %d first attempts + %d retries", tokens, attempts, clients, tokens)
		}
		// At most tokens/(maxAttempts-1) clients can have had all their retries.
		if min := clients - tokens/(maxAttempts-1); exhausted < min {
			t.Errorf("budget of %d: %d clients saw %v, want at least %d", tokens, exhausted, retry.ErrBudgetExhausted, min)
		}
		if got := budget.Tokens(); got != 0 {
			t.Errorf("budget after the outage: got %v tokens, want 0", got)
		}
	})
}

func TestDo_BudgetRefillsWithSuccesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		budget := retry.NewBudget(0.5, 1)
		p := retry.Policy{Budget: budget, Rand: seeded(t, 5)}
		ok := func(context.Context) error { return nil }

		op, _ := failing(errDown)
		if err := retry.Do(t.Context(), p, op); err != nil { // spends the only token
			t.Fatalf("first call: got %v, want nil", err)
		}
		op, _ = failing(errDown)
		if err := retry.Do(t.Context(), p, op); !errors.Is(err, retry.ErrBudgetExhausted) {
			t.Fatalf("empty budget: got %v, want %v", err, retry.ErrBudgetExhausted)
		}
		// The failed call's first attempt did not deposit; two successes do.
		for range 2 {
			if err := retry.Do(t.Context(), p, ok); err != nil {
				t.Fatalf("success: got %v", err)
			}
		}
		op, _ = failing(errDown)
		if err := retry.Do(t.Context(), p, op); err != nil {
			t.Errorf("after two successes at ratio 0.5: got %v, want the retry allowed", err)
		}
	})
}
