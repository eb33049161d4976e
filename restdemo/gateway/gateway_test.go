package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// TestGateway_Degrades runs the backends and the gateway over net.Pipe in a
// synctest bubble, so the slow cases take virtual time only, and checks the
// answer for each state of the backends.
func TestGateway_Degrades(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(s *system)
		wantStatus  int
		wantMissing []string
		wantTook    time.Duration // virtual time for the request
	}{
		{"all answer", func(s *system) {}, 200, []string{}, 0},
		{"reviews slow", func(s *system) { s.reviews.delay.Store(int64(time.Hour)) }, 200, []string{"reviews"}, optionalTimeout},
		{"reviews just in time", func(s *system) { s.reviews.delay.Store(int64(optionalTimeout - time.Millisecond)) }, 200, []string{}, optionalTimeout - time.Millisecond},
		{"inventory down", func(s *system) { s.servers["inventory"].Close() }, 200, []string{"inventory"}, 0},
		{"both optional fail", func(s *system) { s.inventory.fail.Store(true); s.reviews.fail.Store(true) }, 200, []string{"inventory", "reviews"}, 0},
		{"catalog slow", func(s *system) { s.catalog.delay.Store(int64(time.Hour)) }, 502, nil, catalogTimeout},
		{"catalog down", func(s *system) { s.servers["catalog"].Close() }, 502, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sys, err := start(newPipeNet().network(), nil, slog.New(slog.NewTextHandler(t.Output(), nil)))
				if err != nil {
					t.Fatal(err)
				}
				defer sys.stop()
				tc.setup(sys)
				hc := &http.Client{Transport: sys.tr}
				begin := time.Now()
				resp, err := hc.Get(sys.gatewayURL + "/products/42")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				took := time.Since(begin)
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != tc.wantStatus {
					t.Fatalf("got %d, want %d; body %s", resp.StatusCode, tc.wantStatus, body)
				}
				if took != tc.wantTook {
					t.Errorf("took %v of virtual time, want %v (the deadline of the slowest part)", took, tc.wantTook)
				}
				if tc.wantStatus != 200 {
					return
				}
				var page struct {
					Partial bool
					Missing []string
					Catalog json.RawMessage
				}
				if err := json.Unmarshal(body, &page); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(page.Missing, tc.wantMissing) || page.Partial != (len(tc.wantMissing) > 0) || page.Catalog == nil {
					t.Errorf("got %s, want missing %v and partial %v, with the catalog", body, tc.wantMissing, len(tc.wantMissing) > 0)
				}
				if got := resp.Header.Get("Cache-Control") == "no-store"; got != page.Partial {
					t.Errorf("partial %v with Cache-Control %q: want no-store exactly on partial pages", page.Partial, resp.Header.Get("Cache-Control"))
				}
			})
		})
	}
}

// TestGateway_BadRequests: bad IDs and unknown products are 4xx problems.
func TestGateway_BadRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys, err := start(newPipeNet().network(), nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer sys.stop()
		hc := &http.Client{Transport: sys.tr}
		for path, want := range map[string]int{"/products/abc": 400, "/products/0": 400, "/products/5000": 404, "/nothing": 404} {
			resp, err := hc.Get(sys.gatewayURL + path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("GET %s: got %d, want %d", path, resp.StatusCode, want)
			}
		}
	})
}
