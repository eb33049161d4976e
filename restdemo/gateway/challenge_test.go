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

// TestChallenge_ResponseCache checks the exercise "response caching with
// Cache-Control max-age": every backend marks its answers cacheable for 30
// seconds (Cache-Control: max-age=30), and the gateway keeps each backend's
// answer that long, so a second identical request within max-age reaches no
// backend. Failed answers are never cached, and after max-age the backends
// are asked again.
//
//	go test -tags challenge -run TestChallenge_ResponseCache ./restdemo/gateway
func TestChallenge_ResponseCache(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys, err := start(newPipeNet().network(), nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer sys.stop()
		hc := &http.Client{Transport: sys.tr}
		get := func(path string) string {
			t.Helper()
			resp, err := hc.Get(sys.gatewayURL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: got %d, want 200; body %s", path, resp.StatusCode, body)
			}
			return string(body)
		}
		calls := func() [3]int64 {
			return [3]int64{sys.catalog.calls.Load(), sys.inventory.calls.Load(), sys.reviews.calls.Load()}
		}

		first := get("/products/42")
		if got, want := calls(), [3]int64{1, 1, 1}; got != want {
			t.Fatalf("first request: backend calls (catalog, inventory, reviews) = %v, want %v", got, want)
		}
		time.Sleep(10 * time.Second)
		second := get("/products/42")
		if got, want := calls(), [3]int64{1, 1, 1}; got != want {
			t.Errorf("same request 10s later, within max-age=30: backend calls = %v, want still %v (served from the cache)", got, want)
		}
		if second != first {
			t.Errorf("cached page differs:\n got %s\nwant %s", second, first)
		}
		// Another product is another URL: a miss.
		get("/products/43")
		if got, want := calls(), [3]int64{2, 2, 2}; got != want {
			t.Errorf("a different product: backend calls = %v, want %v", got, want)
		}
		// A failed answer is not cached: asked again on the next request.
		sys.reviews.fail.Store(true)
		get("/products/44")
		get("/products/44")
		if got := sys.reviews.calls.Load(); got != 4 {
			t.Errorf("reviews failing: called %d times in total, want 4 (failures are not cached)", got)
		}
		sys.reviews.fail.Store(false)
		// After max-age the entry is stale: the backends are asked again.
		time.Sleep(25 * time.Second)
		get("/products/42")
		if got := sys.catalog.calls.Load(); got != 4 {
			t.Errorf("35s after the first request (max-age=30): catalog called %d times in total, want 4", got)
		}
	})
}
