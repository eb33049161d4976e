package queue_test

import (
	"context"
	"fmt"
	"net"
	"net/rpc"
	"time"

	"distkit/pkg/queue"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// startBroker runs a one-node broker on 127.0.0.1 and returns a client for
// it and a function that stops everything.
func startBroker() (*queue.Client, func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s, err := queue.NewServer(queue.Config{Raft: raft.Config{ID: 0}})
	if err != nil {
		panic(err)
	}
	srv := rpc.NewServer()
	s.Register(srv)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go srv.ServeConn(conn)
		}
	}()
	peer := raft.DialPeer(l.Addr().String(), 2*time.Second)
	client := queue.NewClient(map[int]raft.Peer{0: peer}, nil, retry.Policy{})
	return client, func() { peer.Close(); l.Close(); s.Stop() }
}

// A stream: produce with keys, then read a partition from offset 0.
func Example_stream() {
	client, stop := startBroker()
	defer stop()
	ctx := context.Background()
	client.CreateTopic(ctx, "orders", queue.TopicConfig{Partitions: 2})
	client.Produce(ctx, "orders",
		queue.Message{Key: "alice", Value: []byte("book")},
		queue.Message{Key: "alice", Value: []byte("pen")})
	p := queue.PartitionFor("alice", 2)
	msgs, _ := client.Fetch(ctx, "orders", map[int]int64{p: 0}, 10, 0)
	for _, m := range msgs {
		fmt.Printf("offset %d: %s bought %s\n", m.Offset, m.Key, m.Value)
	}
	// Output:
	// offset 0: alice bought book
	// offset 1: alice bought pen
}

// A work queue with an idempotent consumer: delivery is at-least-once, so
// the consumer remembers which message IDs it has processed and does the
// work once however often a message arrives.
func Example_idempotentConsumer() {
	client, stop := startBroker()
	defer stop()
	ctx := context.Background()
	client.CreateTopic(ctx, "emails", queue.TopicConfig{})
	client.Produce(ctx, "emails", queue.Message{Value: []byte("welcome bob"), Headers: map[string]string{"id": "e1"}})

	processed := map[string]bool{} // keep it where the effect lives, updated with it
	handle := func(d queue.Delivery) {
		if id := d.Message.Headers["id"]; !processed[id] {
			processed[id] = true
			fmt.Println("sent:", string(d.Message.Value))
		}
	}
	ds, _ := client.Receive(ctx, "emails", "w1", 1, time.Minute, time.Second)
	handle(ds[0])
	client.Nack(ctx, "emails", ds[0].Receipt, "crashed before the ack") // as if the ack was lost
	ds, _ = client.Receive(ctx, "emails", "w2", 1, time.Minute, time.Second)
	handle(ds[0]) // the duplicate: absorbed
	fmt.Println("delivery", ds[0].Receipt.Delivery, "acked:", client.Ack(ctx, "emails", ds[0].Receipt) == nil)
	// Output:
	// sent: welcome bob
	// delivery 2 acked: true
}
