// Package queue is a small replicated message broker on pkg/raft: topics
// split into partitions, consumed as a stream by consumer groups (Kafka,
// NATS JetStream) or as a work queue by competing consumers (RabbitMQ,
// SQS), both on the same storage.
//
// # Why asynchronous messaging
//
// A synchronous call couples the caller to the callee: both must be up at
// once, the slower sets the pace, and a burst on one side is a burst on the
// other. A broker in between lets the producer hand work off and move on;
// consumers take it at their own pace, scale out by adding members, and
// catch up after an outage from where they stopped. The price is a new
// component that must not lose what it acknowledged, and delivery
// semantics that the application has to understand.
//
// # Who talks to whom
//
//	Producer ──Queue.Produce──▶ leader ──Start──▶ raft.Node ──AppendEntries──▶ followers
//	Consumer ──Queue.Fetch / Receive──▶ leader (long poll, woken by the apply loop)
//	   every replica: ApplyMsg ──▶ state machine (topics, groups, leases)
//
// A [Client] sends each request to the broker it believes leads and
// follows leader hints. Writes (Produce, Commit, JoinGroup, Heartbeat,
// LeaveGroup, Receive, Ack, Nack, CreateTopic) are commands in the Raft log;
// Fetch and Lag read the leader's applied state, which holds only
// committed messages.
//
// # Two styles on one storage
//
// Stream. A message's key picks its partition (FNV-1a of the key modulo the
// partition count), so the messages of one key keep their order. A consumer
// group ([Consumer]) splits the partitions among its members, each owned by
// one member at a time; members heartbeat, and a join, a leave or a missed
// heartbeat starts a new generation with a new assignment. The group
// commits offsets; anyone may also read any partition from any offset
// (replay). Commits and fenced fetches carry the generation, so a member
// that missed a rebalance cannot read or commit partitions it lost.
//
// Work queue. [Client.Receive] leases messages for a visibility timeout;
// [Client.Ack] finishes one, [Client.Nack] or an expired lease makes it
// available again, and after MaxDeliveries deliveries it moves to the
// dead-letter topic "<topic>.dlq" with the reason in its headers.
//
// # Delivery guarantees
//
// Produce is acknowledged only once its batch is committed, that is stored
// by a majority, so killing the leader never loses an acknowledged message.
// A producer may retry after a lost reply: batches carry the client's
// producer ID and a sequence number, and the state machine answers a
// repeat from memory instead of writing it twice.
//
// Consumption is at-least-once, in both styles: a consumer that does the
// work and dies before its commit or ack reaches the log gets the message
// redelivered (to itself or another). Exactly-once effects come from an
// idempotent consumer: give each message an ID (a header), and record the
// IDs processed in the same transaction as the effect; a duplicate finds
// its ID and skips the effect (see the example). Nobody can do better
// without that cooperation: Kafka's "exactly-once" is this idea applied
// to writes back into Kafka.
//
// # Time without clocks
//
// Heartbeat expiry and visibility timeouts are decided by time the leader
// stamps into each command, never by a replica's clock, so every replica
// reaches the same verdict (the pkg/kv pattern). A leader with live group
// members proposes a tick now and then so sessions expire without traffic.
//
// # Backpressure and retention
//
// Each partition may be bounded by count and by bytes ([TopicConfig]).
// When full it either drops its oldest messages (retention) or, with
// DiscardNew, refuses the batch with [ErrTopicFull] so the producer slows
// down. DeleteAcked drops what the work queue has finished. With
// [Config].MaxRaftState set, a server snapshots its state and Raft drops the
// log behind it, so memory is bounded by the topic limits.
//
// # What production brokers do that this does not
//
// Kafka keeps partitions in segment files on disk, serves reads with
// zero-copy sendfile, replicates each partition with its own leader (so
// load spreads over brokers) and supports transactions across partitions.
// NATS JetStream adds subject-based routing, push consumers, per-message
// TTLs and mirrors between clusters. RabbitMQ routes through exchanges,
// supports priorities and per-queue TTLs and dead-letter exchanges. SQS
// scales out without limit, offers FIFO queues with deduplication windows
// and delay queues. Here the whole broker is one Raft group held in memory,
// every read goes to the leader, sessions and producer IDs are never
// forgotten, and there is no authentication.
//
// # Using it
//
//	srv, _ := queue.NewServer(queue.Config{Raft: raft.Config{ID: 1, Peers: peers}, MaxRaftState: 64 << 20})
//	srv.Register(rpcServer) // serves "Queue" and "Raft"
//
//	client := queue.NewClient(map[int]raft.Peer{1: raft.DialPeer(addr1, 2*time.Second), ...}, nil, retry.Policy{})
//	client.CreateTopic(ctx, "orders", queue.TopicConfig{Partitions: 3})
//	p := queue.NewProducer(client, "orders", 1000)
//	p.Send(ctx, queue.Message{Key: "alice", Value: []byte("book")})
//	c, _ := queue.NewConsumer(ctx, client, "billing", "orders", "member-1", 3*time.Second)
//	msgs, _ := c.Poll(ctx, 100, time.Second)
//	c.Commit(ctx)
//
// # Figures
//
// 2 cores, 2026-11-29, in-memory Raft storage, net/rpc over loopback with
// pkg/raft's coalescing codecs, 128-byte messages, 4 partitions keeping
// 65,536 messages each, snapshots every 64 MiB of log, 4 producers, one
// long-polling consumer per partition. Each sender sends one message at a
// time and waits for its commit, so "in flight" is the number of senders:
//
//	go test -run '^$' -bench 'ProduceConsume_(3Nodes|1Node)$' -benchtime 1200000x -count 2 ./pkg/queue
//	go test -run '^$' -bench NoBatching -benchtime 100000x -count 2 ./pkg/queue
//
//	3 nodes,   256 in flight: 164,000-179,000 msgs/s, p50 1.1-1.2 ms, p99 6.4-8 ms
//	3 nodes,   512 in flight: 225,000-289,000 msgs/s, p50 1.5-1.7 ms, p99 7-10 ms
//	3 nodes, 1,024 in flight: 293,000-390,000 msgs/s, p50 2.1-2.3 ms, p99 14.5-16 ms
//	1 node,  1,024 in flight: 536,000-601,000 msgs/s, p50 1.6-1.8 ms, p99 11-12 ms
//	3 nodes, no batching, 1,024 in flight: 11,300-11,600 msgs/s, p99 136-143 ms
//
// Latency: the time from Send to the consumer fetching the message. The
// target was 200,000 msgs/s replicated; it is met from 512 messages in
// flight. Below that the broker is not busy but waiting: each producer
// keeps one batch in flight (its sequence numbers demand it), so by
// Little's law throughput is what is in flight over the round trip, and a
// round trip is a Produce RPC, a Raft commit, the apply loop and the reply,
// about 1.2 ms here. More in flight fills bigger batches for the same round
// trip, at the price of the latency in the table.
//
// Batching is worth a factor of 15 to 30: a log entry costs a replication
// round whatever its size, and a batch of a hundred messages costs little
// more than one. Replication costs about half: the leader sends every batch
// to two followers, which decode and apply it too, on the same two cores.
//
// Three steps got here from 116,000-136,000 msgs/s (256 in flight, shorter
// runs without snapshots): pkg/raft's codec writes each connection's
// pending messages with one system call instead of one per message;
// snapshots write the messages in the fetch format after a small gob part
// (gob's reflection over every retained message made each replica's apply
// loop stall for about half a second per snapshot, a third of all CPU
// time); and MemoryStorage keeps a snapshot without copying it. Reusing the
// producer's pendings and the machine's decode slice cut allocations from
// 8 to 5 per message. What did not help: two or three batches in flight per
// producer (each with its own producer ID) made batches smaller and round
// trips longer; yielding more than once before sealing a batch; waking
// long polls once per run of applied entries.
//
// # Reading order
//
//  1. message.go: messages and the batch format (wire, log and fetch).
//  2. command.go: what goes into the log, and its encoding.
//  3. machine.go: topics, retention limits, the idempotent producer.
//  4. partition.go: how a partition stores its messages, in chunks.
//  5. groups.go: consumer groups, generations, expiry, lag.
//  6. workqueue.go: leases, redelivery, dead letters.
//  7. server.go and handlers.go: the apply loop, RPC handlers, long polls.
//  8. client.go, producer.go, consumer.go: the client side.
package queue
