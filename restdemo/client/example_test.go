package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"distkit/pkg/retry"
	"distkit/restdemo/client"
)

// A server that is busy on the first attempt: the client waits what
// Retry-After says and tries again with the same Idempotency-Key.
func ExampleClient_Create() {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("server: %s %s, Idempotency-Key %s\n", r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"))
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":503,"title":"Service Unavailable","detail":"busy"}`)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintln(w, `{"id":1,"title":"ship it","priority":3,"version":1}`)
	}))
	defer srv.Close()

	c := &client.Client{BaseURL: srv.URL, Retry: retry.Policy{
		OnRetry: func(attempt int, err error, delay time.Duration) {
			fmt.Printf("client: attempt %d: %v; retrying in %v\n", attempt, err, delay)
		},
	}}
	t, err := c.Create(context.Background(), client.TaskInput{Title: "ship it"}, "key-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("created task %d %q, ETag %s\n", t.ID, t.Title, t.ETag)
	// Output:
	// server: POST /tasks, Idempotency-Key key-1
	// client: attempt 1: 503 Service Unavailable: busy; retrying in 0s
	// server: POST /tasks, Idempotency-Key key-1
	// created task 1 "ship it", ETag "v1"
}
