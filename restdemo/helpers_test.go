package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testNow is the clock of servers built by newTestServer, unless a test sets
// its own: a fixed instant, so timestamps in bodies are predictable.
var testNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// newTestServer builds a server whose logs go to the test's output (shown
// only when the test fails), with a fixed clock and a generous rate limit.
func newTestServer(t *testing.T, cfg Config) *server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	if cfg.InstanceID == "" {
		cfg.InstanceID = "test"
	}
	if cfg.RateBurst == 0 {
		cfg.RateBurst = 1000
	}
	return newServer(cfg)
}

// reply is a recorded response.
type reply struct {
	status int
	header http.Header
	body   string
}

// send runs one request through h's whole middleware stack, in memory. hdr
// lists headers as "Name: value".
func send(t *testing.T, h http.Handler, method, path, body string, hdr ...string) reply {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, kv := range hdr {
		name, value, ok := strings.Cut(kv, ": ")
		if !ok {
			t.Fatalf("header %q: want \"Name: value\"", kv)
		}
		if value == "" {
			req.Header.Del(name)
		} else {
			req.Header.Set(name, value)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return reply{rec.Code, rec.Header(), rec.Body.String()}
}

// mustCreate creates a task and returns it.
func mustCreate(t *testing.T, h http.Handler, title string) Task {
	t.Helper()
	r := send(t, h, "POST", "/tasks", `{"title":"`+title+`"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /tasks %q: got status %d, want 201; body %s", title, r.status, r.body)
	}
	var task Task
	if err := json.Unmarshal([]byte(r.body), &task); err != nil {
		t.Fatalf("POST /tasks: decode %q: %v", r.body, err)
	}
	return task
}

// problemOf decodes a problem body, failing the test if it is not one.
func problemOf(t *testing.T, r reply) problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d: got Content-Type %q, want application/problem+json; body %s", r.status, ct, r.body)
	}
	var p problem
	if err := json.Unmarshal([]byte(r.body), &p); err != nil {
		t.Fatalf("decode problem %q: %v", r.body, err)
	}
	if p.Status != r.status {
		t.Errorf("problem status %d, response status %d: want them equal", p.Status, r.status)
	}
	return p
}

// fieldsOf lists a problem's field errors as "field: detail".
func fieldsOf(p problem) []string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Field+": "+f.Detail)
	}
	return out
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// newReadCloser wraps b for http.MaxBytesReader.
func newReadCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
