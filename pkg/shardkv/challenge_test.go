//go:build challenge

package shardkv

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/shardctl"
)

// CHALLENGES.md, "Acknowledgments that do not block".
func TestChallenge_AcksDoNotBlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, 1, nil, 1, 2, 3)
		defer w.cleanup()
		w.join(1)
		ck := w.clerk()
		ctx := context.Background()
		key := ""
		for i := 0; key == ""; i++ { // a key of shard 15, which moves 1 -> 2 -> 3
			if k := "key" + string(rune('a'+i%26)) + string(rune('a'+i/26)); shardctl.Key2Shard(k) == 15 {
				key = k
			}
		}
		if _, err := ck.Put(ctx, key, "v"); err != nil {
			t.Fatal(err)
		}
		// Cut group 1's leader off from group 2: group 2 can still pull
		// from group 1's followers, but its DeleteShard never reaches
		// the one server that could propose the deletion.
		leader := ""
		for i, s := range w.groups[1].servers {
			if _, ok := s.Raft().State(); ok {
				leader = w.groups[1].names[i]
			}
		}
		for _, n := range w.groups[2].names {
			w.net.Disconnect(leader, n)
		}
		w.join(2)
		time.Sleep(time.Second)
		w.join(3)
		getCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if v, err := ck.Get(getCtx, key); err != nil || v.Value != "v" {
			t.Fatalf("Get(%q) on a shard moving from group 2 to group 3: got %q, %v; want \"v\" "+
				"(group 2 is stuck waiting for group 1's acknowledgment)", key, v.Value, err)
		}
	})
}
