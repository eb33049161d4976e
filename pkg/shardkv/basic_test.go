package shardkv

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/shardctl"
)

func TestShardKV_StaticShards(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, 1, nil, 1, 2)
		defer w.cleanup()
		cfg := w.join(1, 2)
		ctx := context.Background()
		ck := w.clerk()
		keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
		for _, k := range keys {
			if _, err := ck.Put(ctx, k, "v-"+k); err != nil {
				t.Fatalf("Put(%q): %v", k, err)
			}
		}
		for _, k := range keys {
			v, err := ck.Get(ctx, k)
			if err != nil || v.Value != "v-"+k {
				t.Fatalf("Get(%q) = %q, %v; want %q", k, v.Value, err, "v-"+k)
			}
		}
		if _, err := ck.Get(ctx, "missing"); !errors.Is(err, kv.ErrNotFound) {
			t.Fatalf("Get(missing): got %v, want kv.ErrNotFound", err)
		}
		// A group asked for a key it does not own says so.
		var other *Server
		for _, s := range w.groups[2].servers {
			if _, ok := s.Raft().State(); ok {
				other = s
			}
		}
		key := ""
		for _, k := range keys {
			if cfg.Shards[shardctl.Key2Shard(k)] == 1 {
				key = k
			}
		}
		if other != nil && key != "" {
			var reply kv.Reply
			if err := other.Get(&kv.Request{Key: key}, &reply); err != nil || reply.Code != CodeWrongGroup {
				t.Fatalf("group 2 Get(%q) owned by group 1: got %q, %v; want %q", key, reply.Code, err, CodeWrongGroup)
			}
		}
		time.Sleep(time.Second)
		synctest.Wait()
	})
}
