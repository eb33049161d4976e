package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// TestDrain runs a real http.Server over net.Pipe in a synctest bubble and
// shuts it down while a request is in flight. The drain delay (5s) and the
// slow request take no real time.
func TestDrain(t *testing.T) {
	tests := []struct {
		name        string
		slow        time.Duration // the in-flight request
		wantSlow    int           // its status; 0 means it was cut off
		wantRunErr  bool          // Shutdown gave up
		wantRunTime time.Duration // from the signal to run's return, at least
	}{
		{"in-flight request finishes during the drain delay", 2 * time.Second, 200, false, 5 * time.Second},
		{"in-flight request finishes during Shutdown", 8 * time.Second, 200, false, 8 * time.Second},
		{"in-flight request outlives the shutdown timeout", 30 * time.Second, 0, true, 15 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testDrain(t, tc.slow, tc.wantSlow, tc.wantRunErr, tc.wantRunTime) })
		})
	}
}

func testDrain(t *testing.T, slow time.Duration, wantSlow int, wantRunErr bool, wantRunTime time.Duration) {
	pn := newPipeNet()
	s := newTestServer(t, Config{DrainDelay: 5 * time.Second, ShutdownTimeout: 10 * time.Second, RequestTimeout: time.Minute, Now: time.Now})
	started := make(chan struct{}, 1)
	s.mux.Handle("GET /slow", s.api(slowRoute(started)))
	ln, _ := pn.listen()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.run(ctx, ln) }()
	tr := &http.Transport{DialContext: pn.DialContext}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	base := "http://" + ln.Addr().String()
	get := func(path string) (int, error) {
		resp, err := hc.Get(base + path)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}

	synctest.Wait() // run is serving and waiting for ctx
	if code, err := get("/readyz"); code != 200 {
		t.Fatalf("readyz while serving: got %d %v, want 200", code, err)
	}
	slowDone := make(chan int, 1)
	go func() {
		code, _ := get("/slow?d=" + slow.String())
		slowDone <- code
	}()
	<-started
	signal := time.Now()
	stop() // SIGTERM
	<-s.drained

	// Draining: readiness is false, but the server still serves.
	if code, err := get("/readyz"); code != 503 {
		t.Errorf("readyz while draining: got %d %v, want 503", code, err)
	}
	if code, err := get("/healthz"); code != 200 {
		t.Errorf("healthz while draining: got %d %v, want 200 (liveness stays up)", code, err)
	}

	// After the drain delay, Shutdown closes the listener: new
	// connections are refused, in-flight requests go on.
	time.Sleep(5*time.Second - time.Since(signal))
	synctest.Wait()
	tr.CloseIdleConnections()
	if _, err := get("/healthz"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("new request after the drain delay: got error %v, want connection refused", err)
	}

	if code := <-slowDone; code != wantSlow {
		t.Errorf("in-flight %v request: got status %d, want %d", slow, code, wantSlow)
	}
	err := <-done
	if (err != nil) != wantRunErr {
		t.Errorf("run: got %v, want error %v", err, wantRunErr)
	}
	if took := time.Since(signal); took < wantRunTime {
		t.Errorf("run returned %v after the signal, want at least %v", took, wantRunTime)
	}
}
