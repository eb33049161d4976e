// The group consumer: a member of a consumer group that heartbeats in the
// background, fetches from the partitions it owns and commits its progress.

package queue

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Consumer is one member of a consumer group (the stream style). It owns
// some partitions of the group's topic at a time, reads them in order from
// the group's committed offsets, and follows rebalances: when the group's
// generation changes it drops every partition and starts over from the
// committed offsets of its new ones. Safe for concurrent use, though one
// goroutine calling Poll and Commit is the usual shape.
type Consumer struct {
	client                *Client
	group, topic, member  string
	session, beatInterval time.Duration

	mu       sync.Mutex
	assign   Assignment
	pos      map[int]int64 // next offset to read, per owned partition
	changed  chan struct{} // closed when the assignment changes
	stopBeat context.CancelFunc
	wg       sync.WaitGroup
}

// NewConsumer joins group as member and heartbeats every session/3 until
// Close, or until ctx ends: a canceled ctx is the member dying without a
// word, and the broker notices when its session runs out.
func NewConsumer(ctx context.Context, client *Client, group, topic, member string, session time.Duration) (*Consumer, error) {
	k := &Consumer{client: client, group: group, topic: topic, member: member, session: session,
		beatInterval: session / 3, changed: make(chan struct{})}
	a, err := client.JoinGroup(ctx, group, topic, member, session)
	if err != nil {
		return nil, err
	}
	k.adopt(a)
	ctx, k.stopBeat = context.WithCancel(ctx)
	k.wg.Add(1)
	go k.heartbeats(ctx)
	return k, nil
}

// Assignment returns the member's current assignment.
func (k *Consumer) Assignment() Assignment {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.assign
}

// Poll returns up to max messages per owned partition, waiting up to wait
// for some. It returns none while the member owns no partition, or when a
// rebalance took a partition away (the next Poll reads the new ones).
func (k *Consumer) Poll(ctx context.Context, max int, wait time.Duration) ([]Message, error) {
	k.mu.Lock()
	gen, from, changed := k.assign.Generation, make(map[int]int64, len(k.pos)), k.changed
	for p, off := range k.pos {
		from[p] = off
	}
	k.mu.Unlock()
	if len(from) == 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-changed:
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return nil, nil
	}
	msgs, err := k.client.fetch(ctx, &Request{Topic: k.topic, Group: k.group, Member: k.member,
		Generation: gen, Max: max, Wait: wait}, from)
	if errors.Is(err, ErrRebalance) || errors.Is(err, ErrUnknownMember) {
		return nil, k.refresh(ctx)
	}
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.assign.Generation != gen {
		return nil, nil // a rebalance happened meanwhile: these are no longer ours
	}
	for _, m := range msgs {
		k.pos[m.Partition] = m.Offset + 1
	}
	return msgs, nil
}

// Commit records the member's position in each owned partition: every
// message Poll returned counts as processed. Call it after processing.
func (k *Consumer) Commit(ctx context.Context) error {
	k.mu.Lock()
	gen, pos := k.assign.Generation, make(map[int]int64, len(k.pos))
	for p, off := range k.pos {
		pos[p] = off
	}
	k.mu.Unlock()
	for p, off := range pos {
		err := k.client.Commit(ctx, k.group, k.member, gen, p, off)
		if errors.Is(err, ErrRebalance) || errors.Is(err, ErrUnknownMember) {
			return errors.Join(err, k.refresh(ctx))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Close stops the heartbeats and leaves the group, so the others take
// over its partitions at once.
func (k *Consumer) Close(ctx context.Context) error {
	k.stopBeat()
	k.wg.Wait()
	return k.client.LeaveGroup(ctx, k.group, k.member)
}

// heartbeats keeps the member alive and picks up rebalances.
func (k *Consumer) heartbeats(ctx context.Context) {
	defer k.wg.Done()
	t := time.NewTicker(k.beatInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		k.refresh(ctx) // an error is retried at the next beat
	}
}

// refresh heartbeats (joining again if the session expired) and adopts
// the assignment the broker returns.
func (k *Consumer) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, k.session)
	defer cancel()
	a, err := k.client.Heartbeat(ctx, k.group, k.member)
	if errors.Is(err, ErrUnknownMember) {
		a, err = k.client.JoinGroup(ctx, k.group, k.topic, k.member, k.session)
	}
	if err != nil {
		return err
	}
	k.adopt(a)
	return nil
}

// adopt switches to a: on a new generation, every position restarts from
// the group's committed offsets.
func (k *Consumer) adopt(a Assignment) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.pos != nil && a.Generation == k.assign.Generation {
		return
	}
	k.assign, k.pos = a, make(map[int]int64, len(a.Partitions))
	for i, p := range a.Partitions {
		if i < len(a.Offsets) {
			k.pos[p] = a.Offsets[i]
		}
	}
	close(k.changed)
	k.changed = make(chan struct{})
}
