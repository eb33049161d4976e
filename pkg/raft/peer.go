// Peers over real net/rpc: a client with a timeout and a redial.

package raft

import (
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"time"
)

// ErrTimeout is returned by RPCPeer.Call when the peer does not answer in
// time.
var ErrTimeout = errors.New("raft: peer did not answer in time")

// RPCPeer is a Peer that reaches another node over net/rpc and TCP.
//
// A bare *rpc.Client has two habits that hurt a cluster: a call to a hung
// peer blocks forever, and once its connection breaks every call returns
// rpc.ErrShutdown, so a peer that restarts is never heard from again.
// RPCPeer bounds every call by a timeout and, after a broken connection,
// dials again on the next call. Safe for concurrent use.
type RPCPeer struct {
	addr    string
	timeout time.Duration
	dial    Dialer

	mu     sync.Mutex
	client *rpc.Client // nil until dialed, and again after a failure
	closed bool
}

// Dialer opens a connection to addr, giving up after timeout.
// net.DialTimeout with "tcp" is the usual one; tests dial net.Pipe ends.
type Dialer func(addr string, timeout time.Duration) (net.Conn, error)

// DialPeer returns a peer for the node listening on TCP at addr, whose calls
// wait at most timeout. It does not dial yet: the first call does, so nodes
// can start in any order.
func DialPeer(addr string, timeout time.Duration) *RPCPeer {
	return DialPeerWith(addr, timeout, func(addr string, timeout time.Duration) (net.Conn, error) {
		return net.DialTimeout("tcp", addr, timeout)
	})
}

// DialPeerWith is DialPeer with a custom way to connect.
func DialPeerWith(addr string, timeout time.Duration, dial Dialer) *RPCPeer {
	return &RPCPeer{addr: addr, timeout: timeout, dial: dial}
}

// Call invokes serviceMethod on the peer and waits at most the timeout
// (dial included) for the reply.
func (p *RPCPeer) Call(serviceMethod string, args any, reply any) error {
	deadline := time.Now().Add(p.timeout)
	client, err := p.connect()
	if err != nil {
		return err
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	call := client.Go(serviceMethod, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		var serverErr rpc.ServerError
		if call.Error != nil && !errors.As(call.Error, &serverErr) {
			// The connection itself failed: forget it and redial next time.
			p.drop(client)
			return fmt.Errorf("call %s at %s: %w", serviceMethod, p.addr, call.Error)
		}
		return call.Error
	case <-timer.C:
		// The reply may still come and will be discarded by net/rpc. A peer
		// that stays silent this long is probably gone: start afresh.
		p.drop(client)
		return fmt.Errorf("call %s at %s: %w", serviceMethod, p.addr, ErrTimeout)
	}
}

// Close closes the connection; later calls fail.
func (p *RPCPeer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.client != nil {
		err := p.client.Close()
		p.client = nil
		return err
	}
	return nil
}

// connect returns the current client, dialing if there is none.
func (p *RPCPeer) connect() (*rpc.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, fmt.Errorf("call peer at %s: %w", p.addr, rpc.ErrShutdown)
	}
	if p.client != nil {
		return p.client, nil
	}
	conn, err := p.dial(p.addr, p.timeout)
	if err != nil {
		return nil, fmt.Errorf("dial peer at %s: %w", p.addr, err)
	}
	p.client = NewClient(conn) // net/rpc's client, with coalesced writes (codec.go)
	return p.client, nil
}

// drop closes client if it is still the current one.
func (p *RPCPeer) drop(client *rpc.Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.client == client {
		p.client.Close()
		p.client = nil
	}
}
