package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRequestID(t *testing.T) {
	tests := []struct {
		name, sent, want string
	}{
		{"generated when absent", "", "test-1"},
		{"caller's kept", "abc-123_x.y", "abc-123_x.y"},
		{"unsafe replaced", "abc def", "test-1"},
		{"header injection replaced", "a\r\nX-Evil: 1", "test-1"},
		{"too long replaced", strings.Repeat("a", 65), "test-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seen string
			h := requestID("test")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = requestIDFrom(r.Context())
			}))
			req, _ := http.NewRequest("GET", "/", nil)
			req.Header["X-Request-Id"] = []string{tc.sent}
			rec := newRecorder()
			h.ServeHTTP(rec, req)
			if got := rec.Header().Get("X-Request-ID"); got != tc.want || seen != tc.want {
				t.Errorf("X-Request-ID %q: got header %q and context %q, want %q", tc.sent, got, seen, tc.want)
			}
		})
	}
}

// TestAccessLog checks the log line and the status counters.
func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "took" {
				return slog.Attr{}
			}
			return a
		},
	}))
	s := newTestServer(t, Config{Logger: log})
	send(t, s, "GET", "/tasks/7", "")
	send(t, s, "GET", "/healthz", "")
	want := "level=INFO msg=request id=test-1 method=GET path=/tasks/7 status=404 bytes=164 client=192.0.2.1\n" +
		"level=INFO msg=request id=test-2 method=GET path=/healthz status=200 bytes=16 client=192.0.2.1\n"
	if buf.String() != want {
		t.Errorf("access log:\ngot  %q\nwant %q", buf.String(), want)
	}
	if s.metrics.byClass[4].Value() != 1 || s.metrics.byClass[2].Value() != 1 || s.metrics.requests.Value() != 2 {
		t.Errorf("counters: got %s", s.metrics.vars.String())
	}
}

func TestRecoverPanics(t *testing.T) {
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus int
		wantPanic  any // what escapes recoverPanics
	}{
		{"panic before writing is a 500 problem", func(w http.ResponseWriter, r *http.Request) { panic("boom") }, 500, nil},
		{"panic after writing aborts the response", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			panic("boom")
		}, 200, http.ErrAbortHandler},
		{"ErrAbortHandler passes through", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }, 200, http.ErrAbortHandler},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			m := newMetrics()
			h := requestID("test")(accessLog(log, m)(recoverPanics(log, m)(tc.handler)))
			rec := newRecorder()
			var escaped any
			func() {
				defer func() { escaped = recover() }()
				h.ServeHTTP(rec, httptestRequest("GET", "/"))
			}()
			if escaped != tc.wantPanic || rec.Code != tc.wantStatus {
				t.Fatalf("got status %d and panic %v, want %d and %v", rec.Code, escaped, tc.wantStatus, tc.wantPanic)
			}
			if tc.wantStatus == 500 {
				if !strings.Contains(logs.String(), "msg=panic id=test-1 value=boom stack=") || m.panics.Value() != 1 {
					t.Errorf("panic log: got %q and %d panics counted, want a panic line with the stack, 1 counted", logs.String(), m.panics.Value())
				}
				if !strings.Contains(rec.Body.String(), `"request_id":"test-1"`) {
					t.Errorf("500 body %s lacks the request ID", rec.Body)
				}
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	s := newTestServer(t, Config{RequestTimeout: time.Nanosecond})
	var deadline time.Time
	s.mux.Handle("GET /slow", s.api(func(w http.ResponseWriter, r *http.Request) error {
		deadline, _ = r.Context().Deadline()
		<-r.Context().Done()
		return r.Context().Err()
	}))
	r := send(t, s, "GET", "/slow", "")
	if r.status != 503 || deadline.IsZero() {
		t.Errorf("handler past its deadline: got %d (deadline %v), want 503 with a deadline set", r.status, deadline)
	}
	// The store checks the context too: an expired request does no work.
	if r := send(t, s, "POST", "/tasks", `{"title":"late"}`); r.status != 503 || s.store.count() != 0 {
		t.Errorf("create past the deadline: got %d and %d tasks, want 503 and none", r.status, s.store.count())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.store.get(ctx, 1); err != context.Canceled {
		t.Errorf("store.get with a cancelled context: got %v, want context.Canceled", err)
	}
}

func TestLimitBody(t *testing.T) {
	s := newTestServer(t, Config{MaxBodyBytes: 32})
	tests := []struct {
		body string
		want int
	}{
		{`{"title":"fits"}`, 201},
		{`{"title":"` + strings.Repeat("x", 32) + `"}`, 413},
	}
	for _, tc := range tests {
		if r := send(t, s, "POST", "/tasks", tc.body); r.status != tc.want {
			t.Errorf("POST %d bytes with a 32-byte cap: got %d, want %d", len(tc.body), r.status, tc.want)
		}
		if r := send(t, s, "POST", "/tasks", tc.body, "Idempotency-Key: k"+tc.body); r.status != tc.want {
			t.Errorf("POST %d bytes with a key: got %d, want %d", len(tc.body), r.status, tc.want)
		}
	}
}

func httptestRequest(method, path string) *http.Request {
	req, _ := http.NewRequest(method, path, nil)
	req.RemoteAddr = "192.0.2.1:1234"
	return req
}
