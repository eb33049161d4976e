// In-process replicas over net.Pipe, so the demo runs inside synctest bubbles.

package main

import (
	"context"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"testing"
	"time"
)

// pipeNet connects clients to in-process replicas over net.Pipe, with
// srv.ServeConn on the server end. Dialing an address that has no replica is
// refused, like a TCP port nobody listens on.
type pipeNet struct {
	mu      sync.Mutex
	servers map[string]*rpc.Server
	conns   map[string][]net.Conn // server ends, by address, so down can cut them
	serving sync.WaitGroup        // one ServeConn goroutine per connection
}

func newPipeNet() *pipeNet {
	return &pipeNet{servers: make(map[string]*rpc.Server), conns: make(map[string][]net.Conn)}
}

// add serves r at addr.
func (p *pipeNet) add(addr string, r *Replica) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.servers[addr] = newRPCServer(r)
}

// dial is a dialFunc. The serving goroutine ends when either end is closed
// and the calls in flight on it have finished.
func (p *pipeNet) dial(_ context.Context, addr string) (net.Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	srv, ok := p.servers[addr]
	if !ok {
		return nil, fmt.Errorf("dial pipe %s: connection refused", addr)
	}
	client, server := net.Pipe()
	p.conns[addr] = append(p.conns[addr], server)
	p.serving.Go(func() { srv.ServeConn(server) })
	return client, nil
}

// down takes the replica at addr off the network: open connections are cut
// and new dials are refused.
func (p *pipeNet) down(addr string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.servers, addr)
	for _, c := range p.conns[addr] {
		c.Close()
	}
	delete(p.conns, addr)
	return nil
}

// wait blocks until every serving goroutine has ended. In a bubble it must
// run before the test function returns: replicas may still be sleeping
// through the latency of calls the client gave up on, and virtual time only
// moves while the test's own goroutine is alive and blocked.
func (p *pipeNet) wait() { p.serving.Wait() }

// cluster serves one replica per latency sampler at pipe-0, pipe-1, ...,
// each holding initialData, and connects a client to all of them plus the
// addresses in dead, which refuse. When the test ends the client is closed
// and the replicas finish their last calls.
func cluster(t *testing.T, latencies []func() time.Duration, dead ...string) (*Client, *pipeNet, []*Replica) {
	t.Helper()
	p := newPipeNet()
	var addrs []string
	var replicas []*Replica
	for i, latency := range latencies {
		addr := fmt.Sprintf("pipe-%d", i)
		r := newReplica(initialData(), latency)
		p.add(addr, r)
		addrs = append(addrs, addr)
		replicas = append(replicas, r)
	}
	addrs = append(addrs, dead...)
	c := connect(t.Context(), addrs, p.dial)
	t.Cleanup(func() {
		c.Close()
		p.wait()
	})
	return c, p, replicas
}

// heavyTails returns n seeded heavy-tailed samplers, one stream per replica.
func heavyTails(seed uint64, n int) []func() time.Duration {
	var samplers []func() time.Duration
	for i := range n {
		samplers = append(samplers, heavyTail(seed, uint64(i)))
	}
	return samplers
}

// fixed returns a sampler that always answers after d.
func fixed(d time.Duration) func() time.Duration {
	return func() time.Duration { return d }
}
