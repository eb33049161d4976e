// The work-queue part of the story: a dead worker's lease, a poison
// message, a duplicate delivery absorbed by an idempotent consumer.

package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"distkit/pkg/queue"
)

func workQueue(ctx context.Context, say *narrator, c *cluster) error {
	cl := c.client(20)
	if err := cl.CreateTopic(ctx, "jobs", queue.TopicConfig{MaxDeliveries: 3, DeleteAcked: true}); err != nil {
		return err
	}
	const visibility = 300 * time.Millisecond

	// A worker dies holding a lease.
	if _, err := cl.Produce(ctx, "jobs", queue.Message{Value: []byte("resize photo 1")}); err != nil {
		return err
	}
	got, err := receiveOne(ctx, cl, "worker-1", visibility)
	if err != nil {
		return err
	}
	say.say("worker-1 leased %q for %v, then died without acking", got.Message.Value, visibility)
	workLag(ctx, say, cl)
	got, err = receiveOne(ctx, cl, "worker-2", visibility)
	if err != nil {
		return err
	}
	say.say("worker-2 got %q once the lease ran out (delivery %d); acks it", got.Message.Value, got.Receipt.Delivery)
	if err := cl.Ack(ctx, "jobs", got.Receipt); err != nil {
		return err
	}
	workLag(ctx, say, cl)

	say.step("Step 5. A poison message: every worker fails on it. After 3 deliveries it goes to \"jobs.dlq\".")
	if _, err := cl.Produce(ctx, "jobs", queue.Message{Value: []byte("{not json")}); err != nil {
		return err
	}
	for {
		d, err := receiveOne(ctx, cl, "worker-2", visibility)
		if err != nil {
			return err
		}
		say.say("worker-2: delivery %d of %q fails to parse; nack", d.Receipt.Delivery, d.Message.Value)
		if err := cl.Nack(ctx, "jobs", d.Receipt, "invalid JSON"); err != nil {
			return err
		}
		if d.Receipt.Delivery == 3 {
			break
		}
	}
	dead, err := cl.Fetch(ctx, "jobs.dlq", map[int]int64{0: 0}, 10, 0)
	if err != nil || len(dead) != 1 {
		return fmt.Errorf("dead-letter topic holds %d messages (%v), want 1", len(dead), err)
	}
	say.say("jobs.dlq holds %q, reason %q", dead[0].Value, dead[0].Headers["dead-letter-reason"])

	say.step("Step 6. At-least-once means duplicates: an idempotent consumer makes the effect happen once.")
	if _, err := cl.Produce(ctx, "jobs", queue.Message{Value: []byte("charge order 7: $20"),
		Headers: map[string]string{"id": "charge-7"}}); err != nil {
		return err
	}
	processed := map[string]bool{} // in a real service: a table updated in the same transaction as the effect
	charges := 0
	handle := func(d queue.Delivery) {
		if id := d.Message.Headers["id"]; !processed[id] {
			processed[id] = true
			charges++
		}
	}
	d, err := receiveOne(ctx, cl, "worker-3", visibility)
	if err != nil {
		return err
	}
	handle(d)
	say.say("worker-3 charged the card for %q, then stalled past its lease before acking", d.Message.Value)
	time.Sleep(visibility + 50*time.Millisecond)
	if err := cl.Ack(ctx, "jobs", d.Receipt); !errors.Is(err, queue.ErrLeaseExpired) {
		return fmt.Errorf("late ack: %v, want ErrLeaseExpired", err)
	}
	say.say("worker-3's late ack is refused: lease expired")
	d, err = receiveOne(ctx, cl, "worker-4", visibility)
	if err != nil {
		return err
	}
	handle(d)
	if err := cl.Ack(ctx, "jobs", d.Receipt); err != nil {
		return err
	}
	say.say("worker-4 got it again (delivery %d), found id %q already processed, skipped the charge, acked", d.Receipt.Delivery, d.Message.Headers["id"])
	say.say("2 deliveries, %d charge", charges)
	workLag(ctx, say, cl)
	return nil
}

// receiveOne long-polls until one job arrives.
func receiveOne(ctx context.Context, cl *queue.Client, worker string, visibility time.Duration) (queue.Delivery, error) {
	for ctx.Err() == nil {
		ds, err := cl.Receive(ctx, "jobs", worker, 1, visibility, 400*time.Millisecond)
		if err != nil {
			return queue.Delivery{}, err
		}
		if len(ds) == 1 {
			return ds[0], nil
		}
	}
	return queue.Delivery{}, fmt.Errorf("%s waiting for a job: %w", worker, ctx.Err())
}

func workLag(ctx context.Context, say *narrator, cl *queue.Client) {
	if lag, err := cl.Lag(ctx, "jobs", ""); err == nil {
		say.say("jobs: %d message(s) not yet acked", lag[0].Lag)
	}
}
