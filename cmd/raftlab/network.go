// The network between the nodes: how they listen and dial, and the fault
// injector that sits in front of every peer. The dashboard's partition,
// loss, delay and slow-motion controls all end up here.

package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"distkit/pkg/raft"
)

// network is how nodes listen and dial: TCP on 127.0.0.1 when raftlab runs,
// net.Pipe connections when its tests run inside a synctest bubble.
type network struct {
	listen func(addr string) (net.Listener, error)
	dial   raft.Dialer
}

var tcp = network{
	listen: func(addr string) (net.Listener, error) { return net.Listen("tcp", addr) },
	dial: func(addr string, timeout time.Duration) (net.Conn, error) {
		return net.DialTimeout("tcp", addr, timeout)
	},
}

// errPartitioned is what a call across a partition fails with.
var errPartitioned = errors.New("partitioned")

// errLost is what a call whose request or reply was dropped fails with.
var errLost = errors.New("message lost")

// faults holds the misbehaviour the operator asked for. Every Raft
// message passes through judge, so a change applies to the very next
// message. Safe for concurrent use.
type faults struct {
	mu      sync.Mutex
	group   []int // group[id] is node id's side of the partition; all equal when healed
	loss    float64
	delay   time.Duration // added to every message
	wire    time.Duration // labConfig.wire plus the slow-motion delay, so an arrow takes visible time
	rng     *rand.Rand
	nodes   int
	dropped int64
}

func newFaults(nodes int, seed uint64, wire time.Duration) *faults {
	return &faults{group: make([]int, nodes), rng: rand.New(rand.NewPCG(seed, 0xfa)), nodes: nodes, wire: wire}
}

// partition puts each listed group on its own side. Nodes listed nowhere
// are each cut off alone, so "partition 0" isolates node 0 from the rest
// only if the rest are listed too (scripts write "others" for them).
func (f *faults) partition(groups [][]int) error {
	side := make([]int, f.nodes)
	for i := range side {
		side[i] = -1
	}
	for g, members := range groups {
		for _, id := range members {
			if id < 0 || id >= f.nodes {
				return fmt.Errorf("partition: no node %d (nodes are 0 to %d)", id, f.nodes-1)
			}
			if side[id] != -1 {
				return fmt.Errorf("partition: node %d is in two groups", id)
			}
			side[id] = g
		}
	}
	next := len(groups)
	for i := range side {
		if side[i] == -1 {
			side[i] = next
			next++
		}
	}
	f.mu.Lock()
	f.group = side
	f.mu.Unlock()
	return nil
}

// heal reconnects every node.
func (f *faults) heal() {
	f.mu.Lock()
	f.group = make([]int, f.nodes)
	f.mu.Unlock()
}

// groups returns the current sides as lists of node IDs.
func (f *faults) groups() [][]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	byGroup := map[int][]int{}
	order := []int{}
	for id, g := range f.group {
		if _, seen := byGroup[g]; !seen {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], id)
	}
	var out [][]int
	for _, g := range order {
		out = append(out, byGroup[g])
	}
	return out
}

func (f *faults) set(loss float64, delay time.Duration) {
	f.mu.Lock()
	f.loss, f.delay = loss, delay
	f.mu.Unlock()
}

// judge decides the fate of one message from one node to another: refused
// by the partition, lost, or delivered after a delay.
func (f *faults) judge(from, to int) (time.Duration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.group[from] != f.group[to] {
		return 0, fmt.Errorf("node %d to node %d: %w", from, to, errPartitioned)
	}
	if f.loss > 0 && f.rng.Float64() < f.loss {
		f.dropped++
		return 0, fmt.Errorf("node %d to node %d: %w", from, to, errLost)
	}
	return f.delay + f.wire, nil
}

// faultyPeer is node from's view of node to: a real net/rpc peer behind
// the fault injector. It is what raft.Config.Peers holds, so the Raft code
// sees nothing but slow, failing or refused calls, exactly what a real
// network would give it.
type faultyPeer struct {
	from, to int
	faults   *faults
	inner    *raft.RPCPeer
}

// Call delivers the request after the injected delay, unless the partition
// refuses it or the dice lose it; the reply may be lost too, after the
// call took effect, which is the case that makes retries interesting.
func (p *faultyPeer) Call(serviceMethod string, args, reply any) error {
	delay, err := p.faults.judge(p.from, p.to)
	if err != nil {
		return err
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	if err := p.inner.Call(serviceMethod, args, reply); err != nil {
		return err
	}
	if _, err := p.faults.judge(p.to, p.from); err != nil {
		return fmt.Errorf("reply: %w", err)
	}
	return nil
}

// clientPeer is a client's view of a server: the same wire delay as
// between nodes (so a test workload moves virtual time), but no partition
// or loss. Clients stand outside the cluster's network trouble, which is
// how a deposed leader in a minority still hears from them: the stale
// reads of the unsafe mode need that.
type clientPeer struct {
	faults *faults
	inner  *raft.RPCPeer
}

func (p *clientPeer) Call(serviceMethod string, args, reply any) error {
	p.faults.mu.Lock()
	wire := p.faults.wire
	p.faults.mu.Unlock()
	if wire > 0 {
		time.Sleep(wire)
	}
	return p.inner.Call(serviceMethod, args, reply)
}
