package retry_test

import (
	"context"
	"testing"
	"time"

	"distkit/pkg/retry"
)

// BenchmarkDo_FirstTrySuccess measures what Do adds to a call that works the
// first time, the common case: the loop, the closure, the classification.
func BenchmarkDo_FirstTrySuccess(b *testing.B) {
	ctx := context.Background()
	op := func(context.Context) error { return nil }
	for b.Loop() {
		if err := retry.Do(ctx, retry.Policy{}, op); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDo_FirstTrySuccessTimeoutAndBudget adds a per-attempt timeout (a
// child context and its timer) and a shared budget (a mutex and a deposit).
func BenchmarkDo_FirstTrySuccessTimeoutAndBudget(b *testing.B) {
	ctx := context.Background()
	p := retry.Policy{AttemptTimeout: time.Second, Budget: retry.NewBudget(0.1, 10)}
	op := func(context.Context) error { return nil }
	for b.Loop() {
		if err := retry.Do(ctx, p, op); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDo_ParallelSharedBudget has every core call Do with one shared
// budget, the way a fleet of goroutines in one process would.
func BenchmarkDo_ParallelSharedBudget(b *testing.B) {
	ctx := context.Background()
	p := retry.Policy{Budget: retry.NewBudget(0.1, 10)}
	op := func(context.Context) error { return nil }
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := retry.Do(ctx, p, op); err != nil {
				b.Fatal(err)
			}
		}
	})
}
