// The scripted tour behind -demo: every feature, shown with real HTTP calls
// and their answers. main runs it over TCP on 127.0.0.1; tour_test.go runs
// the same script over net.Pipe in a synctest bubble and compares the output
// with testdata/tour.golden.

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"distkit/pkg/retry"
	"distkit/restdemo/client"
)

// network is how the tour reaches its servers.
type network struct {
	listen func() (net.Listener, error)                                      // a fresh listener
	dial   func(ctx context.Context, network, addr string) (net.Conn, error) // http.Transport.DialContext
}

// tcpNetwork is real TCP on 127.0.0.1 with ports the kernel picks.
func tcpNetwork() network {
	var d net.Dialer
	return network{
		listen: func() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") },
		dial:   d.DialContext,
	}
}

// The tour's settings: short enough to watch, long enough to see.
const (
	tourTimeout = 1 * time.Second        // the request deadline
	tourDrain   = 300 * time.Millisecond // serving on after readiness turns false
	tourSlow    = 600 * time.Millisecond // the in-flight request during the drain
)

// walker sends requests and prints them with their answers.
type walker struct {
	w    io.Writer
	hc   *http.Client
	base string
}

// keyHeaders are the response headers the tour prints when present.
var keyHeaders = []string{"Location", "ETag", "Link", "Allow", "Retry-After", "Idempotent-Replayed", "X-Request-ID"}

// call sends one request and prints both sides. hdr lists request headers as
// "Name: value" strings, in the order to print them.
func (k *walker) call(method, path, body string, hdr ...string) (*http.Response, error) {
	req, err := http.NewRequest(method, k.base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(k.w, "> %s %s\n", method, path)
	for _, h := range hdr {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Set(name, value)
		fmt.Fprintf(k.w, "> %s\n", h)
	}
	if body != "" {
		fmt.Fprintf(k.w, "> %s\n", abbreviate(body))
	}
	resp, err := k.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(k.w, "< %s\n", resp.Status)
	if resp.StatusCode >= 400 {
		fmt.Fprintf(k.w, "< Content-Type: %s\n", resp.Header.Get("Content-Type"))
	}
	for _, name := range keyHeaders {
		if v := resp.Header.Get(name); v != "" && (name != "X-Request-ID" || req.Header.Get(name) != "") {
			fmt.Fprintf(k.w, "< %s: %s\n", name, v)
		}
	}
	if len(data) > 0 {
		fmt.Fprintf(k.w, "< %s\n", abbreviate(string(bytes.TrimSpace(data))))
	}
	fmt.Fprintln(k.w)
	return resp, nil
}

// want is call, and fails the tour if the status is not the one the script
// expects: the tour doubles as a smoke test.
func (k *walker) want(status int, method, path, body string, hdr ...string) (*http.Response, error) {
	resp, err := k.call(method, path, body, hdr...)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != status {
		return nil, fmt.Errorf("%s %s: got status %d, want %d", method, path, resp.StatusCode, status)
	}
	return resp, nil
}

// abbreviate shortens very long bodies for the screen.
func abbreviate(s string) string {
	if len(s) > 400 {
		return s[:80] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}

// tour plays the script against fresh servers on n and writes it to w.
func tour(w io.Writer, n network) error {
	srv := newServer(Config{InstanceID: "tour", RequestTimeout: tourTimeout, DrainDelay: tourDrain})
	started := make(chan struct{}, 1) // the slow route says it is running
	srv.mux.Handle("GET /tour/slow", srv.api(slowRoute(started)))
	srv.mux.HandleFunc("GET /tour/panic", func(http.ResponseWriter, *http.Request) { panic("the tour's deliberate bug") })
	ln, err := n.listen()
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.run(ctx, ln) }()

	tr := &http.Transport{DialContext: n.dial}
	defer tr.CloseIdleConnections()
	k := &walker{w: w, hc: &http.Client{Transport: tr}, base: "http://" + ln.Addr().String()}
	fmt.Fprintf(w, "restdemo tour: the service listens on %s\n\n", k.base)

	for _, step := range []func(*walker) error{crudAndIdempotency, conditionals, pagination, badInput, failures} {
		if err := step(k); err != nil {
			return err
		}
	}
	if err := rateLimitStep(w, n, tr); err != nil {
		return err
	}
	return drainStep(k, srv, started, stop, done)
}

// slowRoute sleeps for ?d= or until the request's context ends.
func slowRoute(started chan<- struct{}) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, _ := time.ParseDuration(r.URL.Query().Get("d"))
		select {
		case started <- struct{}{}:
		default:
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return writeJSON(w, http.StatusOK, map[string]string{"slept": d.String()})
		case <-r.Context().Done():
			return r.Context().Err()
		}
	}
}

