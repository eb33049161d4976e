// The network controls and the command box: partition, heal, loss and
// delay, and one put through a clerk. Each says on the terminal and the
// page what it did.

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// errNoLeader is what a command fails with when no leader answered in time.
var errNoLeader = errors.New("no leader answered in time")

// partition splits the cluster into groups that cannot reach each other.
func (l *lab) partition(groups [][]int) error {
	if len(groups) == 0 {
		return fmt.Errorf("partition: %w: give at least one group", errBadRequest)
	}
	l.ops.Lock()
	defer l.ops.Unlock()
	if err := l.faults.partition(groups); err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	var sides []string
	for _, g := range l.faults.groups() {
		sides = append(sides, strings.Trim(strings.ReplaceAll(fmt.Sprint(g), " ", ","), "[]"))
	}
	l.hub.say("PARTITION: %s cannot reach each other", strings.Join(sides, " | "))
	return nil
}

// heal reconnects every node.
func (l *lab) heal() {
	l.ops.Lock()
	defer l.ops.Unlock()
	l.faults.heal()
	l.hub.say("network healed: every node can reach every other")
}

// setFaults sets the message loss rate (each request and each reply is
// lost with this probability) and an extra delay on every message.
func (l *lab) setFaults(loss float64, delay time.Duration) error {
	if loss < 0 || loss > 1 || delay < 0 || delay > 2*time.Second {
		return fmt.Errorf("faults loss=%v delay=%v: %w (loss 0 to 1, delay 0 to 2000ms)", loss, delay, errBadRequest)
	}
	l.ops.Lock()
	defer l.ops.Unlock()
	l.faults.set(loss, delay)
	if loss == 0 && delay == 0 {
		l.hub.say("network reliable again: no loss, no extra delay")
	} else {
		l.hub.say("network faults: %.0f%% of messages lost, %v extra delay on each", loss*100, delay)
	}
	return nil
}

// put writes key=value through a clerk, as a client of the cluster would,
// and returns once a leader has applied it.
func (l *lab) put(ctx context.Context, key, value string) (kv.Value, error) {
	if key == "" {
		return kv.Value{}, fmt.Errorf("put: %w: empty key", errBadRequest)
	}
	ck, done := l.newClerk()
	defer done()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second*time.Duration(l.slowdownNow()))
	defer cancel()
	v, err := ck.Put(ctx, key, value)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("put %q: %w (%v)", key, errNoLeader, err)
		}
		l.hub.say("put %s=%s failed: %v", key, value, err)
		return kv.Value{}, err
	}
	l.hub.say("put %s=%s committed: revision %d, version %d of %s", key, value, v.Revision, v.Version, key)
	return v, nil
}

// get reads key through a clerk, as any Get: served by the leader with
// ReadIndex (pkg/kv, read.go).
func (l *lab) get(ctx context.Context, key string) (kv.Value, error) {
	ck, done := l.newClerk()
	defer done()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second*time.Duration(l.slowdownNow()))
	defer cancel()
	v, err := ck.Get(ctx, key)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("get %q: %w (%v)", key, errNoLeader, err)
	}
	return v, err
}

// newClerk returns a clerk with its own connections to every server (a
// random client ID, so it never passes for another clerk), and the
// function that closes them.
func (l *lab) newClerk() (*kv.Clerk, func()) {
	s := time.Duration(l.slowdownNow())
	servers := map[int]raft.Peer{}
	var peers []*raft.RPCPeer
	for _, m := range l.members {
		inner := raft.DialPeerWith(m.addr, peerTimeout*s, l.cfg.net.dial)
		peers = append(peers, inner)
		servers[m.id] = &clientPeer{faults: l.faults, inner: inner}
	}
	return kv.NewClerk(servers, nil, retry.Policy{}), func() {
		for _, p := range peers {
			p.Close()
		}
	}
}
