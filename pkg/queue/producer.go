// The batching producer: many callers, few log entries.
//
// Each log entry costs a round of AppendEntries and a disk sync (in a real
// deployment), whatever its size, so the producer packs the messages that
// arrive while one batch is in flight into the next: group commit. Under
// light load a batch holds one message and latency is one commit; under
// heavy load batches grow and throughput follows.

package queue

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// Producer sends messages to one topic in batches. Safe for concurrent
// use: call Send from as many goroutines as you like; that is how batches
// fill up.
type Producer struct {
	client   *Client
	topic    string
	maxBatch int
	queue    chan *pending
	pool     sync.Pool // of *pending: a Send allocates nothing in the steady state

	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// pending is one Send waiting for its batch. Once Send has read the result
// from done, nobody else holds the pending any more, and Send puts it back in
// the pool for the next call: under load every message would otherwise
// allocate a pending and a channel, and the collector would chase them.
type pending struct {
	msg  Message
	done chan sendResult // buffered, so the loop never waits for a caller
}

type sendResult struct {
	pos Position
	err error
}

// NewProducer starts a producer for topic. maxBatch caps the messages per
// batch (1 turns batching off; 0 means 1000). Close stops it.
func NewProducer(client *Client, topic string, maxBatch int) *Producer {
	if maxBatch <= 0 {
		maxBatch = 1000
	}
	p := &Producer{client: client, topic: topic, maxBatch: maxBatch, queue: make(chan *pending, maxBatch)}
	p.pool.New = func() any { return &pending{done: make(chan sendResult, 1)} }
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Add(1)
	go p.loop()
	return p
}

// Send writes msg and returns its position once it is committed. If ctx
// ends first, Send returns ctx's error, and msg may or may not be written.
func (p *Producer) Send(ctx context.Context, msg Message) (Position, error) {
	if size := msg.size(); size > MaxMessageBytes {
		return Position{}, fmt.Errorf("queue: send to %q: message of %d bytes: %w", p.topic, size, ErrTooLarge)
	}
	pd := p.pool.Get().(*pending)
	pd.msg = msg
	select {
	case p.queue <- pd:
	case <-ctx.Done():
		p.release(pd)
		return Position{}, ctx.Err()
	case <-p.ctx.Done():
		p.release(pd)
		return Position{}, p.ctx.Err()
	}
	select {
	case r := <-pd.done:
		p.release(pd)
		return r.pos, r.err
	case <-ctx.Done():
		// The loop still holds pd and will answer on pd.done, so pd must
		// not go back to the pool: the collector takes it.
		return Position{}, ctx.Err()
	}
}

// release returns a pending that nobody else holds to the pool, without the
// message, so the pool keeps no key or value alive.
func (p *Producer) release(pd *pending) {
	pd.msg = Message{}
	p.pool.Put(pd)
}

// Close stops the producer. Sends still waiting fail with context.Canceled.
func (p *Producer) Close() {
	p.cancel()
	p.wg.Wait()
}

// loop sends one batch at a time: whatever queued up while the last one
// was in flight, up to maxBatch.
func (p *Producer) loop() {
	defer p.wg.Done()
	batch := make([]*pending, 0, p.maxBatch)
	msgs := make([]Message, 0, p.maxBatch)
	var carry *pending // took from the queue, did not fit the last batch
	for {
		batch, msgs = batch[:0], msgs[:0]
		if carry == nil {
			select {
			case carry = <-p.queue:
			case <-p.ctx.Done():
				return
			}
		}
		batch, carry = append(batch, carry), nil
		size := batch[0].msg.size()
		// When a batch's reply comes back, all its callers wake at once
		// and send their next message at once, but the loop tends to run
		// before most of them had the chance: it would send a batch of a
		// few and leave the rest waiting a whole round for the next one.
		// So when the queue runs dry the loop yields once to let them
		// queue up, and stops only when a yield brought nobody new.
		yielded := false
	fill:
		for len(batch) < p.maxBatch {
			select {
			case pd := <-p.queue:
				yielded = false
				// Stay well inside MaxBatchBytes, whose encoding adds a
				// few bytes per message.
				if size += pd.msg.size() + 64; size > MaxBatchBytes/2 {
					carry = pd
					break fill
				}
				batch = append(batch, pd)
			default:
				if yielded {
					break fill
				}
				runtime.Gosched()
				yielded = true
			}
		}
		for _, pd := range batch {
			msgs = append(msgs, pd.msg)
		}
		positions, err := p.client.Produce(p.ctx, p.topic, msgs...)
		for i, pd := range batch {
			r := sendResult{err: err}
			if err == nil && i < len(positions) {
				r.pos = positions[i]
			}
			pd.done <- r
		}
	}
}
