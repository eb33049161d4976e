package main

import (
	"strconv"
	"testing"
	"time"
)

// TestBucket walks one bucket (2 tokens/s, burst 3) through a timeline.
func TestBucket(t *testing.T) {
	b := &bucket{tokens: 3, last: testNow}
	steps := []struct {
		at       time.Duration
		wantOK   bool
		wantWait time.Duration
	}{
		{0, true, 0},
		{0, true, 0},
		{0, true, 0},
		{0, false, 500 * time.Millisecond}, // empty: one token in 1/rate
		{250 * time.Millisecond, false, 250 * time.Millisecond},
		{500 * time.Millisecond, true, 0},
		{10 * time.Second, true, 0}, // refilled, but only to burst
		{10 * time.Second, true, 0},
		{10 * time.Second, true, 0},
		{10 * time.Second, false, 500 * time.Millisecond},
	}
	for i, st := range steps {
		ok, wait := b.take(testNow.Add(st.at), 2, 3)
		if ok != st.wantOK || wait != st.wantWait {
			t.Errorf("step %d at +%v: got ok=%v wait=%v, want ok=%v wait=%v", i, st.at, ok, wait, st.wantOK, st.wantWait)
		}
	}
}

// TestLimiter_Bounded: the map never holds more than maxClients buckets,
// and full buckets (idle clients) are dropped before a busy client's.
func TestLimiter_Bounded(t *testing.T) {
	now := testNow
	l := newLimiter(1, 2, 3, func() time.Time { return now })
	l.allow("busy")
	l.allow("busy") // busy: 0 of 2 tokens
	l.allow("a")    // a: 1 of 2
	now = now.Add(time.Second)
	l.allow("b") // busy 1, a 2 (full), b 1: three clients
	l.allow("c") // no room: a, the only full bucket, goes
	if got := l.clients(); got != 3 {
		t.Errorf("after 4 clients with room for 3: %d buckets, want 3", got)
	}
	// busy kept its state: one token, not a fresh bucket of two.
	ok1, _ := l.allow("busy")
	ok2, _ := l.allow("busy")
	if !ok1 || ok2 {
		t.Errorf("busy after eviction: got %v then %v, want allowed then refused (its bucket was kept)", ok1, ok2)
	}
	for i := range 100 { // a flood of new clients never grows the map
		l.allow("flood-" + strconv.Itoa(i))
		if got := l.clients(); got > 3 {
			t.Fatalf("after %d new clients: %d buckets, want at most 3", i+1, got)
		}
	}
}

// TestRateLimit_Middleware checks the 429 answer and Retry-After rounding.
func TestRateLimit_Middleware(t *testing.T) {
	now := testNow
	s := newTestServer(t, Config{RateLimit: 0.4, RateBurst: 2, Now: func() time.Time { return now }})
	for i, want := range []int{200, 200, 429} {
		r := send(t, s, "GET", "/healthz", "")
		if r.status != want {
			t.Fatalf("request %d: got %d, want %d", i+1, r.status, want)
		}
		if want == 429 {
			p := problemOf(t, r)
			// One token takes 1/0.4 = 2.5s; Retry-After rounds up.
			if got := r.header.Get("Retry-After"); got != "3" || p.Type != problemTypeBase+ERATELIMIT {
				t.Errorf("429: got Retry-After %q and type %q, want 3 and %s", got, p.Type, ERATELIMIT)
			}
		}
	}
	now = now.Add(2500 * time.Millisecond)
	if r := send(t, s, "GET", "/healthz", ""); r.status != 200 {
		t.Errorf("after waiting Retry-After: got %d, want 200", r.status)
	}
	if got := s.metrics.rateLimited.Value(); got != 1 {
		t.Errorf("rate_limited counter: got %d, want 1", got)
	}
}
