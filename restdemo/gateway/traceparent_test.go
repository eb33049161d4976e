package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseTraceparent(t *testing.T) {
	const good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"the specification's example", good, true},
		{"not sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true},
		{"a later version with one more field", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", true},
		{"empty", "", false},
		{"version 00 with a trailing field", good + "-extra", false},
		{"version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
		{"upper-case hex", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false},
		{"all-zero trace ID", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
		{"all-zero span ID", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false},
		{"short trace ID", "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01", false},
		{"wrong separator", "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
		{"not hex", "00-4bf92f3577b34da6a3ce929d0e0e473z-00f067aa0ba902b7-01", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseTraceparent(tc.in)
			if ok != tc.ok {
				t.Fatalf("parseTraceparent(%q): got ok=%v, want %v", tc.in, ok, tc.ok)
			}
			if ok && tc.in[:2] == "00" && got.String() != tc.in {
				t.Errorf("parseTraceparent(%q).String(): got %q, want the input back", tc.in, got.String())
			}
		})
	}
}

// recordingBackend answers {} and keeps the traceparent of every request.
type recordingBackend struct {
	mu   sync.Mutex
	seen []string
}

func (b *recordingBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.seen = append(b.seen, r.Header.Get("traceparent"))
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte("{}\n"))
}

func (b *recordingBackend) last() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seen[len(b.seen)-1]
}

func TestTraceparent_PropagatedToEveryBackend(t *testing.T) {
	catalog, reviews := &recordingBackend{}, &recordingBackend{}
	cs, rs := httptest.NewServer(catalog), httptest.NewServer(reviews)
	defer cs.Close()
	defer rs.Close()
	var logs bytes.Buffer
	var logMu sync.Mutex
	gw := NewGateway([]Part{
		{Name: "catalog", URL: cs.URL, Path: "products", Timeout: time.Second, Required: true},
		{Name: "reviews", URL: rs.URL, Path: "reviews", Timeout: time.Second},
	}, http.DefaultClient, slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil)))
	front := httptest.NewServer(gw.Handler())
	defer front.Close()

	tests := []struct {
		name, incoming string
		wantTrace      string // "" : any valid new trace
	}{
		{"the caller's trace is continued", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"a trace is started when there is none", "", ""},
		{"a malformed header starts a new trace", "00-nonsense-01", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", front.URL+"/products/7", nil)
			if tc.incoming != "" {
				req.Header.Set("traceparent", tc.incoming)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			own, ok := parseTraceparent(resp.Header.Get("traceparent"))
			if !ok {
				t.Fatalf("response traceparent %q: not valid", resp.Header.Get("traceparent"))
			}
			spans := map[string]string{"gateway": own.String()[36:52]}
			if tc.incoming != "" && len(tc.incoming) == 55 {
				spans["caller"] = tc.incoming[36:52]
			}
			for name, b := range map[string]*recordingBackend{"catalog": catalog, "reviews": reviews} {
				got, ok := parseTraceparent(b.last())
				if !ok {
					t.Fatalf("%s received traceparent %q, want a valid one", name, b.last())
				}
				if got.traceID != own.traceID {
					t.Errorf("%s: trace ID %s, want the gateway's %s", name, got.traceIDString(), own.traceIDString())
				}
				span := got.String()[36:52]
				for other, s := range spans {
					if s == span {
						t.Errorf("%s got span ID %s, the same as %s's: want a new span per hop", name, span, other)
					}
				}
				spans[name] = span
			}
			if tc.wantTrace != "" && own.traceIDString() != tc.wantTrace {
				t.Errorf("trace ID: got %s, want the caller's %s", own.traceIDString(), tc.wantTrace)
			}
			logMu.Lock()
			logged := logs.String()
			logMu.Unlock()
			if !strings.Contains(logged, "trace_id="+own.traceIDString()) {
				t.Errorf("the gateway's log does not carry trace_id=%s:\n%s", own.traceIDString(), logged)
			}
		})
	}
}

// lockedWriter serializes writes from the handlers' goroutines.
type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
