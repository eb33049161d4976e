//go:build challenge

package queue

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// CHALLENGES.md, "Message priorities in the work queue".
func TestChallenge_Priorities(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 1, 0)
		defer c.cleanup()
		cl := c.client()
		ctx := context.Background()
		mustCreate(t, cl, "jobs", TopicConfig{})
		if _, err := cl.Produce(ctx, "jobs",
			Message{Value: []byte("low 1")}, Message{Value: []byte("low 2")},
			Message{Value: []byte("urgent"), Headers: map[string]string{"priority": "9"}}); err != nil {
			t.Fatal(err)
		}
		ds, err := cl.Receive(ctx, "jobs", "w", 1, time.Minute, 0)
		if err != nil || len(ds) != 1 {
			t.Fatalf("Receive: %v, %v; want one delivery", ds, err)
		}
		if got := string(ds[0].Message.Value); got != "urgent" {
			t.Fatalf("first delivery %q, want \"urgent\" (header priority=9) ahead of the two without priority", got)
		}
		rest, _ := cl.Receive(ctx, "jobs", "w", 10, time.Minute, 0)
		if len(rest) != 2 || string(rest[0].Message.Value) != "low 1" {
			t.Fatalf("then %v, want low 1 and low 2 in order", rest)
		}
		for _, d := range append(ds, rest...) {
			if err := cl.Ack(ctx, "jobs", d.Receipt); err != nil {
				t.Fatalf("ack %+v: %v", d.Receipt, err)
			}
		}
		if lag, _ := cl.Lag(ctx, "jobs", ""); lag[0].Lag != 0 {
			t.Errorf("after acking everything the work queue lags %+v, want 0", lag)
		}
	})
}

// CHALLENGES.md, "A delay queue".
func TestChallenge_DelayedDelivery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 2, 0)
		defer c.cleanup()
		cl := c.client()
		ctx := context.Background()
		mustCreate(t, cl, "reminders", TopicConfig{})
		if _, err := cl.Produce(ctx, "reminders",
			Message{Value: []byte("later"), Headers: map[string]string{"delay": "500ms"}},
			Message{Value: []byte("now")}); err != nil {
			t.Fatal(err)
		}
		ds, err := cl.Receive(ctx, "reminders", "w", 10, time.Minute, 0)
		if err != nil || len(ds) != 1 || string(ds[0].Message.Value) != "now" {
			t.Fatalf("right after producing, Receive = %v, %v; want only \"now\" (\"later\" has delay=500ms)", ds, err)
		}
		time.Sleep(600 * time.Millisecond)
		ds, err = cl.Receive(ctx, "reminders", "w", 10, time.Minute, 0)
		if err != nil || len(ds) != 1 || string(ds[0].Message.Value) != "later" {
			t.Fatalf("600ms later, Receive = %v, %v; want \"later\"", ds, err)
		}
	})
}