const jsonType = "Content-Type: application/json"

func crudAndIdempotency(k *walker) error {
	fmt.Fprintf(k.w, "== 1. Create, with an Idempotency-Key, then retry it\n\n")
	const body = `{"title":"write the tour","priority":2}`
	if _, err := k.want(201, "POST", "/tasks", body, jsonType, "Idempotency-Key: k-123"); err != nil {
		return err
	}
	fmt.Fprintf(k.w, "-- the answer was lost; the client sends the same request again and gets the same answer:\n")
	if _, err := k.want(201, "POST", "/tasks", body, jsonType, "Idempotency-Key: k-123"); err != nil {
		return err
	}
	fmt.Fprintf(k.w, "-- the same key with a different body is a client bug:\n")
	_, err := k.want(422, "POST", "/tasks", `{"title":"something else"}`, jsonType, "Idempotency-Key: k-123")
	return err
}

func conditionals(k *walker) error {
	fmt.Fprintf(k.w, "== 2. ETags: conditional GET, and updates that cannot lose each other\n\n")
	if _, err := k.want(200, "GET", "/tasks/1", ""); err != nil {
		return err
	}
	fmt.Fprintf(k.w, "-- the client's copy is current; no body is sent:\n")
	if _, err := k.want(304, "GET", "/tasks/1", "", `If-None-Match: "v1"`); err != nil {
		return err
	}
	fmt.Fprintf(k.w, "-- an update must say which version it read:\n")
	const body = `{"title":"write the tour","priority":2,"done":true}`
	if _, err := k.want(428, "PUT", "/tasks/1", body, jsonType); err != nil {
		return err
	}
	if _, err := k.want(200, "PUT", "/tasks/1", body, jsonType, `If-Match: "v1"`); err != nil {
		return err
	}
	fmt.Fprintf(k.w, "-- a second writer who also read v1 is told, instead of overwriting:\n")
	_, err := k.want(412, "PUT", "/tasks/1", `{"title":"mine"}`, jsonType, `If-Match: "v1"`)
	return err
}

func pagination(k *walker) error {
	fmt.Fprintf(k.w, "== 3. Cursor pagination with Link headers\n\n")
	for _, title := range []string{"review the PR", "water the plants", "book the flight"} {
		if _, err := k.want(201, "POST", "/tasks", `{"title":"`+title+`"}`, jsonType); err != nil {
			return err
		}
	}
	resp, err := k.want(200, "GET", "/tasks?limit=2", "")
	if err != nil {
		return err
	}
	next := strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Link"), "<"), `>; rel="next"`)
	fmt.Fprintf(k.w, "-- follow rel=\"next\": the last page has no Link\n")
	if _, err := k.want(200, "GET", next, ""); err != nil {
		return err
	}
	fmt.Fprintf(k.w, "-- delete needs If-Match too:\n")
	if _, err := k.want(204, "DELETE", "/tasks/4", "", `If-Match: "v1"`); err != nil {
		return err
	}
	_, err = k.want(404, "GET", "/tasks/4", "")
	return err
}

func badInput(k *walker) error {
	fmt.Fprintf(k.w, "== 4. Bad input: every mistake gets a precise 4xx problem, never a 500\n\n")
	cases := []struct {
		status             int
		method, path, body string
		hdr                []string
	}{
		{400, "POST", "/tasks", `{"title": "unclosed`, []string{jsonType}},
		{400, "POST", "/tasks", `{"titel":"typo"}`, []string{jsonType}},
		{400, "POST", "/tasks", `{"title":"x","priority":"high"}`, []string{jsonType}},
		{400, "POST", "/tasks", `{"title":"a"}{"title":"b"}`, []string{jsonType}},
		{422, "POST", "/tasks", `{"title":"  ","priority":9}`, []string{jsonType}},
		{413, "POST", "/tasks", `{"title":"` + strings.Repeat("x", 70000) + `"}`, []string{jsonType}},
		{415, "POST", "/tasks", `title=x`, []string{"Content-Type: application/x-www-form-urlencoded"}},
		{400, "GET", "/tasks/abc", "", nil},
		{400, "GET", "/tasks?limit=1000&cursor=bogus", "", nil},
		{405, "PATCH", "/tasks/1", `{"done":false}`, []string{jsonType}},
	}
	for _, c := range cases {
		if _, err := k.want(c.status, c.method, c.path, c.body, c.hdr...); err != nil {
			return err
		}
	}
	return nil
}

