package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The handler benchmarks run the whole middleware stack in memory, without
// sockets; the wrk figures in doc.go measure it over TCP.
//
//	go test -run XXX -bench . -benchmem ./restdemo

func benchServer(b *testing.B) *server {
	// As in the wrk runs: the access log is formatted and thrown away, and
	// the rate limit is far above the offered load.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := newServer(Config{InstanceID: "bench", Logger: log, RateLimit: 1e12, RateBurst: 1 << 30})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/tasks", strings.NewReader(`{"title":"benchmark me","priority":2}`))
	req.Header.Set("Content-Type", "application/json")
	s.ServeHTTP(rec, req)
	if rec.Code != 201 {
		b.Fatalf("seed task: %d %s", rec.Code, rec.Body)
	}
	return s
}

func BenchmarkBare(b *testing.B) {
	h := http.HandlerFunc(hello)
	req := httptest.NewRequest("GET", "/", nil)
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func BenchmarkGetTask(b *testing.B) {
	s := benchServer(b)
	req := httptest.NewRequest("GET", "/tasks/1", nil)
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkGetTask_Parallel(b *testing.B) {
	s := benchServer(b)
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", "/tasks/1", nil)
		for pb.Next() {
			s.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
}

func BenchmarkCreateTask(b *testing.B) {
	s := benchServer(b)
	for b.Loop() {
		req := httptest.NewRequest("POST", "/tasks", strings.NewReader(`{"title":"benchmark me","priority":2}`))
		req.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func BenchmarkListTasks(b *testing.B) {
	s := benchServer(b)
	for range 20 {
		req := httptest.NewRequest("POST", "/tasks", strings.NewReader(`{"title":"more"}`))
		req.Header.Set("Content-Type", "application/json")
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
	req := httptest.NewRequest("GET", "/tasks?limit=20", nil)
	for b.Loop() {
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// nopWriter is a ResponseWriter that keeps nothing, so the benchmarks
// measure the stack rather than httptest.ResponseRecorder.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// BenchmarkGetTask_Stack is GetTask without the recorder's own cost; compare
// it with BenchmarkBare_Stack for the price of the middleware.
func BenchmarkGetTask_Stack(b *testing.B) {
	s := benchServer(b)
	req := httptest.NewRequest("GET", "/tasks/1", nil)
	w := &nopWriter{h: make(http.Header)}
	for b.Loop() {
		clear(w.h)
		s.ServeHTTP(w, req)
	}
}

func BenchmarkBare_Stack(b *testing.B) {
	h := http.HandlerFunc(hello)
	req := httptest.NewRequest("GET", "/", nil)
	w := &nopWriter{h: make(http.Header)}
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}
