//go:build challenge

package main

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// TestChallenge_CircuitBreaker checks the exercise "a circuit breaker per
// backend": after 5 consecutive failures of an optional backend, the gateway
// stops calling it for 10 seconds (open: answer partial at once), then lets
// one trial request through (half-open); a success closes the breaker again.
//
//	go test -tags challenge -run TestChallenge_CircuitBreaker ./restdemo/gateway
func TestChallenge_CircuitBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys, err := start(newPipeNet().network(), nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer sys.stop()
		hc := &http.Client{Transport: sys.tr}
		get := func() (missing bool) {
			t.Helper()
			resp, err := hc.Get(sys.gatewayURL + "/products/42")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("got %d, want 200; body %s", resp.StatusCode, body)
			}
			return resp.Header.Get("Cache-Control") == "no-store"
		}

		sys.inventory.fail.Store(true)
		for range 5 {
			get()
		}
		if n := sys.inventory.calls.Load(); n != 5 {
			t.Fatalf("after 5 requests: inventory called %d times, want 5", n)
		}
		// Open: the next requests do not reach inventory at all.
		for range 20 {
			if !get() {
				t.Fatal("page is complete while inventory fails")
			}
		}
		if n := sys.inventory.calls.Load(); n != 5 {
			t.Errorf("breaker open: inventory called %d times in total, want still 5", n)
		}
		// Other backends are not affected.
		if n := sys.reviews.calls.Load(); n != 25 {
			t.Errorf("reviews called %d times, want 25 (one breaker per backend)", n)
		}

		// After the cooldown one trial goes through; it fails, so the
		// breaker opens again.
		time.Sleep(10 * time.Second)
		get()
		get()
		if n := sys.inventory.calls.Load(); n != 6 {
			t.Errorf("half-open after 10s: inventory called %d times in total, want 6 (one trial)", n)
		}

		// The backend recovers: after the next cooldown the trial succeeds
		// and the breaker closes.
		sys.inventory.fail.Store(false)
		time.Sleep(10 * time.Second)
		for i := range 3 {
			if get() {
				t.Errorf("request %d after recovery: page is partial, want complete", i+1)
			}
		}
		if n := sys.inventory.calls.Load(); n != 9 {
			t.Errorf("closed again: inventory called %d times in total, want 9", n)
		}
	})
}
