// /metrics: the node's numbers in the Prometheus text exposition format,
// beside the JSON of /debug/vars, so a Prometheus server (or anything that
// speaks its format) can scrape a kvnode without an adapter.
//
// The format is simple enough to write with fmt: for each metric a "# HELP"
// line, a "# TYPE" line, then one "name{label="value"} number" line per
// series. A production service would use the official client library,
// github.com/prometheus/client_golang (its promhttp.Handler serves the same
// text, plus the Go runtime's metrics); this toolkit stays on the standard
// library, and the test parses the output back to keep it honest.

package main

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"

	"distkit/pkg/raft"
)

// rpcCounts counts the Raft RPCs a node sent and received, by method. The
// Raft event hook feeds it; the hook must not block, and these are two map
// updates under a mutex nobody holds for long. Safe for concurrent use.
type rpcCounts struct {
	mu       sync.Mutex
	sent     map[string]int64 // by RPC name, e.g. "AppendEntries"
	received map[string]int64
}

func newRPCCounts() *rpcCounts {
	return &rpcCounts{sent: make(map[string]int64), received: make(map[string]int64)}
}

// observe counts e if it is an RPC event.
func (c *rpcCounts) observe(e raft.Event) {
	if c == nil || (e.Kind != raft.EventSend && e.Kind != raft.EventReceive) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.Kind == raft.EventSend {
		c.sent[e.RPC]++
	} else {
		c.received[e.RPC]++
	}
}

// rpcSample is one counter series: a direction, a method, a count.
type rpcSample struct {
	direction, method string
	n                 int64
}

// snapshot returns the counts sorted by direction and method, so the
// output is stable from scrape to scrape.
func (c *rpcCounts) snapshot() []rpcSample {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []rpcSample
	for dir, m := range map[string]map[string]int64{"received": c.received, "sent": c.sent} {
		for method, n := range m {
			out = append(out, rpcSample{dir, method, n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].direction != out[j].direction {
			return out[i].direction < out[j].direction
		}
		return out[i].method < out[j].method
	})
	return out
}

// writeMetrics writes st and the RPC counts in the text exposition format
// (version 0.0.4). Every series carries the node's ID as a label, so the
// series of three nodes stay apart even when one scraper reads them all.
func writeMetrics(w io.Writer, st status, rpcs []rpcSample) {
	node := strconv.Itoa(st.ID)
	gauge := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s{node=%q} %d\n", name, help, name, name, node, v)
	}
	gauge("kvnode_term", "Current Raft term of this node.", int64(st.Term))
	// The role is a label with a 0/1 value per role, the usual way to expose
	// an enum: a query for role="leader" == 1 finds the leader.
	fmt.Fprintf(w, "# HELP kvnode_role Raft role of this node: 1 for the current role, 0 for the others.\n# TYPE kvnode_role gauge\n")
	for _, r := range []raft.Role{raft.Follower, raft.Candidate, raft.Leader} {
		v := 0
		if st.Role == r {
			v = 1
		}
		fmt.Fprintf(w, "kvnode_role{node=%q,role=%q} %d\n", node, r.String(), v)
	}
	gauge("kvnode_leader_id", "Raft ID of the leader this node knows of, -1 if none.", int64(st.LeaderID))
	gauge("kvnode_commit_index", "Highest log index known to be committed.", int64(st.CommitIndex))
	gauge("kvnode_applied_index", "Highest log index applied to the key-value state.", int64(st.AppliedKV))
	gauge("kvnode_last_log_index", "Index of the last entry in this node's log.", int64(st.LastIndex))
	gauge("kvnode_snapshot_index", "Last log index covered by the snapshot.", int64(st.SnapIndex))
	gauge("kvnode_log_bytes", "Size of the log file in bytes.", int64(st.LogBytes))
	gauge("kvnode_keys", "Keys in the key-value state.", int64(st.Keys))
	draining := int64(0)
	if st.Draining {
		draining = 1
	}
	gauge("kvnode_draining", "1 while the node shuts down and refuses new requests.", draining)
	fmt.Fprintf(w, "# HELP kvnode_raft_rpcs_total Raft RPCs sent and received, by method.\n# TYPE kvnode_raft_rpcs_total counter\n")
	for _, s := range rpcs {
		fmt.Fprintf(w, "kvnode_raft_rpcs_total{node=%q,direction=%q,method=%q} %d\n", node, s.direction, s.method, s.n)
	}
}

// metrics serves /metrics.
func (p *sidePort) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	writeMetrics(w, p.status(), p.rpcs.snapshot())
}
