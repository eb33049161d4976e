package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/rpc"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/retry"
)

var seeds = flag.Int("seeds", 3, "number of seeds the bank story runs with")

// pipeDialer connects to srv over net.Pipe, so the story can run in a
// synctest bubble. Each ServeConn ends when the client closes its end and the
// server's slow handlers finish; a cleanup waits for that, because a bubble
// may not end with goroutines still asleep.
func pipeDialer(t *testing.T, srv *rpc.Server) dialFunc {
	t.Helper()
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	return func(ctx context.Context) (net.Conn, error) {
		client, server := net.Pipe()
		wg.Go(func() { srv.ServeConn(server) })
		return client, nil
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestBankStory_NaiveOverCountsDedupIsExact replays parts 1 and 2: the same
// lost replies make the naive bank apply deposits twice and leave the
// deduplicating bank exact.
func TestBankStory_NaiveOverCountsDedupIsExact(t *testing.T) {
	for seed := uint64(1); seed <= uint64(*seeds); seed++ {
		synctest.Test(t, func(t *testing.T) {
			srv := newServer(seed, discardLogger())
			naive, dedup, err := bankStory(t.Context(), t.Output(), pipeDialer(t, srv), "c1", seed)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if dedup.balance != dedup.deposited {
				t.Errorf("seed %d, Bank: got balance %d, want exactly the %d deposited", seed, dedup.balance, dedup.deposited)
			}
			if naive.balance < naive.deposited {
				t.Errorf("seed %d, NaiveBank: got balance %d, less than the %d deposited", seed, naive.balance, naive.deposited)
			}
			// The default seed is the one the README shows: it must tell the story.
			if seed == 1 && (naive.balance == naive.deposited || dedup.duplicates == 0) {
				t.Errorf("seed 1: NaiveBank balance %d for %d deposited, %d duplicates at Bank; want an over-count and some duplicates",
					naive.balance, naive.deposited, dedup.duplicates)
			}
			// Both banks met the same faults: a reply the deduplicating bank
			// marked as a duplicate is a deposit the naive bank applied again.
			if extra := naive.balance - naive.deposited; (extra > 0) != (dedup.duplicates > 0) {
				t.Errorf("seed %d: NaiveBank over-counted by %d, Bank answered %d duplicates; want both zero or both positive", seed, extra, dedup.duplicates)
			}
		})
	}
}

// testStorm is a small storm: the immediate strategy alone makes about
// Clients x Outage/Work requests, so keep that product small.
var testStorm = stormConfig{
	StormSetup: StormSetup{Outage: 60 * time.Millisecond, Window: 25 * time.Millisecond, Work: time.Millisecond, Capacity: 4},
	Clients:    8,
	Pause:      10 * time.Millisecond,
	BaseDelay:  5 * time.Millisecond,
	GiveUp:     time.Second,
	MaxWidth:   30,
}

func TestStorm_JitterAndBudgetCutTheLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newServer(1, discardLogger())
		results, err := runStorm(t.Context(), t.Output(), pipeDialer(t, srv), testStorm, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 4 {
			t.Fatalf("got %d strategies, want 4", len(results))
		}
		immediate, fixed, jitter, budget := results[0], results[1], results[2], results[3]
		for _, r := range results[:3] {
			if r.done != testStorm.Clients {
				t.Errorf("%s: %d of %d clients done, want all", r.name, r.done, testStorm.Clients)
			}
		}
		if immediate.total() < 5*fixed.total() || fixed.total() <= jitter.total() {
			t.Errorf("requests: immediate %d, fixed %d, jitter %d; want immediate >= 5x fixed > jitter",
				immediate.total(), fixed.total(), jitter.total())
		}
		// The 10 tokens are gone long before the outage ends, so the fleet
		// makes exactly its first attempts plus 10 retries, and then stops.
		if want := testStorm.Clients + 10; budget.total() != want || budget.gaveUp != testStorm.Clients {
			t.Errorf("budget: %d requests, %d gave up; want %d requests, all %d gave up",
				budget.total(), budget.gaveUp, want, testStorm.Clients)
		}
	})
}

func TestStorm_RejectsBadSetup(t *testing.T) {
	var s Storm
	if err := s.Ping(&PingArgs{}, &PingReply{}); err == nil {
		t.Error("Ping before Setup: got nil, want an error")
	}
	for _, bad := range []StormSetup{{}, {Window: time.Second, Outage: -1}, {Window: time.Second, Work: time.Hour}} {
		if err := s.Setup(&bad, &StormStats{}); err == nil {
			t.Errorf("Setup(%+v): got nil, want an error", bad)
		}
	}
}

func TestHistogramBar(t *testing.T) {
	tests := []struct {
		n, unit, capCol, width int
		want                   string
	}{
		{0, 1, 3, 10, "   |"},
		{2, 1, 3, 10, "##|"[:2] + " |"},
		{5, 1, 3, 10, "###|#"},
		{40, 1, 3, 10, "###|#####>"},
		{10, 2, 4, 10, "####|"},
	}
	for _, tc := range tests {
		if got := bar(tc.n, tc.unit, tc.capCol, tc.width); got != tc.want {
			t.Errorf("bar(%d, unit %d, capacity at %d, width %d) = %q, want %q", tc.n, tc.unit, tc.capCol, tc.width, got, tc.want)
		}
	}
}

func TestBankClient_CallAfterCloseFailsClearly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &bankClient{dial: pipeDialer(t, newServer(1, discardLogger())), id: "c1"}
		c.Close()
		attempts := 0
		_, err := c.deposit(t.Context(), retry.Policy{OnRetry: func(int, error, time.Duration) { attempts++ }}, "Bank", "x", 10)
		if !errors.Is(err, errClientClosed) || attempts != 0 {
			t.Errorf("deposit after Close: got %v after %d retries, want %v at once", err, attempts, errClientClosed)
		}
	})
}

// TestBankClient_ServerGoneGivesUp: the server dies and nothing listens any
// more. The client notices the broken connection, redials, is refused, and
// gives up after its attempts with an error that says why.
func TestBankClient_ServerGoneGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errRefused := errors.New("connection refused")
		var serverEnd net.Conn
		var wg sync.WaitGroup
		defer wg.Wait()
		dials := 0
		dial := func(ctx context.Context) (net.Conn, error) {
			dials++
			if dials > 1 {
				return nil, errRefused
			}
			client, server := net.Pipe()
			serverEnd = server
			wg.Go(func() { newServer(1, discardLogger()).ServeConn(server) })
			return client, nil
		}
		c := &bankClient{dial: dial, id: "c1"}
		defer c.Close()
		p := retry.Policy{MaxAttempts: 4, AttemptTimeout: attemptTimeout}
		if _, err := c.deposit(t.Context(), p, "Bank", "x", 10); err != nil {
			t.Fatalf("first deposit on a healthy server (with its seeded faults): %v", err)
		}
		serverEnd.Close() // the server process dies

		_, err := c.deposit(t.Context(), p, "Bank", "x", 10)
		if !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "4 attempts failed") {
			t.Errorf("deposit to a dead server: got %v, want it to say 4 attempts failed and wrap %v", err, errRefused)
		}
	})
}

func TestRunClient_NoServerSaysSo(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // now nothing listens there
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err = runClient(ctx, t.Output(), addr, 1)
	if err == nil || !strings.Contains(err.Error(), "cannot reach the server at "+addr) {
		t.Errorf("runClient against a closed port: got %v, want it to say it cannot reach %s", err, addr)
	}
}
