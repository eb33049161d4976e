//go:build challenge

package retry_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/retry"
)

// TestChallenge_GiveUpWhenTheWaitOutlastsTheDeadline checks the exercise
// "Don't wait for a retry you will never make" (CHALLENGES.md): when the next
// wait would end after the caller's deadline, Do returns at once instead of
// sleeping until the deadline for nothing.
func TestChallenge_GiveUpWhenTheWaitOutlastsTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		calls := 0
		op := func(context.Context) error {
			calls++
			return retry.After(errDown, 10*time.Second) // "retry in 10s"
		}
		start := time.Now()

		err := retry.Do(ctx, retry.Policy{MaxAttempts: 5}, op)

		if elapsed := time.Since(start); elapsed != 0 {
			t.Errorf("2s deadline, 'retry in 10s': returned after %v, want at once (0s)", elapsed)
		}
		if calls != 1 {
			t.Errorf("2s deadline, 'retry in 10s': got %d attempts, want 1", calls)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errDown) {
			t.Errorf("2s deadline, 'retry in 10s': got %v, want it to wrap both %v and %v", err, context.DeadlineExceeded, errDown)
		}

		// A wait that fits in the deadline still happens.
		ctx2, cancel2 := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel2()
		calls = 0
		start = time.Now()
		err = retry.Do(ctx2, retry.Policy{MaxAttempts: 5}, func(context.Context) error {
			calls++
			if calls == 1 {
				return retry.After(errDown, time.Second)
			}
			return nil
		})
		if elapsed := time.Since(start); err != nil || elapsed != time.Second {
			t.Errorf("2s deadline, 'retry in 1s': got %v after %v, want nil after exactly 1s", err, elapsed)
		}

		// A budget token is not spent on a retry that will not happen.
		budget := retry.NewBudget(0, 1)
		ctx3, cancel3 := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel3()
		_ = retry.Do(ctx3, retry.Policy{MaxAttempts: 5, Budget: budget}, op)
		if got := budget.Tokens(); got != 1 {
			t.Errorf("budget after giving up early: got %v tokens, want 1 (untouched)", got)
		}
	})
}
