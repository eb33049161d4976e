// The client: one method per RPC. It finds the leader, follows hints and
// retries with pkg/retry (the loop is pkg/kv's clerk loop, copied).

package queue

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// Errors the client returns. Check them with errors.Is.
var (
	ErrUnknownTopic  = errors.New("queue: unknown topic")
	ErrTopicExists   = errors.New("queue: topic already exists")
	ErrUnknownGroup  = errors.New("queue: unknown consumer group")
	ErrUnknownMember = errors.New("queue: unknown group member (left or expired)")
	ErrRebalance     = errors.New("queue: partition not assigned to this member in this generation")
	ErrOutOfRange    = errors.New("queue: offset out of range")
	ErrLeaseExpired  = errors.New("queue: lease expired; the message may be delivered again")
	ErrTooLarge      = errors.New("queue: message or batch too large")
	ErrTopicFull     = errors.New("queue: topic full; slow down and retry")
	ErrInvalid       = errors.New("queue: invalid request")
)

var codeErrors = map[Code]error{
	CodeUnknownTopic: ErrUnknownTopic, CodeTopicExists: ErrTopicExists, CodeUnknownGroup: ErrUnknownGroup,
	CodeUnknownMember: ErrUnknownMember, CodeRebalance: ErrRebalance, CodeOutOfRange: ErrOutOfRange,
	CodeLeaseExpired: ErrLeaseExpired, CodeTooLarge: ErrTooLarge, CodeTopicFull: ErrTopicFull,
	CodeInvalid: ErrInvalid,
}

// Client talks to a broker cluster. Every method retries until some leader
// answers or ctx ends. Safe for concurrent use; Produce calls are
// serialized, because an idempotent producer sends one numbered batch at a
// time (use several clients, or a Producer, for parallel batches).
type Client struct {
	servers    map[int]raft.Peer
	ids        []int
	policy     retry.Policy
	producerID int64

	mu     sync.Mutex
	leader int // the server to try first

	produceMu sync.Mutex // one batch at a time, so Seq orders them
	seq       int64
}

