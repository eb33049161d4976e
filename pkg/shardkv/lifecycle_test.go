package shardkv

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/kv"
)

// TestShardKV_DrainFailsNoClient drains a group's leader under a steady
// load of appends: the drained replica turns new requests away, the ones
// in flight finish, leadership moves, and no client sees an error or loses
// an acknowledged append.
func TestShardKV_DrainFailsNoClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, 7, nil, 1)
		defer w.cleanup()
		w.join(1)
		ctx, stop := context.WithCancel(context.Background())
		const clients = 4
		acked := make([][]string, clients)
		var failures []error
		var mu sync.Mutex
		var wg sync.WaitGroup
		for c := range clients {
			ck := w.clerk()
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("key%d", c)
				for i := 0; ctx.Err() == nil; i++ {
					token := fmt.Sprintf("%d.%d;", c, i)
					if _, err := ck.Append(context.Background(), key, token); err != nil {
						mu.Lock()
						failures = append(failures, err)
						mu.Unlock()
						return
					}
					acked[c] = append(acked[c], token)
				}
			}()
		}
		time.Sleep(500 * time.Millisecond)
		leader := -1
		for i, s := range w.groups[1].servers {
			if _, ok := s.Raft().State(); ok {
				leader = i
			}
		}
		if leader == -1 {
			t.Fatal("group 1 has no leader")
		}
		drained := w.groups[1].servers[leader]
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := drained.Drain(dctx); err != nil {
			t.Fatalf("Drain: %v", err)
		}
		if _, ok := drained.Raft().State(); ok {
			t.Fatal("the drained replica still leads")
		}
		var reply kv.Reply
		if err := drained.Put(&kv.Request{Key: "x", Value: "y", ClientID: 1, Seq: 1}, &reply); err != nil || reply.Code != kv.CodeWrongLeader {
			t.Fatalf("a request to the drained replica: code %q, %v; want %q", reply.Code, err, kv.CodeWrongLeader)
		}
		w.crash(w.groups[1], leader) // the operator stops it
		time.Sleep(500 * time.Millisecond)
		stop()
		wg.Wait()
		if len(failures) > 0 {
			t.Fatalf("%d clients failed during the drain, the first with: %v", len(failures), failures[0])
		}
		ck := w.clerk()
		for c := range clients {
			v, err := ck.Get(context.Background(), fmt.Sprintf("key%d", c))
			if want := strings.Join(acked[c], ""); err != nil || v.Value != want {
				t.Fatalf("key%d = %q, %v; want the %d acknowledged appends %q", c, v.Value, err, len(acked[c]), want)
			}
		}
	})
}

// TestShardKV_DrainTurnsRequestsAway: even a replica that still leads (its
// transfer failed: no one to hand over to) refuses new requests once
// draining, rather than taking on work it is about to abandon.
func TestShardKV_DrainTurnsRequestsAway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, 8, nil, 1)
		defer w.cleanup()
		w.join(1)
		g := w.groups[1]
		leader := -1
		for leader == -1 {
			time.Sleep(50 * time.Millisecond)
			for i, s := range g.servers {
				if _, ok := s.Raft().State(); ok {
					leader = i
				}
			}
		}
		for i := range g.servers {
			if i != leader {
				w.crash(g, i)
			}
		}
		s := g.servers[leader]
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.Drain(ctx); err == nil {
			t.Fatal("Drain handed leadership to a crashed replica")
		}
		var reply kv.Reply
		if err := s.Put(&kv.Request{Key: "x", Value: "y", ClientID: 1, Seq: 1}, &reply); err != nil || reply.Code != kv.CodeWrongLeader {
			t.Fatalf("a request to the draining replica: code %q, %v; want %q at once", reply.Code, err, kv.CodeWrongLeader)
		}
	})
}
