// A circuit breaker per backend: after five failures in a row the gateway
// stops calling that backend for ten seconds and answers without it at once,
// then lets one trial request through.

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"distkit/pkg/breaker"
)

// Breaker settings: five failures in a row open a backend's breaker for ten
// seconds, then one trial request decides.
const (
	breakerFailures = 5
	breakerCoolDown = 10 * time.Second
)

// newBreakers returns one breaker per part, so that a broken inventory never
// stops calls to reviews.
func newBreakers(parts []Part, log *slog.Logger) map[string]*breaker.Breaker {
	out := make(map[string]*breaker.Breaker, len(parts))
	for _, p := range parts {
		out[p.Name] = breaker.New(breaker.Config{
			Window: breakerFailures, FailureRate: 1, CoolDown: breakerCoolDown, HalfOpenProbes: 1,
			OnStateChange: func(from, to breaker.State) {
				log.Warn("circuit breaker", "backend", p.Name, "from", from, "to", to)
			},
		})
	}
	return out
}

// fetchGuarded is fetch behind the backend's breaker. An open breaker is a
// failure like any other for the page (a missing part, or 502 for the
// catalog), only without the wait. A 404 is an answer, not a failure: the
// backend is healthy, the product unknown.
func (g *Gateway) fetchGuarded(ctx context.Context, name, url string) fetched {
	var res fetched
	err := g.breakers[name].Do(ctx, func(ctx context.Context) error {
		res = g.fetch(ctx, url)
		if res.err != nil && res.status != http.StatusNotFound {
			return res.err
		}
		return nil
	})
	if res.err == nil && err != nil { // the breaker refused, or ctx was done before the call
		return fetched{err: fmt.Errorf("%s: %w", name, err)}
	}
	return res
}
