package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
)

// fakeNode is a status source the test changes by hand.
type fakeNode struct {
	mu sync.Mutex
	st status
}

func (f *fakeNode) status() status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *fakeNode) set(fn func(*status)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.st)
}

func newFake() (*fakeNode, *readiness, http.Handler) {
	f := &fakeNode{st: status{Status: kv.Status{Status: raft.Status{ID: 1, LeaderID: -1}}}}
	r := newReadiness()
	return f, r, newSidePort(f.status, r).handler()
}

func serve(h http.Handler, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec
}

func TestReadyz(t *testing.T) {
	// The handler is called directly (no sockets), so the waits run on
	// synctest's virtual clock.
	synctest.Test(t, func(t *testing.T) {
		f, r, h := newFake()

		if rec := serve(h, "/readyz"); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("/readyz with no leader: got %d, want 503", rec.Code)
		}
		if rec := serve(h, "/readyz?wait=soon"); rec.Code != http.StatusBadRequest {
			t.Errorf("/readyz?wait=soon: got %d, want 400", rec.Code)
		}

		// Nothing happens: the wait runs out.
		start := time.Now()
		if rec := serve(h, "/readyz?wait=5s"); rec.Code != http.StatusServiceUnavailable || time.Since(start) != 5*time.Second {
			t.Errorf("/readyz?wait=5s with no leader: got %d after %v, want 503 after 5s", rec.Code, time.Since(start))
		}

		// A leader appears after 2s: the waiter wakes then, not at 5s.
		done := make(chan *httptest.ResponseRecorder)
		go func() { done <- serve(h, "/readyz?wait=5s") }()
		time.Sleep(2 * time.Second)
		f.set(func(s *status) { s.LeaderID, s.Term = 3, 7 })
		r.changed()
		rec := <-done
		if rec.Code != http.StatusOK || time.Since(start) != 7*time.Second {
			t.Errorf("/readyz?wait=5s when a leader appears after 2s: got %d %q at %v, want 200 at 7s", rec.Code, rec.Body, time.Since(start))
		}

		// Draining: not ready, at once, even with a wait.
		r.drain()
		f.set(func(s *status) { s.Draining = true })
		start = time.Now()
		if rec := serve(h, "/readyz?wait=5s"); rec.Code != http.StatusServiceUnavailable || time.Since(start) != 0 {
			t.Errorf("/readyz?wait=5s while draining: got %d after %v, want 503 at once", rec.Code, time.Since(start))
		}
	})
}

func TestDebugVarsAndStatus(t *testing.T) {
	f, _, h := newFake()
	f.set(func(s *status) {
		s.Status = kv.Status{
			Status: raft.Status{ID: 2, Role: raft.Leader, Term: 4, LeaderID: 2, CommitIndex: 40, LastIndex: 41, SnapIndex: 30},
			Keys:   5, Leases: 1, Revision: 17, AppliedKV: 39,
		}
		s.LogBytes, s.SnapshotBytes = 1234, 99
	})

	rec := serve(h, "/debug/vars")
	var vars map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &vars); err != nil {
		t.Fatalf("/debug/vars: %v in %q", err, rec.Body)
	}
	want := map[string]any{"id": 2.0, "role": "leader", "term": 4.0, "leader": 2.0, "commit_index": 40.0, "applied": 39.0,
		"last_index": 41.0, "snapshot_index": 30.0, "log_bytes": 1234.0, "snapshot_bytes": 99.0, "keys": 5.0, "leases": 1.0, "revision": 17.0}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("/debug/vars %s: got %v, want %v", k, vars[k], v)
		}
	}

	var st statusJSON
	if err := json.Unmarshal(serve(h, "/status").Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if st.Role != "leader" || st.CommitIndex != 40 || st.LastApplied != 39 || !st.Ready || st.LogBytes != 1234 {
		t.Errorf("/status: got %+v", st)
	}
	if rec := serve(h, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("/healthz: got %d, want 200", rec.Code)
	}
}

func TestLineWriter_PrefixesWholeLines(t *testing.T) {
	var out strings.Builder
	w := &lineWriter{prefix: "node-1 | ", w: &out, mu: new(sync.Mutex)}
	w.Write([]byte("first\nsec"))
	w.Write([]byte("ond\nthird"))
	w.flush()
	if got, want := out.String(), "node-1 | first\nnode-1 | second\nnode-1 | third\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
