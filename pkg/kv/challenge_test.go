//go:build challenge

package kv

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"distkit/pkg/raft"
)

// CHALLENGES.md, "Lease reads: no round at all while the lease lasts".
func TestChallenge_LeaseRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var appends atomic.Int64 // AppendEntries sent by any node
		c := newClusterConfig(t, 3, 1, func(cfg *Config) {
			cfg.Raft.OnEvent = func(e raft.Event) {
				if e.Kind == raft.EventSend && e.RPC == "AppendEntries" {
					appends.Add(1)
				}
			}
		})
		defer c.cleanup()
		ctx := context.Background()
		ck := c.clerk()
		if _, err := ck.Put(ctx, "x", "1"); err != nil {
			t.Fatal(err)
		}
		// One read to find the leader and take the lease, then settle.
		if _, err := ck.Get(ctx, "x"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		before := appends.Load()
		// The network has no delay here, so no virtual time passes during
		// the reads: no heartbeat is due, and every AppendEntries counted
		// is a confirmation round.
		const reads = 20
		for range reads {
			if v, err := ck.Get(ctx, "x"); err != nil || v.Value != "1" {
				t.Fatalf("Get = %+v, %v; want 1", v, err)
			}
		}
		synctest.Wait()
		if sent := appends.Load() - before; sent >= reads {
			t.Fatalf("%d Gets sent %d AppendEntries, a round each; with a lease they send none", reads, sent)
		}
	})
}

// CHALLENGES.md, "Each key's own revision".
func TestChallenge_ModRevision(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 2, 0)
		defer c.cleanup()
		ctx := context.Background()
		ck := c.clerk()
		first, err := ck.Put(ctx, "k", "v")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ck.Put(ctx, "other", "w"); err != nil {
			t.Fatal(err)
		}
		got, err := ck.Get(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		field := reflect.ValueOf(got).FieldByName("ModRevision")
		if !field.IsValid() {
			t.Fatal("kv.Value has no ModRevision field yet: see CHALLENGES.md")
		}
		if mod := field.Int(); mod != first.Revision {
			t.Fatalf("Get(k).ModRevision = %d, want %d, the revision of the Put that last wrote k", mod, first.Revision)
		}
	})
}
