// /metrics: request counts and a latency histogram per route in the
// Prometheus text exposition format, beside the expvar JSON of /debug/vars.
//
// The format is plain text, so the standard library writes it: a "# HELP"
// and a "# TYPE" line per metric, then one line per series. A histogram is
// a set of cumulative counters, one per bucket's upper bound ("le"), plus
// _sum and _count; a query such as histogram_quantile(0.99, ...) turns them
// into percentiles across every replica. A production service would use
// github.com/prometheus/client_golang (promhttp.Handler), which writes the
// same text and adds the Go runtime's metrics.
//
// Labels are the route pattern the mux matched ("GET /tasks/{id}"), never
// the raw path: one series per task ID would grow without bound.

package main

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// latencyBuckets are the histogram's upper bounds in seconds: Prometheus's
// default buckets, from 5 ms to 10 s.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// promMetrics counts requests by route and status and keeps a latency
// histogram by route. Safe for concurrent use; one short critical section
// per request.
type promMetrics struct {
	mu       sync.Mutex
	requests map[routeStatus]int64 // guarded by mu
	latency  map[string]*histogram // by route; guarded by mu
}

type routeStatus struct {
	route  string
	status int
}

// histogram is one route's latency distribution. counts[i] counts the
// observations in bucket i alone; the cumulative "le" series are summed
// when written.
type histogram struct {
	counts []int64 // len(latencyBuckets)+1: the last is +Inf
	sum    float64 // seconds
	n      int64
}

func newPromMetrics() *promMetrics {
	return &promMetrics{requests: make(map[routeStatus]int64), latency: make(map[string]*histogram)}
}

// observe records one request.
func (m *promMetrics) observe(route string, status int, took time.Duration) {
	secs := took.Seconds()
	b := sort.SearchFloat64s(latencyBuckets, secs) // first bound >= secs: its bucket
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[routeStatus{route, status}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]int64, len(latencyBuckets)+1)}
		m.latency[route] = h
	}
	h.counts[b]++
	h.sum += secs
	h.n++
}

// observe is the middleware that feeds m. It asks mux which pattern the
// request matches (the mux sets Request.Pattern only on the request it is
// handed, which middleware outside it never see).
func observe(m *promMetrics, mux *http.ServeMux) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			tw := &trackingWriter{ResponseWriter: w}
			next.ServeHTTP(tw, r)
			if tw.status == 0 {
				tw.status = http.StatusOK
			}
			_, route := mux.Handler(r)
			if route == "" || route == "/" {
				route = "unmatched"
			}
			m.observe(route, tw.status, time.Since(start))
		})
	}
}

// serve writes every series, sorted, so two scrapes list them in the same
// order.
func (m *promMetrics) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	m.write(w)
}

func (m *promMetrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]routeStatus, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].status < keys[j].status
	})
	fmt.Fprintf(w, "# HELP restdemo_http_requests_total HTTP requests answered, by route and status code.\n")
	fmt.Fprintf(w, "# TYPE restdemo_http_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(w, "restdemo_http_requests_total{route=%q,status=\"%d\"} %d\n", k.route, k.status, m.requests[k])
	}

	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Fprintf(w, "# HELP restdemo_http_request_duration_seconds Time to answer a request, by route.\n")
	fmt.Fprintf(w, "# TYPE restdemo_http_request_duration_seconds histogram\n")
	for _, route := range routes {
		h := m.latency[route]
		var cum int64
		for i, bound := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "restdemo_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", route, strconv.FormatFloat(bound, 'g', -1, 64), cum)
		}
		fmt.Fprintf(w, "restdemo_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", route, h.n)
		fmt.Fprintf(w, "restdemo_http_request_duration_seconds_sum{route=%q} %g\n", route, h.sum)
		fmt.Fprintf(w, "restdemo_http_request_duration_seconds_count{route=%q} %d\n", route, h.n)
	}
}
