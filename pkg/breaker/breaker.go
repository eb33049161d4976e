// The breaker: its three states, the window of recent outcomes that decides
// when to open, and Do, which wraps every call.

package breaker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrOpen is returned by Do, without calling the function, while the
// breaker is open or while half-open has all the probes it allows in flight.
var ErrOpen = errors.New("breaker: circuit open")

// State is where a breaker is in its cycle.
type State int

const (
	// Closed: calls go through; outcomes are counted in the window.
	Closed State = iota
	// Open: calls fail at once with ErrOpen until the cool-down ends.
	Open
	// HalfOpen: a few probe calls go through; if they all succeed the
	// breaker closes, and the first failure opens it again.
	HalfOpen
)

// String returns "closed", "open" or "half-open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Config says when a breaker opens and how it comes back. The zero Config is
// usable: each zero field takes its default.
type Config struct {
	// Window is how many recent calls the failure rate is computed over
	// (default 20). A count-based window forgets old outcomes as new calls
	// come in; resilience4j also offers a time-based one (buckets of a
	// second each), which forgets them as time passes.
	Window int

	// MinCalls is how many calls the window must hold before the breaker
	// may open (default: Window), so that one early failure is not a rate
	// of 100%.
	MinCalls int

	// FailureRate opens the breaker when failures/calls in the window
	// reach it (default 0.5). 1 means "MinCalls failures in a row".
	FailureRate float64

	// CoolDown is how long the breaker stays open before it lets probes
	// through (default 10s).
	CoolDown time.Duration

	// HalfOpenProbes is how many calls half-open lets through; all must
	// succeed to close the breaker (default 1).
	HalfOpenProbes int

	// IsFailure says whether an error returned by the function counts
	// against the backend. The default counts every non-nil error except a
	// cancellation by the caller (the backend did nothing wrong). Return
	// false for answers such as "not found" that the caller should see but
	// that prove the backend healthy.
	IsFailure func(ctx context.Context, err error) bool

	// Now reads the clock (default time.Now, which runs on virtual time
	// inside a testing/synctest bubble).
	Now func() time.Time

	// OnStateChange, if set, is called after every change of state, with
	// the breaker's lock released, on the goroutine whose call caused it.
	// It must not block for long.
	OnStateChange func(from, to State)
}

// Breaker is a circuit breaker. Create it with New. Safe for concurrent
// use: one Breaker per backend, shared by every goroutine calling it.
type Breaker struct {
	cfg Config

	mu       sync.Mutex
	state    State
	outcomes []bool    // ring buffer of the last len(outcomes) calls in Closed: true = failure
	next     int       // where the next outcome goes in outcomes
	count    int       // outcomes recorded, at most cfg.Window
	failures int       // true entries among the recorded outcomes
	openedAt time.Time // when the breaker last opened; meaningful in Open
	probes   int       // probes in flight in HalfOpen
	passed   int       // probes that succeeded in HalfOpen
	gen      uint64    // bumped on every change of state, so late outcomes from an old state are ignored
}

// New returns a closed breaker with cfg's settings.
func New(cfg Config) *Breaker {
	if cfg.Window <= 0 {
		cfg.Window = 20
	}
	if cfg.MinCalls <= 0 || cfg.MinCalls > cfg.Window {
		cfg.MinCalls = cfg.Window
	}
	if cfg.FailureRate <= 0 || cfg.FailureRate > 1 {
		cfg.FailureRate = 0.5
	}
	if cfg.CoolDown <= 0 {
		cfg.CoolDown = 10 * time.Second
	}
	if cfg.HalfOpenProbes <= 0 {
		cfg.HalfOpenProbes = 1
	}
	if cfg.IsFailure == nil {
		cfg.IsFailure = defaultIsFailure
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Breaker{cfg: cfg, outcomes: make([]bool, cfg.Window)}
}

// defaultIsFailure counts every error but the caller's own cancellation.
func defaultIsFailure(ctx context.Context, err error) bool {
	return err != nil && !(ctx.Err() != nil && errors.Is(err, context.Canceled))
}

// Do calls fn unless the breaker is open, and counts its outcome. While
// open it returns ErrOpen at once: the point is to fail fast and leave the
// backend alone while it recovers. A context that is already done returns
// its error without calling fn or counting anything. fn's error is returned
// as is.
func (b *Breaker) Do(ctx context.Context, fn func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	gen, err := b.allow()
	if err != nil {
		return err
	}
	callErr := fn(ctx)
	b.record(gen, b.cfg.IsFailure(ctx, callErr))
	return callErr
}

// State returns the breaker's state now. An open breaker whose cool-down has
// passed reports HalfOpen, as the next call would find it.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == Open && !b.cfg.Now().Before(b.openedAt.Add(b.cfg.CoolDown)) {
		return HalfOpen
	}
	return b.state
}

// allow decides whether a call may go out, and returns the generation it
// belongs to.
func (b *Breaker) allow() (uint64, error) {
	b.mu.Lock()
	var from, to State
	changed := false
	if b.state == Open && !b.cfg.Now().Before(b.openedAt.Add(b.cfg.CoolDown)) {
		from, to, changed = Open, HalfOpen, true
		b.setState(HalfOpen)
	}
	var err error
	switch b.state {
	case Open:
		err = ErrOpen
	case HalfOpen:
		// Only a few probes: a backend that just came back should not
		// meet the full load at once.
		if b.probes >= b.cfg.HalfOpenProbes-b.passed {
			err = ErrOpen
		} else {
			b.probes++
		}
	}
	gen := b.gen
	b.mu.Unlock()
	if changed {
		b.notify(from, to)
	}
	return gen, err
}

// record counts one outcome of a call let through in generation gen.
func (b *Breaker) record(gen uint64, failed bool) {
	b.mu.Lock()
	if gen != b.gen {
		// The state changed while the call was out (it opened because
		// of other calls, say): this outcome says nothing about the new
		// state.
		b.mu.Unlock()
		return
	}
	from := b.state
	switch b.state {
	case Closed:
		if b.count == len(b.outcomes) && b.outcomes[b.next] {
			b.failures-- // the oldest outcome leaves the window
		}
		b.outcomes[b.next] = failed
		b.next = (b.next + 1) % len(b.outcomes)
		b.count = min(b.count+1, len(b.outcomes))
		if failed {
			b.failures++
		}
		if b.count >= b.cfg.MinCalls && float64(b.failures) >= b.cfg.FailureRate*float64(b.count) {
			b.setState(Open)
		}
	case HalfOpen:
		b.probes--
		if failed {
			b.setState(Open) // still broken: another cool-down
		} else if b.passed++; b.passed >= b.cfg.HalfOpenProbes {
			b.setState(Closed)
		}
	}
	to := b.state
	b.mu.Unlock()
	if to != from {
		b.notify(from, to)
	}
}

// setState moves to s and resets what the new state counts. Call with b.mu
// held.
func (b *Breaker) setState(s State) {
	b.state = s
	b.gen++
	b.probes, b.passed = 0, 0
	switch s {
	case Closed:
		// A fresh window: the failures that opened the breaker belong to
		// an outage that is over.
		clear(b.outcomes)
		b.next, b.count, b.failures = 0, 0, 0
	case Open:
		b.openedAt = b.cfg.Now()
	}
}

// notify calls the state-change hook, if any. Call without b.mu held.
func (b *Breaker) notify(from, to State) {
	if b.cfg.OnStateChange != nil {
		b.cfg.OnStateChange(from, to)
	}
}
