// The story, step by step.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"distkit/pkg/queue"
)

// story plays the demo on network nw and narrates it to w.
func story(ctx context.Context, w io.Writer, nw network, seed uint64, logger *slog.Logger) error {
	say := &narrator{w: w, start: time.Now()}
	c, err := startCluster(nw, 3, seed, logger)
	if err != nil {
		return err
	}
	defer c.stop()
	fmt.Fprintf(w, "3 brokers on %s, %s, %s (seed %d)\n", c.brokers[0].addr, c.brokers[1].addr, c.brokers[2].addr, seed)

	say.step("Step 1. Three brokers elect a leader; topic \"orders\" gets 3 partitions.")
	admin := c.client(0)
	if err := admin.CreateTopic(ctx, "orders", queue.TopicConfig{Partitions: 3}); err != nil {
		return err
	}
	first, err := waitLeader(ctx, c)
	if err != nil {
		return err
	}
	say.say("broker %d leads; topic \"orders\" created (and \"orders.dlq\" with it)", first.id)

	say.step("Step 2. A consumer group of three, \"billing\": each member owns one partition.")
	var members []*queue.Consumer
	for i := range 3 {
		m, err := queue.NewConsumer(ctx, c.client(1+i), "billing", "orders", fmt.Sprint("billing-", i), 3*time.Second)
		if err != nil {
			return err
		}
		defer m.Close(context.Background())
		members = append(members, m)
	}
	// Wait for every member to see the final, three-member generation.
	if err := settle(ctx, members); err != nil {
		return err
	}
	for i, m := range members {
		say.say("billing-%d owns partition %v (generation %d)", i, m.Assignment().Partitions, m.Assignment().Generation)
	}
	producer := queue.NewProducer(c.client(10), "orders", 100)
	defer producer.Close()
	sent, err := produce(ctx, producer, 0, 30)
	if err != nil {
		return err
	}
	say.say("producer: 30 orders from 5 customers acknowledged (key = customer, so one customer's orders keep their order)")
	if err := printLag(ctx, say, admin, "grows: produced, not yet consumed"); err != nil {
		return err
	}
	if err := consume(ctx, members, sent); err != nil {
		return err
	}
	if err := printLag(ctx, say, admin, "shrinks to zero: consumed and committed"); err != nil {
		return err
	}

	leader := c.leader()
	say.step("Step 3. Kill the leader, broker %d, while the producer is mid-stream.", leader.id)
	acked, err := produce(ctx, producer, 30, 40)
	if err != nil {
		return err
	}
	more := make(chan map[string]queue.Position, 1)
	var produceErr error
	go func() { // 20 more, in flight while the leader dies
		m, err := produce(ctx, producer, 40, 60)
		produceErr = err
		more <- m
	}()
	c.crash(leader)
	say.say("broker %d killed with a batch in flight", leader.id)
	for v, pos := range <-more {
		acked[v] = pos
	}
	if produceErr != nil {
		return produceErr
	}
	next, err := waitLeader(ctx, c)
	if err != nil {
		return err
	}
	say.say("producer: all %d of 30 more messages acknowledged across the failover; broker %d leads now", len(acked), next.id)
	if err := printLag(ctx, say, admin, "grew during the failover"); err != nil {
		return err
	}
	if err := consume(ctx, members, acked); err != nil {
		return err
	}
	say.say("billing read every acknowledged message; none lost")
	if err := printLag(ctx, say, admin, "zero again"); err != nil {
		return err
	}

	say.step("Step 4. A work queue, \"jobs\": competing workers lease messages and ack them.")
	return workQueue(ctx, say, c)
}

// produce sends orders from..to-1 concurrently (so they batch) and returns
// each acknowledged message's position by value.
func produce(ctx context.Context, p *queue.Producer, from, to int) (map[string]queue.Position, error) {
	var mu sync.Mutex
	acked := map[string]queue.Position{}
	var wg sync.WaitGroup
	var firstErr error
	for i := from; i < to; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := fmt.Sprintf("order-%d", i)
			pos, err := p.Send(ctx, queue.Message{Key: fmt.Sprint("customer-", i%5), Value: []byte(v)})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				firstErr = errors.Join(firstErr, err)
				return
			}
			acked[v] = pos
		}()
	}
	wg.Wait()
	return acked, firstErr
}

// consume polls every member until each message in want has been read by
// the member owning its partition, then commits.
func consume(ctx context.Context, members []*queue.Consumer, want map[string]queue.Position) error {
	missing := len(want)
	for missing > 0 {
		if ctx.Err() != nil {
			return fmt.Errorf("consuming: %d messages never arrived: %w", missing, ctx.Err())
		}
		for _, m := range members {
			msgs, err := m.Poll(ctx, 100, 20*time.Millisecond)
			if err != nil {
				continue // a rebalance or a failover: poll again
			}
			for _, msg := range msgs {
				if pos, ok := want[string(msg.Value)]; ok && pos == (queue.Position{Partition: msg.Partition, Offset: msg.Offset}) {
					missing--
					delete(want, string(msg.Value))
				}
			}
		}
	}
	for _, m := range members {
		if err := m.Commit(ctx); err != nil {
			return err
		}
	}
	return nil
}

// settle waits until all members share a generation with one partition each.
func settle(ctx context.Context, members []*queue.Consumer) error {
	for ctx.Err() == nil {
		gen, ok := members[0].Assignment().Generation, true
		for _, m := range members {
			a := m.Assignment()
			ok = ok && a.Generation == gen && len(a.Partitions) == 1
		}
		if ok {
			return nil
		}
		for _, m := range members {
			m.Poll(ctx, 1, 20*time.Millisecond) // a fenced fetch refreshes a stale member
		}
	}
	return fmt.Errorf("group did not settle: %w", ctx.Err())
}

func printLag(ctx context.Context, say *narrator, cl *queue.Client, note string) error {
	lag, err := cl.Lag(ctx, "orders", "billing")
	if err != nil {
		return err
	}
	var parts []string
	for _, l := range lag {
		parts = append(parts, fmt.Sprintf("p%d=%d", l.Partition, l.Lag))
	}
	say.say("lag of billing per partition: %s (%s)", strings.Join(parts, " "), note)
	return nil
}

// waitLeader waits until some live broker leads.
func waitLeader(ctx context.Context, c *cluster) (*broker, error) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for c.leader() == nil {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for a leader: %w", ctx.Err())
		}
	}
	return c.leader(), nil
}
