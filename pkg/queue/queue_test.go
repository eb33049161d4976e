package queue

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
)

func TestProduceFetch_OrderPerKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 1, 0)
		defer c.cleanup()
		cl := c.client()
		mustCreate(t, cl, "orders", TopicConfig{Partitions: 4})
		ctx := context.Background()
		for i := range 20 {
			var batch []Message
			for k := range 5 {
				batch = append(batch, Message{Key: fmt.Sprintf("user%d", k), Value: fmt.Appendf(nil, "%d", i)})
			}
			if _, err := cl.Produce(ctx, "orders", batch...); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]int{}
		for _, m := range readAll(t, cl, "orders", 4) {
			if p := PartitionFor(m.Key, 4); p != m.Partition {
				t.Errorf("key %q in partition %d, want %d", m.Key, m.Partition, p)
			}
			var n int
			fmt.Sscan(string(m.Value), &n)
			if n != seen[m.Key] {
				t.Errorf("key %q: got value %d, want %d (order per key broken)", m.Key, n, seen[m.Key])
			}
			seen[m.Key] = n + 1
		}
		for k := range 5 {
			if got := seen[fmt.Sprintf("user%d", k)]; got != 20 {
				t.Errorf("key user%d: read %d messages, want 20", k, got)
			}
		}
	})
}
