//go:build challenge

// Checks for the workshop exercises on this package (see CHALLENGES.md).
// Each fails until its exercise is solved:
//
//	go test -tags challenge -run TestChallenge ./pkg/netsim

package netsim

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Exercise "A cut link loses the requests on it": a request already on the
// wire when its link is cut must never reach the server.
func TestChallenge_CutLinkLosesRequestsInFlight(t *testing.T) {
	tests := []struct {
		name  string
		fault func(n *Network)
	}{
		{"disconnect", func(n *Network) { n.Disconnect("a", "b") }},
		{"isolate the caller", func(n *Network) { n.Isolate("a") }},
		{"isolate the server", func(n *Network) { n.Isolate("b") }},
		{"partition", func(n *Network) { n.Partition([]string{"a"}, []string{"b"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				n := newNetwork(t, 1)
				kvs := cluster(t, n, "a", "b")
				n.SetDelay(10*time.Millisecond, 10*time.Millisecond)
				errc := make(chan error)
				go func() { errc <- put(n.Client("a", "b"), "k", "v") }()
				time.Sleep(5 * time.Millisecond) // the request is halfway
				tt.fault(n)
				if err := <-errc; !errors.Is(err, ErrTimeout) {
					t.Errorf("Call = %v, want ErrTimeout", err)
				}
				if got := kvs["b"].Calls(); got != 0 {
					t.Errorf("%s at 5ms of a 10ms trip: server ran %d calls, want 0 (the request was on the cut link)", tt.name, got)
				}
			})
		})
	}
}

// Exercise "Every link rolls its own dice": the fates of a→b calls must not
// depend on what other links carry at the same time.
func TestChallenge_PerLinkDice(t *testing.T) {
	const seed = 5
	alone := fatesOfAB(t, seed, false)
	busy := fatesOfAB(t, seed, true)
	if !slices.Equal(alone, busy) {
		for i := range alone {
			if alone[i] != busy[i] {
				t.Fatalf("seed %d: call %d from a to b: %s on a quiet network, %s while c calls d; want the same fate",
					seed, i, alone[i], busy[i])
			}
		}
	}
}

// fatesOfAB makes 100 calls from a to b, one after another, on a lossy and
// slow network, and returns how each ended and how long it took. With
// chatter, c calls d all the while.
func fatesOfAB(t *testing.T, seed uint64, chatter bool) []string {
	var fates []string
	synctest.Test(t, func(t *testing.T) {
		n := newNetwork(t, seed)
		cluster(t, n, "a", "b", "c", "d")
		n.SetDropRate(0.2, 0.2)
		n.SetDelay(time.Millisecond, 9*time.Millisecond)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		if chatter {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
						put(n.Client("c", "d"), "k", "v")
					}
				}
			})
		}
		for range 100 {
			start := time.Now()
			err := put(n.Client("a", "b"), "k", "v")
			fates = append(fates, fmt.Sprintf("%v in %v", err != nil, time.Since(start)))
		}
		close(stop)
		wg.Wait()
	})
	return fates
}
