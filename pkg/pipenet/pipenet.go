// Package pipenet is an in-memory network of net.Pipe connections: a
// listener whose Accept hands out one end of a pipe and a dialer that
// returns the other.
//
// Tests of servers use it to run inside a testing/synctest bubble. A bubble
// advances its fake clock only when every goroutine is durably blocked, and
// a goroutine reading a real socket is not: it would stall the clock. A
// goroutine reading a net.Pipe is, so a net/rpc or net/http server behind a
// pipenet listener runs on virtual time.
//
//	pn := pipenet.New()
//	l, _ := pn.Listen("127.0.0.1:0")     // a fresh address such as "pipe:1"
//	go srv.Accept(l)                      // an rpc.Server, or http.Server.Serve(l)
//	conn, _ := pn.Dial(l.Addr().String(), time.Second)
//
// For net/http clients, use DialContext as the Transport's DialContext.
//
// Unlike TCP, a pipe has no buffer: a write blocks until the other end
// reads. A server that greets a client before reading from it must write
// from a goroutine the client's reads can wait on.
package pipenet

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrRefused is wrapped by errors for a dial to an address nobody listens
// on: syscall.ECONNREFUSED, in a *net.OpError, exactly what a TCP dial
// returns, so code that checks for a refused connection behaves the same.
var ErrRefused error = syscall.ECONNREFUSED

// Network holds the listeners by address. Safe for concurrent use.
type Network struct {
	mu        sync.Mutex
	next      int
	listeners map[string]*listener
}

// New returns an empty network.
func New() *Network { return &Network{listeners: make(map[string]*listener)} }

// Listen starts listening on addr. An address ending in ":0" gets a fresh
// unique one ("pipe:1", "pipe:2", ...), as port 0 does with TCP; any other
// may be reused once its listener is closed, as a restarted server would.
func (n *Network) Listen(addr string) (net.Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if strings.HasSuffix(addr, ":0") {
		n.next++
		addr = fmt.Sprintf("pipe:%d", n.next)
	}
	if _, taken := n.listeners[addr]; taken {
		return nil, fmt.Errorf("listen %s: address in use", addr)
	}
	l := &listener{n: n, addr: pipeAddr(addr), conns: make(chan net.Conn), done: make(chan struct{})}
	n.listeners[addr] = l
	return l, nil
}

// Dial connects to addr; timeout bounds the wait for the listener to
// accept. Its signature is that of raft.Dialer.
func (n *Network) Dial(addr string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return n.DialContext(ctx, "pipe", addr)
}

// DialContext connects to addr until ctx ends; network is ignored. Its
// signature is that of net/http's Transport.DialContext.
func (n *Network) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.listeners[addr]
	n.mu.Unlock()
	refused := &net.OpError{Op: "dial", Net: "pipe", Addr: pipeAddr(addr), Err: ErrRefused}
	if l == nil {
		return nil, refused
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	client.Close()
	server.Close()
	if ctx.Err() != nil {
		refused.Err = ctx.Err()
	}
	return nil, refused
}

// listener is a net.Listener whose connections come from Dial.
type listener struct {
	n     *Network
	addr  pipeAddr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops the listener and frees its address. Connections already
// accepted stay open.
func (l *listener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.n.mu.Lock()
		delete(l.n.listeners, string(l.addr))
		l.n.mu.Unlock()
	})
	return nil
}

func (l *listener) Addr() net.Addr { return l.addr }

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }
