// The HTTP side port: health, readiness with a long poll, and the node's
// numbers, on a mux of its own so several nodes can share a process.

package main

import (
	"encoding/json"
	"expvar"
	"fmt"
	"net/http"
	"sync"
	"time"

	"distkit/pkg/kv"
)

// maxReadyWait caps ?wait= so a client cannot park a handler for long.
const maxReadyWait = time.Minute

// status is what the side port reports about a node.
type status struct {
	kv.Status
	LogBytes      int  // FileStorage.Size: the log file, superseded records included
	SnapshotBytes int  // the snapshot's data
	Draining      bool // shutting down: refusing new requests
}

// statusJSON is /status's body: status with the role spelled out.
type statusJSON struct {
	ID            int    `json:"id"`
	Role          string `json:"role"`
	Term          int    `json:"term"`
	LeaderID      int    `json:"leader"`
	CommitIndex   int    `json:"commit"`
	LastApplied   int    `json:"applied"`
	LastIndex     int    `json:"last_index"`
	SnapIndex     int    `json:"snapshot_index"`
	LogBytes      int    `json:"log_bytes"`
	SnapshotBytes int    `json:"snapshot_bytes"`
	Keys          int    `json:"keys"`
	Leases        int    `json:"leases"`
	Revision      int64  `json:"revision"`
	Ready         bool   `json:"ready"`
	Draining      bool   `json:"draining"`
}

// readiness tells /readyz waiters when something they care about changed.
// changed is a broadcast: it closes the current channel and makes a new
// one, so every waiter wakes and re-reads the status; nobody polls. Safe for
// concurrent use; changed never blocks, which the Raft event hook requires.
type readiness struct {
	mu      sync.Mutex
	ch      chan struct{} // closed at the next change
	drained bool
}

func newReadiness() *readiness { return &readiness{ch: make(chan struct{})} }

// wait returns a channel closed at the next change.
func (r *readiness) wait() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ch
}

func (r *readiness) changed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	close(r.ch)
	r.ch = make(chan struct{})
}

// drain marks the node as shutting down and wakes every waiter.
func (r *readiness) drain() {
	r.mu.Lock()
	r.drained = true
	r.mu.Unlock()
	r.changed()
}

func (r *readiness) draining() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.drained
}

// sidePort serves the node's HTTP endpoints from a status function, which
// keeps it testable without a cluster.
type sidePort struct {
	status func() status
	ready  *readiness
	vars   *expvar.Map // this node's variables; never published globally
	rpcs   *rpcCounts  // Raft RPCs by method, for /metrics; nil reports none
}

func newSidePort(status func() status, ready *readiness) *sidePort {
	return &sidePort{status: status, ready: ready, vars: new(expvar.Map).Init()}
}

func (p *sidePort) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok") // the process is up and serving HTTP
	})
	mux.HandleFunc("GET /readyz", p.readyz)
	mux.HandleFunc("GET /debug/vars", p.debugVars)
	mux.HandleFunc("GET /status", p.statusPage)
	mux.HandleFunc("GET /metrics", p.metrics) // metrics.go
	return mux
}

// isReady is the readiness rule: the node knows a leader (it leads, or one
// has contacted it in the current term), so a request sent here can be
// served or redirected; and it is not shutting down.
func isReady(st status) (bool, string) {
	switch {
	case st.Draining:
		return false, "draining"
	case st.LeaderID < 0:
		return false, "no leader known"
	}
	return true, fmt.Sprintf("ready: leader %d, term %d", st.LeaderID, st.Term)
}

// readyz answers 200 when ready, 503 otherwise. With ?wait=5s it first
// waits up to that long for readiness, waking only on leadership news, so
// a test or a script can wait for a node without sleeping or polling.
func (p *sidePort) readyz(w http.ResponseWriter, r *http.Request) {
	var wait time.Duration
	if s := r.URL.Query().Get("wait"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > maxReadyWait {
			http.Error(w, fmt.Sprintf("bad wait %q: want a duration from 0 to %v, like 5s", s, maxReadyWait), http.StatusBadRequest)
			return
		}
		wait = d
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		// Take the channel before reading the status, so a change between
		// the two still wakes us.
		changed := p.ready.wait()
		st := p.status()
		ok, why := isReady(st)
		if ok {
			fmt.Fprintln(w, why)
			return
		}
		if st.Draining { // it will not become ready again
			http.Error(w, why, http.StatusServiceUnavailable)
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			http.Error(w, why, http.StatusServiceUnavailable)
			return
		case <-r.Context().Done():
			return
		}
	}
}

// debugVars writes the node's expvar map, refreshed from its status. The
// map is the node's own: expvar.Publish would panic on the second node of a
// process, and /debug/vars of the default mux would mix nodes.
func (p *sidePort) debugVars(w http.ResponseWriter, r *http.Request) {
	st := p.status()
	set := func(name string, v int64) {
		i := new(expvar.Int)
		i.Set(v)
		p.vars.Set(name, i)
	}
	role := new(expvar.String)
	role.Set(st.Role.String())
	p.vars.Set("role", role)
	set("id", int64(st.ID))
	set("term", int64(st.Term))
	set("leader", int64(st.LeaderID))
	set("commit_index", int64(st.CommitIndex))
	set("applied", int64(st.AppliedKV))
	set("last_index", int64(st.LastIndex))
	set("snapshot_index", int64(st.SnapIndex))
	set("log_bytes", int64(st.LogBytes))
	set("snapshot_bytes", int64(st.SnapshotBytes))
	set("keys", int64(st.Keys))
	set("leases", int64(st.Leases))
	set("revision", st.Revision)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprintln(w, p.vars.String())
}

func (p *sidePort) statusPage(w http.ResponseWriter, r *http.Request) {
	st := p.status()
	ready, _ := isReady(st)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(statusJSON{
		ID: st.ID, Role: st.Role.String(), Term: st.Term, LeaderID: st.LeaderID,
		CommitIndex: st.CommitIndex, LastApplied: st.AppliedKV, LastIndex: st.LastIndex,
		SnapIndex: st.SnapIndex, LogBytes: st.LogBytes, SnapshotBytes: st.SnapshotBytes,
		Keys: st.Keys, Leases: st.Leases, Revision: st.Revision, Ready: ready, Draining: st.Draining,
	})
}
