// The work queue: the competing-consumers style (RabbitMQ, SQS), on the
// same partitions the stream style reads.
//
// Receive leases messages: each goes to one consumer for a visibility
// timeout, measured on the machine's clock (log time). Ack ends the lease
// and finishes the message; Nack, or a lease that runs out, makes it
// available again. Each message counts its deliveries, and one delivered
// MaxDeliveries times without an ack is a poison message: it moves to the
// dead-letter topic with the reason, instead of blocking the queue forever.
//
// Delivery is at-least-once. A consumer that crashes after doing the work
// but before its ack reaches the log will see the message handed to
// someone else, who does the work again. Exactly-once effects need an
// idempotent consumer on top (see doc.go).

package queue

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Delivery is a message handed out by Receive, with the receipt that
// acknowledges it.
type Delivery struct {
	Message Message
	Receipt Receipt
}

// Receipt names one delivery of one message. Ack and Nack take it; a
// receipt of an earlier delivery of a redelivered message is refused with
// ErrLeaseExpired, so a slow consumer cannot ack someone else's lease.
type Receipt struct {
	Partition int
	Offset    int64
	Delivery  int // 1 for the first delivery, 2 for the first redelivery, ...
}

// delivery is the work queue's record of a message delivered and not yet
// acknowledged.
type delivery struct {
	Count  int    // deliveries so far
	Member string // the consumer holding the current lease
	Expiry int64  // lease end on the machine's clock; 0 after a Nack: ready now
	Reason string // the last Nack's reason
}

// receive leases up to c.Max messages to c.Member for c.Duration:
// redeliveries first (oldest offset first), then messages never delivered.
func (m *machine) receive(c command) Result {
	t := m.Topics[c.Topic]
	if t == nil {
		return Result{Code: CodeUnknownTopic, Detail: c.Topic}
	}
	if c.Max < 1 || c.Duration <= 0 || c.Member == "" {
		return Result{Code: CodeInvalid, Detail: "receive needs a consumer, a positive max and a visibility timeout"}
	}
	var r Result
	for _, p := range t.Parts {
		for _, off := range p.ready(m.Now) {
			if int64(len(r.Deliveries)) == c.Max {
				break
			}
			d := p.Pending[off]
			if d.Count >= t.Config.MaxDeliveries {
				reason := d.Reason
				if reason == "" {
					reason = "lease expired without an ack"
				}
				m.deadLetter(c.Topic, p, off, fmt.Sprintf("%s (after %d deliveries)", reason, d.Count))
				continue
			}
			r.Deliveries = append(r.Deliveries, p.lease(off, d, c))
		}
		for p.Next < p.end() && int64(len(r.Deliveries)) < c.Max {
			d := &delivery{}
			p.Pending[p.Next] = d
			r.Deliveries = append(r.Deliveries, p.lease(p.Next, d, c))
			p.Next++
		}
		p.enforceLimits(t.Config)
	}
	for _, p := range t.Parts {
		for _, d := range p.Pending {
			if d.Expiry > 0 && (r.NextExpiry == 0 || d.Expiry < r.NextExpiry) {
				r.NextExpiry = d.Expiry
			}
		}
	}
	return r
}

// ready lists the offsets whose lease has ended, in order.
func (p *partition) ready(now int64) []int64 {
	var offs []int64
	for off, d := range p.Pending {
		if d.Expiry <= now {
			offs = append(offs, off)
		}
	}
	slices.Sort(offs) // map order is random; replicas must agree
	return offs
}

// lease hands the message at off to the receiving consumer.
func (p *partition) lease(off int64, d *delivery, c command) Delivery {
	d.Count++
	d.Member, d.Expiry = c.Member, c.Now+c.Duration
	msg := *p.at(off)
	return Delivery{Message: msg, Receipt: Receipt{Partition: msg.Partition, Offset: off, Delivery: d.Count}}
}

// ack finishes a delivery. Acking a message already finished succeeds (a
// retried Ack must not fail); acking a lease that ran out does not, since
// the message may already be in someone else's hands.
func (m *machine) ack(c command) Result {
	t, p, d, r := m.delivery(c)
	if p == nil || d == nil {
		return r
	}
	delete(p.Pending, c.Offset)
	p.enforceLimits(t.Config)
	return Result{}
}

// nack gives a delivery back: it is redelivered at once, or dead-lettered
// if it has used up its deliveries.
func (m *machine) nack(c command) Result {
	t, p, d, r := m.delivery(c)
	if p == nil || d == nil {
		return r
	}
	d.Reason = c.Reason
	if d.Count >= t.Config.MaxDeliveries {
		m.deadLetter(c.Topic, p, c.Offset, fmt.Sprintf("%s (after %d deliveries)", c.Reason, d.Count))
		p.enforceLimits(t.Config)
	} else {
		d.Expiry = 0
	}
	m.touched[c.Topic] = true // wake waiting receivers
	return Result{}
}

// delivery finds the live lease an Ack or Nack names. It returns a nil
// partition or delivery with the result to answer when there is none.
func (m *machine) delivery(c command) (*topic, *partition, *delivery, Result) {
	t := m.Topics[c.Topic]
	if t == nil {
		return nil, nil, nil, Result{Code: CodeUnknownTopic, Detail: c.Topic}
	}
	if c.Partition < 0 || c.Partition >= int64(len(t.Parts)) {
		return nil, nil, nil, Result{Code: CodeInvalid, Detail: fmt.Sprintf("no partition %d", c.Partition)}
	}
	p := t.Parts[c.Partition]
	d := p.Pending[c.Offset]
	switch {
	case d == nil && c.Offset < p.Next:
		return t, p, nil, Result{} // already acknowledged or dead-lettered
	case d == nil:
		return t, nil, nil, Result{Code: CodeInvalid, Detail: fmt.Sprintf("offset %d was never delivered", c.Offset)}
	case int64(d.Count) != c.Delivery || d.Expiry <= m.Now:
		return t, nil, nil, Result{Code: CodeLeaseExpired,
			Detail: fmt.Sprintf("partition %d offset %d delivery %d", c.Partition, c.Offset, c.Delivery)}
	}
	return t, p, d, Result{}
}

// deadLetter moves the message at off to the topic's dead-letter topic,
// with headers saying where it came from and why. A topic without one
// (a dead-letter topic itself) keeps redelivering.
func (m *machine) deadLetter(topicName string, p *partition, off int64, reason string) {
	dlq := m.Topics[topicName+DeadLetterSuffix]
	if dlq == nil {
		return
	}
	msg := *p.at(off)
	h := maps.Clone(msg.Headers)
	if h == nil {
		h = map[string]string{}
	}
	h["dead-letter-reason"] = reason
	h["dead-letter-topic"] = topicName
	h["dead-letter-partition"] = strconv.Itoa(msg.Partition)
	h["dead-letter-offset"] = strconv.FormatInt(off, 10)
	msg.Headers, msg.Partition = h, 0
	dlq.Parts[0].append(msg)
	dlq.Parts[0].enforceLimits(dlq.Config)
	delete(p.Pending, off)
	m.touched[topicName+DeadLetterSuffix] = true
}

// ackFloor is the first offset the work queue has not finished with.
func (p *partition) ackFloor() int64 {
	floor := p.Next
	for off := range p.Pending {
		floor = min(floor, off)
	}
	return floor
}
