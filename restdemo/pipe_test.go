package main

import (
	"context"
	"fmt"
	"net"
	"sync"
	"syscall"
)

// pipeNet is an in-memory network for synctest bubbles: listeners whose
// Accept hands out net.Pipe conns, and a dial function for
// http.Transport.DialContext. Real sockets cannot be used in a bubble (a
// goroutine in a socket read is not "durably blocked"); pipes can. Create it
// inside the bubble.
type pipeNet struct {
	mu        sync.Mutex
	listeners map[string]*pipeListener // by address; guarded by mu
}

func newPipeNet() *pipeNet { return &pipeNet{listeners: make(map[string]*pipeListener)} }

// network adapts the pipe network to the tour's needs.
func (p *pipeNet) network() network { return network{listen: p.listen, dial: p.dial} }

// listen makes a listener at the next free address, srvN.pipe:80.
func (p *pipeNet) listen() (net.Listener, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	addr := fmt.Sprintf("srv%d.pipe:80", len(p.listeners)+1)
	l := &pipeListener{addr: pipeAddr(addr), conns: make(chan net.Conn), done: make(chan struct{})}
	p.listeners[addr] = l
	return l, nil
}

// dial connects to the listener at addr, or fails with "connection refused"
// as TCP would when nothing listens there.
func (p *pipeNet) dial(ctx context.Context, _, addr string) (net.Conn, error) {
	p.mu.Lock()
	l := p.listeners[addr]
	p.mu.Unlock()
	refused := &net.OpError{Op: "dial", Net: "pipe", Err: syscall.ECONNREFUSED}
	if l == nil {
		return nil, refused
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
		refused.Err = ctx.Err()
	}
	client.Close()
	server.Close()
	return nil, refused
}

// pipeListener is a net.Listener fed by pipeNet.dial.
type pipeListener struct {
	addr  pipeAddr
	conns chan net.Conn
	done  chan struct{} // closed by Close
	once  sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return l.addr }

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }
