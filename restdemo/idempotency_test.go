package main

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestIdempotency(t *testing.T) {
	const body = `{"title":"pay the invoice"}`
	tests := []struct {
		name   string
		second string // body of the second request with the same key
		hdr2   []string
		want   int
		// wantSame: the second answer is the first, replayed.
		wantSame bool
		// wantTasks after both requests.
		wantTasks int
	}{
		{"same request is replayed", body, nil, 201, true, 1},
		{"different body is 422", `{"title":"pay twice"}`, nil, 422, false, 1},
		{"different media type is 422", body, []string{"Content-Type: application/json; charset=utf-8"}, 422, false, 1},
		{"another key is another task", body, []string{"Idempotency-Key: other"}, 201, false, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, Config{})
			first := send(t, s, "POST", "/tasks", body, "Idempotency-Key: key-1")
			second := send(t, s, "POST", "/tasks", tc.second, append([]string{"Idempotency-Key: key-1"}, tc.hdr2...)...)
			if second.status != tc.want {
				t.Fatalf("second POST: got %d, want %d; body %s", second.status, tc.want, second.body)
			}
			same := second.body == first.body && second.header.Get("Location") == first.header.Get("Location") &&
				second.header.Get("ETag") == first.header.Get("ETag") && second.header.Get("Idempotent-Replayed") == "true"
			if same != tc.wantSame {
				t.Errorf("second POST replayed the first: got %v, want %v\nfirst  %d %v %s\nsecond %d %v %s",
					same, tc.wantSame, first.status, first.header, first.body, second.status, second.header, second.body)
			}
			if got := s.store.count(); got != tc.wantTasks {
				t.Errorf("got %d tasks, want %d", got, tc.wantTasks)
			}
		})
	}
}

// TestIdempotency_ReplaysErrors: a 4xx is an answer too; the same request
// with the same key gets the same 4xx.
func TestIdempotency_ReplaysErrors(t *testing.T) {
	s := newTestServer(t, Config{})
	first := send(t, s, "POST", "/tasks", `{"title":""}`, "Idempotency-Key: k")
	second := send(t, s, "POST", "/tasks", `{"title":""}`, "Idempotency-Key: k")
	if first.status != 422 || second.status != 422 || second.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("invalid create twice: got %d then %d (replayed %q), want 422 then a replayed 422",
			first.status, second.status, second.header.Get("Idempotent-Replayed"))
	}
}

// TestIdempotency_ServerErrorsAreNotRemembered: after a 5xx the key is free,
// so the retry runs for real.
func TestIdempotency_ServerErrorsAreNotRemembered(t *testing.T) {
	s := newTestServer(t, Config{})
	fail := true
	h := s.idempotent(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail {
			fail = false
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	a := send(t, h, "POST", "/tasks", `{}`, "Idempotency-Key: k")
	b := send(t, h, "POST", "/tasks", `{}`, "Idempotency-Key: k")
	if a.status != 503 || b.status != 201 || b.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("got %d then %d (replayed %q), want 503 then a fresh 201", a.status, b.status, b.header.Get("Idempotent-Replayed"))
	}
}

// TestIdempotency_InFlight: while the first request runs, a second with the
// same key gets 409 instead of running concurrently.
func TestIdempotency_InFlight(t *testing.T) {
	s := newTestServer(t, Config{})
	entered, release := make(chan struct{}), make(chan struct{})
	h := s.idempotent(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.WriteHeader(http.StatusCreated)
	}))
	var wg sync.WaitGroup
	var first reply
	wg.Go(func() { first = send(t, h, "POST", "/tasks", `{}`, "Idempotency-Key: k") })
	<-entered
	second := send(t, h, "POST", "/tasks", `{}`, "Idempotency-Key: k")
	close(release)
	wg.Wait()
	if first.status != 201 || second.status != 409 {
		t.Errorf("concurrent same-key requests: got %d and %d, want 201 and 409", first.status, second.status)
	}
}

func TestIdempotency_BadKey(t *testing.T) {
	s := newTestServer(t, Config{})
	long := make([]byte, 256)
	for i := range long {
		long[i] = 'k'
	}
	if r := send(t, s, "POST", "/tasks", `{"title":"a"}`, "Idempotency-Key: "+string(long)); r.status != 400 {
		t.Errorf("256-byte key: got %d, want 400", r.status)
	}
}

// TestIdemCache_ExpiryAndBound checks both limits on memory: keys expire
// after the TTL, and no more than maxKeys are kept.
func TestIdemCache_ExpiryAndBound(t *testing.T) {
	now := testNow
	c := newIdemCache(time.Hour, 3, func() time.Time { return now })
	fp := [32]byte{1}
	for _, k := range []string{"a", "b", "c", "d"} {
		e, _ := c.begin(k, fp)
		c.finish(e, 201, nil, nil)
	}
	if got := c.keys(); got != 3 {
		t.Errorf("after 4 keys with room for 3: got %d keys, want 3", got)
	}
	if _, out := c.begin("a", fp); out != fresh {
		t.Errorf("oldest key a after eviction: got outcome %d, want fresh", out)
	}
	if _, out := c.begin("d", fp); out != replay {
		t.Errorf("newest key d: got outcome %d, want replay", out)
	}
	now = now.Add(time.Hour)
	if _, out := c.begin("d", fp); out != fresh {
		t.Errorf("key d after the TTL: got outcome %d, want fresh", out)
	}
	if got := c.keys(); got != 1 {
		t.Errorf("after the TTL: got %d keys, want 1 (the one just begun)", got)
	}
}
