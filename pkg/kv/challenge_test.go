//go:build challenge

package kv

import (
	"context"
	"reflect"
	"testing"
	"testing/synctest"
)

// CHALLENGES.md, "Reads without log entries (ReadIndex)".
func TestChallenge_ReadIndex(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 1, 0)
		defer c.cleanup()
		ctx := context.Background()
		ck := c.clerk()
		if _, err := ck.Put(ctx, "x", "1"); err != nil {
			t.Fatal(err)
		}
		leader := c.servers[c.leader()]
		before := leader.Raft().Status().LastIndex
		for range 20 {
			if v, err := ck.Get(ctx, "x"); err != nil || v.Value != "1" {
				t.Fatalf("Get = %+v, %v; want 1", v, err)
			}
		}
		if after := leader.Raft().Status().LastIndex; after != before {
			t.Fatalf("20 Gets grew the log from index %d to %d; with ReadIndex they add no entries", before, after)
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
