package main

import (
	"bufio"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"distkit/pkg/raft"
)

func TestMetrics_ParsesBack(t *testing.T) {
	f, _, h := newFake()
	f.set(func(s *status) {
		s.ID, s.Term, s.Role, s.LeaderID = 1, 7, raft.Leader, 1
		s.CommitIndex, s.AppliedKV, s.LastIndex, s.Keys = 42, 41, 43, 5
	})
	rpcs := newRPCCounts()
	for range 3 {
		rpcs.observe(raft.Event{Kind: raft.EventSend, RPC: "AppendEntries"})
	}
	rpcs.observe(raft.Event{Kind: raft.EventReceive, RPC: "RequestVote"})
	rpcs.observe(raft.Event{Kind: raft.EventCommit}) // not an RPC: ignored
	sp := newSidePort(f.status, newReadiness())
	sp.rpcs = rpcs
	h = sp.handler()

	rec := serve(h, "/metrics")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: got %d %q, want 200 text/plain; version=0.0.4", rec.Code, rec.Header().Get("Content-Type"))
	}
	got := parseExposition(t, rec.Body.String())
	want := map[string]float64{
		`kvnode_term{node="1"}`:                                                      7,
		`kvnode_role{node="1",role="leader"}`:                                        1,
		`kvnode_role{node="1",role="follower"}`:                                      0,
		`kvnode_commit_index{node="1"}`:                                              42,
		`kvnode_applied_index{node="1"}`:                                             41,
		`kvnode_raft_rpcs_total{node="1",direction="sent",method="AppendEntries"}`:   3,
		`kvnode_raft_rpcs_total{node="1",direction="received",method="RequestVote"}`: 1,
	}
	for series, v := range want {
		if g, ok := got[series]; !ok || g != v {
			t.Errorf("/metrics %s: got %v (present %v), want %v", series, g, ok, v)
		}
	}
}

// The exposition format, line by line: "# HELP name text", "# TYPE name
// kind", and samples "name{label="value",...} number".
var (
	metaLine   = regexp.MustCompile(`^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$`)
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$`)
)

// parseExposition reads Prometheus text back into a map from series
// (name and labels, as written) to value. It fails the test on any line
// that is not valid, and on a sample whose metric has no TYPE line before
// it, as a scraper would.
func parseExposition(t *testing.T, text string) map[string]float64 {
	t.Helper()
	typed := map[string]string{}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := metaLine.FindStringSubmatch(line); m != nil {
			if m[1] == "TYPE" {
				switch m[3] {
				case "counter", "gauge", "histogram", "summary", "untyped":
				default:
					t.Fatalf("line %d %q: unknown type %q", n, line, m[3])
				}
				typed[m[2]] = m[3]
			}
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line %d %q is not a valid sample", n, line)
		}
		base := m[1]
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(base, suffix); ok && typed[b] == "histogram" {
				base = b
			}
		}
		if typed[base] == "" {
			t.Fatalf("line %d %q: metric %s has no TYPE line before it", n, line, base)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("line %d %q: value: %v", n, line, err)
		}
		out[m[1]+m[2]] = v
	}
	return out
}
