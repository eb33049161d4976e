// Package breaker is a circuit breaker: when a backend keeps failing, stop
// calling it for a while, fail fast instead, and let a few probe calls find
// out when it is back.
//
// # Why
//
// A backend that is down or overloaded costs every caller a timeout, holds
// its goroutines and connections while it does, and receives a steady stream
// of requests exactly when it can least serve them. Retrying (pkg/retry) makes
// the load worse. A breaker in front of each backend turns "every call waits
// and fails" into "every call fails at once" until the backend has had time
// to recover: callers degrade quickly (a page without its reviews) and the
// backend gets room to breathe.
//
// # How it works
//
//	        failure rate over the window ≥ FailureRate
//	Closed ───────────────────────────────────────────▶ Open
//	  ▲                                                 │ CoolDown passes
//	  │ HalfOpenProbes probes all succeed               ▼
//	  └─────────────────────────────────────────────── HalfOpen
//	                     a probe fails: back to Open ───┘
//
// Closed, every call goes through and its outcome enters a window of the
// last Window calls. Once the window holds MinCalls outcomes and the share of
// failures reaches FailureRate, the breaker opens. Open, [Breaker.Do] returns
// [ErrOpen] without calling anything. After CoolDown, the next call finds the
// breaker half-open: up to HalfOpenProbes calls go through (the rest still get
// ErrOpen); the first failure opens it again for another cool-down, and when
// all the probes succeed it closes with a fresh window.
//
// Outcomes of calls that began in an earlier state are ignored (each state
// change bumps a generation number), so a slow call that fails after the
// breaker opened does not count twice, and a straggler cannot close it.
//
// # Breakers and retry budgets
//
// Both protect a struggling backend from its callers, from two sides. A retry
// budget (retry.Budget) caps the extra load retries add, say 10% of the
// successful calls, but first attempts still go out and each still waits for
// its timeout. A breaker stops first attempts too and answers at once, but
// only after it has seen enough failures, and it keeps out good calls along
// with bad ones while open. Use both: the budget inside a call, the breaker
// around it, so a retrying call through an open breaker costs nothing.
//
// # Production counterparts
//
// Netflix's Hystrix popularized the pattern (a rolling window of time
// buckets, an error percentage threshold, a request-volume threshold, a sleep
// window, one probe); resilience4j, its successor on the JVM, has count-based
// and time-based sliding windows and a configurable number of half-open calls,
// the model for [Config]. sony/gobreaker is the common Go library (consecutive
// failures or a custom ReadyToTrip over counts). Envoy's outlier detection does
// the same per host of a cluster, ejecting a host after consecutive 5xx or a
// success rate below the cluster's, for a time that grows with each ejection.
//
// # Usage
//
//	b := breaker.New(breaker.Config{Window: 20, FailureRate: 0.5, CoolDown: 10 * time.Second})
//	err := b.Do(ctx, func(ctx context.Context) error {
//		return callInventory(ctx)
//	})
//	if errors.Is(err, breaker.ErrOpen) {
//		// answer without inventory, at once
//	}
//
// Time comes from Config.Now (time.Now by default), so inside a
// testing/synctest bubble a ten-second cool-down passes in no real time.
// restdemo/gateway puts one breaker in front of each backend.
//
// # Reading order
//
// breaker.go, then breaker_test.go (a table of transitions).
package breaker
