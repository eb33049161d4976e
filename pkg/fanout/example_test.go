package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"distkit/pkg/fanout"
)

// answer returns a Call that answers v at once.
func answer(v string) fanout.Call[string] {
	return func(context.Context) (string, error) { return v, nil }
}

// hang returns a Call that never answers by itself: it returns only when its
// context is cancelled, as a well-behaved call to a stuck replica does.
func hang() fanout.Call[string] {
	return func(ctx context.Context) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	}
}

func ExampleAll() {
	shards, err := fanout.All(context.Background(),
		answer("users 0-999"), answer("users 1000-1999"), answer("users 2000-2999"))
	fmt.Println(shards, err)

	_, err = fanout.All(context.Background(),
		answer("users 0-999"),
		func(context.Context) (string, error) { return "", errors.New("shard 1 is down") },
		hang(), // cancelled by the failure, so All does not wait forever
	)
	fmt.Println(err)
	// Output:
	// [users 0-999 users 1000-1999 users 2000-2999] <nil>
	// call 1: shard 1 is down
}

func ExampleFirst() {
	v, err := fanout.First(context.Background(), hang(), answer("from replica 2"), hang())
	fmt.Println(v, err)
	// Output: from replica 2 <nil>
}

func ExampleQuorum() {
	refused := func(context.Context) (string, error) { return "", errors.New("connection refused") }
	got, err := fanout.Quorum(context.Background(), 2, answer("v7"), refused, answer("v7"), hang())
	if err != nil {
		fmt.Println(err)
		return
	}
	// Results arrive in completion order; sort them to print a stable answer.
	slices.SortFunc(got, func(a, b fanout.Result[string]) int { return a.Index - b.Index })
	for _, r := range got {
		fmt.Printf("replica %d: %s\n", r.Index, r.Value)
	}

	_, err = fanout.Quorum(context.Background(), 3, answer("v7"), refused, hang())
	fmt.Println(errors.Is(err, fanout.ErrNoQuorum))
	// Output:
	// replica 0: v7
	// replica 2: v7
	// true
}

func ExampleHedged() {
	// Replica 1 is stuck; after 10ms Hedged asks replica 2, which answers.
	v, err := fanout.Hedged(context.Background(), 10*time.Millisecond, hang(), answer("from replica 2"))
	fmt.Println(v, err)
	// Output: from replica 2 <nil>
}