func failures(k *walker) error {
	fmt.Fprintf(k.w, "== 5. Our own failures: a handler past its deadline, and a panic\n\n")
	if _, err := k.want(503, "GET", "/tour/slow?d=2s", ""); err != nil {
		return err
	}
	fmt.Fprintf(k.w, "-- recovered; the stack trace goes to the log (discarded in the tour) under the same request ID:\n")
	if _, err := k.want(500, "GET", "/tour/panic", "", "X-Request-ID: tour-panic"); err != nil {
		return err
	}
	fmt.Fprintf(k.w, "-- the server is fine, and counts what happened in its own expvar map:\n")
	_, err := k.want(200, "GET", "/debug/vars", "")
	return err
}

// rateLimitStep uses a second, strict server: one request per second, bursts
// of three.
func rateLimitStep(w io.Writer, n network, tr *http.Transport) error {
	fmt.Fprintf(w, "== 6. Rate limiting, and a client that honours Retry-After\n\n")
	strict := newServer(Config{InstanceID: "strict", RateLimit: 1, RateBurst: 3, DrainDelay: time.Millisecond})
	ln, err := n.listen()
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- strict.run(ctx, ln) }()
	defer func() { stop(); <-done }()

	k := &walker{w: w, hc: &http.Client{Transport: tr}, base: "http://" + ln.Addr().String()}
	fmt.Fprintf(w, "-- a strict instance (1 request/s, bursts of 3) at %s\n", k.base)
	for range 3 {
		if _, err := k.want(200, "GET", "/tasks?limit=1", ""); err != nil {
			return err
		}
	}
	if _, err := k.want(429, "GET", "/tasks?limit=1", ""); err != nil {
		return err
	}
	fmt.Fprintf(w, "-- the typed client (restdemo/client) retries through pkg/retry, waits what Retry-After says,\n")
	fmt.Fprintf(w, "-- and sends the same Idempotency-Key on every attempt:\n")
	c := &client.Client{BaseURL: k.base, HTTP: k.hc, Retry: retry.Policy{
		OnRetry: func(attempt int, err error, delay time.Duration) {
			fmt.Fprintf(w, "client: attempt %d failed (%v); next attempt in %v\n", attempt, err, delay)
		},
	}}
	t, err := c.Create(context.Background(), client.TaskInput{Title: "be patient"}, "k-strict-1")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "client: created task %d, ETag %s\n\n", t.ID, t.ETag)
	return nil
}

// drainStep shows the graceful shutdown: readiness flips, an in-flight
// request completes, then new connections are refused.
func drainStep(k *walker, srv *server, started <-chan struct{}, stop func(), done <-chan error) error {
	fmt.Fprintf(k.w, "== 7. Graceful drain (what Ctrl-C or SIGTERM does)\n\n")
	type answer struct {
		resp *http.Response
		err  error
	}
	select { // forget the signal left by step 5's slow request
	case <-started:
	default:
	}
	slow := make(chan answer, 1)
	var out bytes.Buffer // printed once it is done, so the story stays in order
	go func() {
		inner := &walker{w: &out, hc: k.hc, base: k.base}
		resp, err := inner.want(200, "GET", "/tour/slow?d="+tourSlow.String(), "")
		slow <- answer{resp, err}
	}()
	<-started
	fmt.Fprintf(k.w, "-- a slow request (%v) is in flight; the signal arrives now\n", tourSlow)
	stop()
	<-srv.drained
	fmt.Fprintf(k.w, "-- readiness is false at once, so the load balancer stops sending; the server still answers for %v:\n", tourDrain)
	if _, err := k.want(503, "GET", "/readyz", ""); err != nil {
		return err
	}
	a := <-slow
	if a.err != nil {
		return a.err
	}
	fmt.Fprintf(k.w, "-- Shutdown waited for the in-flight request:\n%s", out.String())
	if err := <-done; err != nil {
		return err
	}
	fmt.Fprintf(k.w, "-- the server has stopped; a new request cannot connect:\n")
	k.hc.CloseIdleConnections()
	_, err := k.call("GET", "/healthz", "")
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		fmt.Fprintf(k.w, "< connection refused\n")
	case err == nil:
		return fmt.Errorf("GET /healthz after shutdown: got an answer, want connection refused")
	default:
		return fmt.Errorf("GET /healthz after shutdown: %w", err)
	}
	return nil
}
