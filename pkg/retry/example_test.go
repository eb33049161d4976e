package retry_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"distkit/pkg/retry"
)

// A leader that is busy for two calls says when to come back; the third call
// goes through.
func ExampleDo() {
	errBusy := errors.New("leader busy")
	calls := 0
	deposit := func(ctx context.Context) error {
		calls++
		if calls < 3 {
			return retry.After(errBusy, time.Millisecond)
		}
		return nil
	}
	p := retry.Policy{
		MaxAttempts: 5,
		Rand:        rand.New(rand.NewPCG(1, 0)),
		OnRetry: func(attempt int, err error, _ time.Duration) {
			fmt.Printf("attempt %d failed: %v\n", attempt, err)
		},
	}
	err := retry.Do(context.Background(), p, deposit)
	fmt.Println("err:", err, "after", calls, "attempts")
	// Output:
	// attempt 1 failed: leader busy
	// attempt 2 failed: leader busy
	// err: <nil> after 3 attempts
}

// A permanent error stops the loop at once and comes back unmarked.
func ExamplePermanent() {
	errNoFunds := errors.New("insufficient funds")
	calls := 0
	_, err := retry.DoValue(context.Background(), retry.Policy{}, func(ctx context.Context) (int, error) {
		calls++
		return 0, retry.Permanent(errNoFunds)
	})
	fmt.Println(calls, "attempt;", errors.Is(err, errNoFunds), err)
	// Output:
	// 1 attempt; true insufficient funds
}

// A budget shared by a fleet: successes earn retries back.
func ExampleBudget() {
	budget := retry.NewBudget(0.5, 1) // start with 1 token; 2 successes earn 1 more
	p := retry.Policy{Budget: budget, BaseDelay: time.Microsecond}
	down := func(context.Context) error { return errors.New("connection refused") }
	up := func(context.Context) error { return nil }

	fmt.Println(retry.Do(context.Background(), p, down))
	fmt.Println(budget.Tokens(), "tokens")
	_ = retry.Do(context.Background(), p, up)
	_ = retry.Do(context.Background(), p, up)
	fmt.Println(budget.Tokens(), "tokens")
	// Output:
	// retry: retry budget exhausted after 2 attempts: connection refused
	// 0 tokens
	// 1 tokens
}
