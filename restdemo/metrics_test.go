package main

import (
	"bufio"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestMetrics_ParsesBack(t *testing.T) {
	s := newTestServer(t, Config{})
	send(t, s, "POST", "/tasks", `{"title":"a"}`)
	send(t, s, "GET", "/tasks/1", "")
	send(t, s, "GET", "/tasks/1", "")
	send(t, s, "GET", "/tasks/99", "")
	send(t, s, "PATCH", "/tasks/1", "")
	send(t, s, "GET", "/nowhere", "")

	r := send(t, s, "GET", "/metrics", "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: got %d %q", r.status, r.header.Get("Content-Type"))
	}
	got := parseExposition(t, r.body)
	want := map[string]float64{
		`restdemo_http_requests_total{route="POST /tasks",status="201"}`:                   1,
		`restdemo_http_requests_total{route="GET /tasks/{id}",status="200"}`:               2,
		`restdemo_http_requests_total{route="GET /tasks/{id}",status="404"}`:               1,
		`restdemo_http_requests_total{route="/tasks/{id}",status="405"}`:                   1,
		`restdemo_http_requests_total{route="unmatched",status="404"}`:                     1,
		`restdemo_http_request_duration_seconds_count{route="GET /tasks/{id}"}`:            3,
		`restdemo_http_request_duration_seconds_bucket{route="GET /tasks/{id}",le="+Inf"}`: 3,
	}
	for series, v := range want {
		if g, ok := got[series]; !ok || g != v {
			t.Errorf("/metrics %s: got %v (present %v), want %v\n%s", series, g, ok, v, r.body)
		}
	}
	// Buckets are cumulative: never decreasing, ending at the count.
	prev := -1.0
	for _, le := range append(strings.Fields("0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10"), "+Inf") {
		v, ok := got[`restdemo_http_request_duration_seconds_bucket{route="GET /tasks/{id}",le="`+le+`"}`]
		if !ok || v < prev {
			t.Fatalf("bucket le=%s: got %v (present %v) after %v, want a cumulative count", le, v, ok, prev)
		}
		prev = v
	}
}

// The exposition format, line by line: "# HELP name text", "# TYPE name
// kind", and samples "name{label="value",...} number".
var (
	metaLine   = regexp.MustCompile(`^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$`)
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$`)
)

// parseExposition reads Prometheus text back into a map from series (name
// and labels, as written) to value. It fails the test on a line that is
// not valid, and on a sample whose metric has no TYPE line before it, as a
// scraper would.
func parseExposition(t *testing.T, text string) map[string]float64 {
	t.Helper()
	typed := map[string]string{}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := metaLine.FindStringSubmatch(line); m != nil {
			if m[1] == "TYPE" {
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
