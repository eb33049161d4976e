//go:build challenge

package main

import (
	"net/http"
	"strings"
	"testing"
	"testing/synctest"

	"distkit/pkg/raft"
)

// TestChallengeReadyzApplyLag checks the exercise "Not ready while catching
// up": a node whose applied index is more than 1000 entries behind its
// commit index answers 503 on /readyz (body mentioning "behind"), and a
// waiting /readyz?wait= turns 200 once it has caught up.
//
//	go test -tags challenge -run TestChallengeReadyzApplyLag ./cmd/kvnode
func TestChallengeReadyzApplyLag(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, r, h := newFake()
		f.set(func(s *status) { s.LeaderID, s.Term, s.CommitIndex, s.AppliedKV = 2, 3, 20, 10 })
		if rec := serve(h, "/readyz"); rec.Code != http.StatusOK {
			t.Fatalf("/readyz with applied 10, commit 20: got %d %q, want 200 (a lag of 10 is fine)", rec.Code, rec.Body)
		}

		// A restarted node replaying a long log: committed far ahead of
		// what it has applied.
		f.set(func(s *status) { s.CommitIndex, s.AppliedKV = 5000, 10 })
		rec := serve(h, "/readyz")
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "behind") {
			t.Fatalf("/readyz with applied 10, commit 5000: got %d %q, want 503 saying how far behind", rec.Code, rec.Body)
		}

		done := make(chan int)
		go func() { done <- serve(h, "/readyz?wait=5s").Code }()
		synctest.Wait()
		f.set(func(s *status) { s.AppliedKV = 4990 })
		r.changed()
		if got := <-done; got != http.StatusOK {
			t.Fatalf("/readyz?wait=5s after catching up to applied 4990, commit 5000: got %d, want 200", got)
		}
	})
}

// TestChallenge_ElectionsCounter checks the exercise "Count the elections":
// /metrics carries kvnode_elections_total, the elections this node started
// (each time it became a candidate), a counter an alert can watch: a
// cluster that keeps electing is a cluster in trouble.
//
//	go test -tags challenge -run TestChallenge_ElectionsCounter ./cmd/kvnode
func TestChallenge_ElectionsCounter(t *testing.T) {
	f, _, _ := newFake()
	f.set(func(s *status) { s.ID = 1 })
	events := newRPCCounts()
	for range 3 {
		events.observe(raft.Event{Kind: raft.EventRole, Role: raft.Candidate})
	}
	events.observe(raft.Event{Kind: raft.EventRole, Role: raft.Leader})
	sp := newSidePort(f.status, newReadiness())
	sp.rpcs = events
	got := parseExposition(t, serve(sp.handler(), "/metrics").Body.String())
	const series = `kvnode_elections_total{node="1"}`
	if v, ok := got[series]; !ok || v != 3 {
		t.Fatalf("/metrics %s: got %v (present %v), want 3 after three candidacies", series, v, ok)
	}
}
