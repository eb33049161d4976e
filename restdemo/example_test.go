package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// Create a task, read it back, and update it with the ETag from the read.
// The server runs behind httptest.NewServer with a fixed clock, so the
// output is the same every run.
func Example() {
	srv := newServer(Config{InstanceID: "ex", Now: func() time.Time { return time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC) }})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	do := func(method, path, body string, hdr ...string) {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for _, h := range hdr {
			name, value, _ := strings.Cut(h, ": ")
			req.Header.Set(name, value)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Printf("%s %s -> %s ETag=%s\n%s", method, path, resp.Status, resp.Header.Get("ETag"), b)
	}
	do("POST", "/tasks", `{"title":"read the RFC"}`)
	do("PUT", "/tasks/1", `{"title":"read RFC 9457","done":true}`, `If-Match: "v1"`)
	do("PUT", "/tasks/1", `{"title":"too late"}`, `If-Match: "v1"`)
	// Output:
	// POST /tasks -> 201 Created ETag="v1"
	// {"id":1,"title":"read the RFC","done":false,"priority":3,"version":1,"created_at":"2026-11-29T09:00:00Z","updated_at":"2026-11-29T09:00:00Z"}
	// PUT /tasks/1 -> 200 OK ETag="v2"
	// {"id":1,"title":"read RFC 9457","done":true,"priority":3,"version":2,"created_at":"2026-11-29T09:00:00Z","updated_at":"2026-11-29T09:00:00Z"}
	// PUT /tasks/1 -> 412 Precondition Failed ETag=
	// {"type":"https://distkit.example/problems/precondition-failed","title":"Precondition Failed","status":412,"detail":"the task has changed: its current ETag is \"v2\"; fetch it again and reapply your change","instance":"/tasks/1","request_id":"ex-3"}
}
