// Package fanout sends one request to several servers at once and decides,
// by one of four rules, when it has heard enough.
//
// A replicated or sharded service answers most requests from more than one
// machine. How long to wait, and for whom, is a choice with a price:
//
//   - [All] (scatter-gather) waits for every call, as a query over shards
//     must. It is as slow as the slowest call, and one failure fails it.
//   - [First] takes the first success. It is as fast as the fastest replica,
//     but it may return a stale copy and it loads every replica.
//   - [Quorum] takes the first k successes of n. With writes that reach w
//     replicas and k+w > n, every read quorum meets the latest write
//     (Dynamo's R+W>N), and the reader keeps the newest of the k answers.
//   - [Hedged] asks one replica and asks the next only if the answer is
//     late. It cuts the latency tail for a few percent more requests
//     (Dean and Barroso, "The Tail at Scale", CACM 2013).
//
// # How it works
//
// Each function starts a goroutine per call and collects outcomes on a
// channel with room for every call, so a late call never blocks. As soon as
// the rule is met, the function cancels a context shared by all its calls,
// then waits for every goroutine it started: nothing it started outlives it,
// and the results of cancelled calls are discarded. That is why a [Call] must
// honour its context; a call that ignores cancellation still works, but it
// holds up its caller until it finishes.
//
//	caller ──► All / First / Quorum / Hedged ──► goroutine per call ──► replica
//	                  ▲                                │
//	                  └──── outcome channel ◄──────────┘
//	          rule met: cancel the rest, wait for them, return
//
// Errors name the call that failed ("call 2: connection refused"). When no
// answer can come, [First] and [Hedged] return [ErrAllFailed] and [Quorum]
// returns [ErrNoQuorum], joined (errors.Join) with every call's error, so
// errors.Is finds both the sentinel and the causes. A cancelled parent
// context shows as context.Canceled. Bad arguments, such as a quorum larger
// than the number of calls, give [ErrBadArgument] rather than a panic.
//
// # Usage
//
//	replica := func(addr string) fanout.Call[Reply] {
//		return func(ctx context.Context) (Reply, error) { return lookup(ctx, addr, key) }
//	}
//	// Ask replica a; if it has not answered in 4ms, ask b too; then c.
//	reply, err := fanout.Hedged(ctx, 4*time.Millisecond, replica(a), replica(b), replica(c))
//
// rpcdemo/fanout runs all four over net/rpc against replicas with a heavy
// latency tail, and measures what hedging buys: go run ./rpcdemo/fanout.
//
// # Overhead
//
// Three calls that return at once, so only the fan-out itself is timed.
// Best of three runs, 2 cores, 2026-11-29; the machine was shared with other
// busy jobs, and runs under that load came out two to four times slower:
//
//	go test -run '^$' -bench . -benchmem -cpu 2 -count 3 ./pkg/fanout
//
//	BenchmarkAll-2          1.9 µs/op   544 B/op   13 allocs/op
//	BenchmarkFirst-2        2.4 µs/op   632 B/op   12 allocs/op
//	BenchmarkQuorum2of3-2   3.9 µs/op   680 B/op   14 allocs/op
//	BenchmarkHedged-2       2.8 µs/op   816 B/op   12 allocs/op  (first call answers: no backup)
//	BenchmarkDirect-2       8.7 ns/op     0 B/op    0 allocs/op  (the three calls in a row)
//
// A few microseconds per fan-out is noise next to a network round trip of
// a hundred microseconds or more, but it is not free: calls that finish in
// nanoseconds are faster in a plain loop.
//
// # Reading order
//
//  1. fanout.go: [Call], [Result], the errors, [All] and [First].
//  2. quorum.go: [Quorum] and its fail-fast count.
//  3. hedged.go: [Hedged], the timer and the error-triggered hedge.
//  4. The tests (helpers_test.go first): scripted calls in synctest bubbles,
//     where time is virtual, show exactly when each call starts and stops.
package fanout
