// Per-client rate limiting with token buckets. Each client has a bucket that
// holds up to burst tokens and refills at rate tokens per second; a request
// takes one token or is refused with 429 and a Retry-After saying when the
// next token will be there. Buckets live in a map with a size cap, so a flood
// of new clients cannot grow memory without bound.

package main

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// bucket is one client's token bucket. Instead of a timer adding tokens, it
// remembers when it was last filled and adds rate*elapsed on each visit.
type bucket struct {
	tokens float64   // tokens available at last
	last   time.Time // when tokens was computed
}

// take refills the bucket up to now and takes a token if there is one. If
// there is none it returns how long until there will be.
func (b *bucket) take(now time.Time, rate, burst float64) (ok bool, wait time.Duration) {
	b.refill(now, rate, burst)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	missing := 1 - b.tokens
	return false, time.Duration(missing / rate * float64(time.Second))
}

// refill adds the tokens earned since last, capped at burst.
func (b *bucket) refill(now time.Time, rate, burst float64) {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(burst, b.tokens+elapsed.Seconds()*rate)
		b.last = now
	}
}

// limiter holds the buckets of every client. It is safe for concurrent use.
type limiter struct {
	rate, burst float64
	maxClients  int
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket // by client; at most maxClients; guarded by mu
}

func newLimiter(rate float64, burst, maxClients int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), maxClients: maxClients, now: now,
		buckets: make(map[string]*bucket)}
}

// allow takes a token from client's bucket, creating a full one for a client
// not seen before.
func (l *limiter) allow(client string) (ok bool, wait time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.buckets[client]
	if !found {
		if len(l.buckets) >= l.maxClients {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[client] = b
	}
	return b.take(now, l.rate, l.burst)
}

// evict makes room for a new bucket. A bucket that has refilled to full holds
// no information (a new bucket would be identical), so those go first. If
// every client is mid-burst, one arbitrary bucket goes (Go's map order is
// random): that client gets a fresh allowance, the price of bounded memory.
// Called with mu held.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.refill(now, l.rate, l.burst); b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.maxClients {
		return
	}
	for k := range l.buckets {
		delete(l.buckets, k)
		return
	}
}

// clients reports how many buckets are held, for /debug/vars.
func (l *limiter) clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// rateLimit refuses requests beyond the client's allowance with 429 and a
// Retry-After header in whole seconds (RFC 9110 §10.2.3), rounded up so a
// client that obeys it finds a token waiting.
func rateLimit(l *limiter, s *server) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ok, wait := l.allow(clientKey(r))
			if !ok {
				s.metrics.rateLimited.Add(1)
				secs := max(1, int(math.Ceil(wait.Seconds())))
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				writeError(w, r, s.log, errorf(ERATELIMIT, "too many requests from this client; retry after "+strconv.Itoa(secs)+"s"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// clientKey identifies the client: its IP address, without the port (each
// new connection has a new port). Behind a load balancer every request comes
// from the balancer's IP; you would then use the address it reports in
// X-Forwarded-For, but only from a proxy you trust, since any client can
// send that header.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr // not host:port, e.g. a net.Pipe in tests
	}
	return host
}