// NewClient returns a client for the cluster whose servers are given by
// Raft ID. Its producer ID is drawn from rng (nil: a random one). policy
// shapes the waits between rounds of attempts; its MaxAttempts is ignored,
// since the client retries until its context ends.
func NewClient(servers map[int]raft.Peer, rng *rand.Rand, policy retry.Policy) *Client {
	c := &Client{servers: servers, policy: policy}
	for id := range servers {
		c.ids = append(c.ids, id)
	}
	slices.Sort(c.ids) // a fixed order, so seeded runs repeat
	if rng == nil {
		rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	c.producerID = rng.Int64N(1<<62) + 1
	c.leader = c.ids[rng.IntN(len(c.ids))]
	c.policy.MaxAttempts = -1
	if c.policy.BaseDelay == 0 {
		c.policy.BaseDelay = 10 * time.Millisecond
	}
	if c.policy.MaxDelay == 0 {
		c.policy.MaxDelay = 200 * time.Millisecond
	}
	return c
}

// CreateTopic creates a topic and its dead-letter topic "<name>.dlq".
func (c *Client) CreateTopic(ctx context.Context, name string, cfg TopicConfig) error {
	_, err := c.call(ctx, "CreateTopic", &Request{Topic: name, Config: cfg})
	return err
}

// Produce writes msgs to topic as one batch and returns once the batch is
// committed (so it survives the loss of any minority of brokers), with
// each message's position. The batch carries the client's producer ID and
// a sequence number, so a retry after a lost reply is not written twice.
// On ErrTopicFull nothing was written.
func (c *Client) Produce(ctx context.Context, topic string, msgs ...Message) ([]Position, error) {
	if len(msgs) > MaxBatchMessages {
		return nil, fmt.Errorf("queue: produce to %q: %d messages: %w", topic, len(msgs), ErrTooLarge)
	}
	for i := range msgs {
		if size := msgs[i].size(); size > MaxMessageBytes {
			return nil, fmt.Errorf("queue: produce to %q: message %d has %d bytes: %w", topic, i, size, ErrTooLarge)
		}
	}
	batch := encodeBatch(msgs)
	if len(batch) > MaxBatchBytes {
		return nil, fmt.Errorf("queue: produce to %q: batch of %d bytes: %w", topic, len(batch), ErrTooLarge)
	}
	c.produceMu.Lock()
	defer c.produceMu.Unlock()
	c.seq++
	r, err := c.call(ctx, "Produce", &Request{Topic: topic, Batch: batch, ProducerID: c.producerID, Seq: c.seq})
	return r.Positions, err
}

// Fetch reads topic from the given offset of each partition (partition ->
// offset) and returns up to max messages per partition, in partition order
// and offset order within each. If there are none yet it waits up to wait
// (keep it below the RPC timeout). An offset that retention dropped reads
// from the oldest kept message.
func (c *Client) Fetch(ctx context.Context, topic string, from map[int]int64, max int, wait time.Duration) ([]Message, error) {
	return c.fetch(ctx, &Request{Topic: topic, Max: max, Wait: wait}, from)
}

func (c *Client) fetch(ctx context.Context, req *Request, from map[int]int64) ([]Message, error) {
	for p := range from {
		req.Partitions = append(req.Partitions, p)
	}
	slices.Sort(req.Partitions)
	for _, p := range req.Partitions {
		req.Offsets = append(req.Offsets, from[p])
	}
	r, err := c.callReply(ctx, "Fetch", req)
	if err != nil {
		return nil, err
	}
	if len(r.Records) != len(req.Partitions) {
		return nil, fmt.Errorf("queue: fetch %q: %d record chunks for %d partitions", req.Topic, len(r.Records), len(req.Partitions))
	}
	var out []Message
	for i, chunk := range r.Records {
		msgs, err := decodeFetched(chunk, req.Partitions[i])
		if err != nil {
			return nil, fmt.Errorf("queue: fetch %q: %w", req.Topic, err)
		}
		out = append(out, msgs...)
	}
	return out, nil
}

// Assignment is a group member's share of the topic in one generation.
type Assignment struct {
	Generation int64
	Partitions []int
	Offsets    []int64 // the group's committed offset of each of Partitions
}

// JoinGroup adds member to group (created on first join), which reads
// topic, and returns the member's assignment. The member must heartbeat
// more often than session, or the broker removes it and rebalances.
func (c *Client) JoinGroup(ctx context.Context, group, topic, member string, session time.Duration) (Assignment, error) {
	r, err := c.call(ctx, "JoinGroup", &Request{Group: group, Topic: topic, Member: member, Timeout: session})
	return Assignment{Generation: r.Generation, Partitions: r.Partitions, Offsets: r.Offsets}, err
}

// Heartbeat keeps member alive and returns its current assignment.
// ErrUnknownMember means the session expired: join again.
func (c *Client) Heartbeat(ctx context.Context, group, member string) (Assignment, error) {
	r, err := c.call(ctx, "Heartbeat", &Request{Group: group, Member: member})
	return Assignment{Generation: r.Generation, Partitions: r.Partitions, Offsets: r.Offsets}, err
}

// LeaveGroup removes member from group now.
func (c *Client) LeaveGroup(ctx context.Context, group, member string) error {
	_, err := c.call(ctx, "LeaveGroup", &Request{Group: group, Member: member})
	return err
}

// Commit records offset (the next message to read) as group's position in
// partition. It fails with ErrRebalance if member does not own partition
// in generation, and with ErrOutOfRange past the partition's end.
func (c *Client) Commit(ctx context.Context, group, member string, generation int64, partition int, offset int64) error {
	_, err := c.call(ctx, "Commit", &Request{Group: group, Member: member, Generation: generation,
		Partition: partition, Offset: offset})
	return err
}

// Receive leases up to max messages of topic's work queue to consumer for
// visibility; it waits up to wait when none is available and may return
// none. Each delivery must be acked before its lease ends.
func (c *Client) Receive(ctx context.Context, topic, consumer string, max int, visibility, wait time.Duration) ([]Delivery, error) {
	r, err := c.call(ctx, "Receive", &Request{Topic: topic, Member: consumer, Max: max, Timeout: visibility, Wait: wait})
	return r.Deliveries, err
}

// Ack finishes a delivery. It fails with ErrLeaseExpired if the lease ran
// out first (the message may be with another consumer by now).
func (c *Client) Ack(ctx context.Context, topic string, r Receipt) error {
	_, err := c.call(ctx, "Ack", &Request{Topic: topic, Receipt: r})
	return err
}

// Nack gives a delivery back for redelivery, recording reason; a message
// out of deliveries goes to the dead-letter topic with reason.
func (c *Client) Nack(ctx context.Context, topic string, r Receipt, reason string) error {
	_, err := c.call(ctx, "Nack", &Request{Topic: topic, Receipt: r, Reason: reason})
	return err
}

// Lag reports how far group is behind on each partition of its topic; with
// group "", how far topic's work queue is behind (unacknowledged messages).
func (c *Client) Lag(ctx context.Context, topic, group string) ([]PartitionLag, error) {
	r, err := c.callReply(ctx, "Lag", &Request{Topic: topic, Group: group})
	return r.Lag, err
}

// call sends one request until a leader answers and maps the outcome to
// an error.
func (c *Client) call(ctx context.Context, method string, req *Request) (Result, error) {
	r, err := c.callReply(ctx, method, req)
	return r.Result, err
}

func (c *Client) callReply(ctx context.Context, method string, req *Request) (Reply, error) {
	var reply Reply
	err := retry.Do(ctx, c.policy, func(ctx context.Context) error {
		// One round: try each server at most once, starting with the one
		// we believe leads, and jump to any leader a server names.
		for tried := 0; tried < len(c.ids); tried++ {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			reply = Reply{}
			leader := c.currentLeader()
			err := c.servers[leader].Call("Queue."+method, req, &reply)
			if err == nil && reply.Code != CodeWrongLeader && reply.Code != CodeTimeout {
				return nil
			}
			// No answer, or not from a leader: the outcome is unknown, so
			// the same request (same Seq for Produce) goes elsewhere.
			next := c.next(leader)
			if _, known := c.servers[reply.LeaderHint]; err == nil && known && reply.LeaderHint != leader {
				next = reply.LeaderHint
			}
			c.setLeader(leader, next)
		}
		return errors.New("no leader answered")
	})
	if err != nil {
		return Reply{}, fmt.Errorf("queue: %s %q: outcome unknown: %w", method, req.Topic+req.Group, err)
	}
	if reply.Code != CodeOK {
		err := codeErrors[reply.Code]
		if err == nil {
			err = errors.New(string(reply.Code))
		}
		return reply, fmt.Errorf("queue: %s %q: %s: %w", method, req.Topic+req.Group, reply.Detail, err)
	}
	return reply, nil
}

func (c *Client) currentLeader() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leader
}

// setLeader moves from old to next, unless another goroutine already moved.
func (c *Client) setLeader(old, next int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.leader == old {
		c.leader = next
	}
}

// next returns the server after id, in a fixed order.
func (c *Client) next(id int) int {
	for i, x := range c.ids {
		if x == id {
			return c.ids[(i+1)%len(c.ids)]
		}
	}
	return c.ids[0]
}
