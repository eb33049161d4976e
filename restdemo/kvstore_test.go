package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/rpc"
	"strings"
	"sync"
	"testing"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
)

// startKVNode runs a one-node kv cluster on a free local port, the way
// kvnode serves it, and returns its -kv-servers value. One node elects
// itself within an election timeout; requests wait for that under their
// context, so the test never sleeps.
func startKVNode(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := kv.NewServer(kv.Config{
		Raft: raft.Config{ID: 1, Peers: map[int]raft.Peer{}, Storage: raft.NewMemoryStorage(),
			ElectionTimeoutMin: 20 * time.Millisecond, ElectionTimeoutMax: 40 * time.Millisecond, HeartbeatInterval: 5 * time.Millisecond},
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	rs := rpc.NewServer()
	if err := srv.Register(rs); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { rs.ServeConn(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
		srv.Stop()
	})
	return "1=" + ln.Addr().String()
}

// TestKVStore_ThroughTheAPI runs the service's requests against a store in
// a kv cluster, and a second replica on the same cluster sees the first
// one's writes: the point of -store kv.
func TestKVStore_ThroughTheAPI(t *testing.T) {
	servers := startKVNode(t)
	open := func() *server {
		st, closeStore, err := openStore("kv", servers, func() time.Time { return testNow })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(closeStore)
		return newTestServer(t, Config{Store: st})
	}
	a, b := open(), open()

	if r := send(t, a, "POST", "/tasks", `{"title":"write the manifests"}`); r.status != 201 || !strings.Contains(r.body, `"id":1`) {
		t.Fatalf("create on replica a: got %d %s, want 201 with id 1", r.status, r.body)
	}
	if r := send(t, b, "POST", "/tasks", `{"title":"roll the cluster"}`); r.status != 201 || !strings.Contains(r.body, `"id":2`) {
		t.Fatalf("create on replica b: got %d %s, want 201 with id 2", r.status, r.body)
	}
	r := send(t, b, "GET", "/tasks/1", "")
	if r.status != 200 || !strings.Contains(r.body, "write the manifests") {
		t.Fatalf("GET /tasks/1 on replica b: got %d %s, want the task replica a created", r.status, r.body)
	}
	etag := r.header.Get("ETag")
	if r := send(t, a, "PUT", "/tasks/1", `{"title":"write the manifests","done":true}`, "If-Match: "+etag); r.status != 200 {
		t.Fatalf("PUT with If-Match %s on replica a: got %d %s, want 200", etag, r.status, r.body)
	}
	// b still holds the old ETag: its update must be refused, not lost.
	if r := send(t, b, "PUT", "/tasks/1", `{"title":"stale"}`, "If-Match: "+etag); r.status != 412 {
		t.Fatalf("PUT with the stale If-Match %s on replica b: got %d %s, want 412", etag, r.status, r.body)
	}
	if r := send(t, a, "GET", "/tasks", ""); r.status != 200 || !strings.Contains(r.body, "roll the cluster") || !strings.Contains(r.body, `"done":true`) {
		t.Fatalf("GET /tasks: got %d %s, want both tasks, the first done", r.status, r.body)
	}
	r = send(t, b, "GET", "/tasks/2", "")
	if r := send(t, b, "DELETE", "/tasks/2", "", "If-Match: "+r.header.Get("ETag")); r.status != 204 {
		t.Fatalf("DELETE /tasks/2: got %d %s, want 204", r.status, r.body)
	}
	if r := send(t, a, "GET", "/tasks/2", ""); r.status != 404 {
		t.Fatalf("GET /tasks/2 after its delete: got %d %s, want 404", r.status, r.body)
	}
	if n := a.store.count(); n != 1 {
		t.Errorf("count after two creates and a delete: got %d, want 1", n)
	}
}

// TestKVStore_ConcurrentCreatesGetDistinctIDs: replicas race for IDs
// through the index's CompareAndSwap; none may hand out the same ID twice.
func TestKVStore_ConcurrentCreatesGetDistinctIDs(t *testing.T) {
	servers := startKVNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const replicas, each = 3, 5
	ids := make(chan int64, replicas*each)
	var wg sync.WaitGroup
	for r := range replicas {
		st, closeStore, err := openStore("kv", servers, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		defer closeStore()
		wg.Go(func() {
			for i := range each {
				task, err := st.create(ctx, taskInput{Title: fmt.Sprintf("r%d.%d", r, i)})
				if err != nil {
					t.Errorf("create: %v", err)
					return
				}
				ids <- task.ID
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("ID %d was handed out twice", id)
		}
		seen[id] = true
	}
	if len(seen) != replicas*each {
		t.Errorf("got %d distinct IDs, want %d", len(seen), replicas*each)
	}
}

func TestOpenStore_BadFlags(t *testing.T) {
	for _, tc := range []struct{ kind, servers, want string }{
		{"disk", "", `-store "disk": want memory or kv`},
		{"kv", "", "needs -kv-servers"},
		{"kv", "one=a:1", "want id=host:port"},
		{"kv", "1=nowhere", "not host:port"},
	} {
		_, _, err := openStore(tc.kind, tc.servers, time.Now)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("openStore(%q, %q): got %v, want an error containing %q", tc.kind, tc.servers, err, tc.want)
		}
	}
	if st, _, err := openStore("memory", "", time.Now); st != nil || err != nil {
		t.Errorf("openStore(memory): got %v, %v, want nil, nil (newServer makes the in-memory store)", st, err)
	}
}
