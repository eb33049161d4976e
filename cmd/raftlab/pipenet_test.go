package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// pipeNet is an in-memory network of net.Pipe connections, so that a lab
// (and its HTTP server) can run inside a synctest bubble, where real
// sockets would stall the fake clock. The same shape as rpcdemo/raft's.
type pipeNet struct {
	mu        sync.Mutex
	next      int
	listeners map[string]*pipeListener
}

type pipeListener struct {
	pn    *pipeNet
	addr  pipeAddr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

func newPipeNet() *pipeNet { return &pipeNet{listeners: make(map[string]*pipeListener)} }

func (pn *pipeNet) network() network { return network{listen: pn.listen, dial: pn.dial} }

func (pn *pipeNet) listen(addr string) (net.Listener, error) {
	pn.mu.Lock()
	defer pn.mu.Unlock()
	if strings.HasSuffix(addr, ":0") {
		pn.next++
		addr = fmt.Sprintf("pipe:%d", pn.next)
	}
	if _, taken := pn.listeners[addr]; taken {
		return nil, fmt.Errorf("listen %s: address in use", addr)
	}
	l := &pipeListener{pn: pn, addr: pipeAddr(addr), conns: make(chan net.Conn), done: make(chan struct{})}
	pn.listeners[addr] = l
	return l, nil
}

func (pn *pipeNet) dial(addr string, timeout time.Duration) (net.Conn, error) {
	pn.mu.Lock()
	l := pn.listeners[addr]
	pn.mu.Unlock()
	if l == nil {
		return nil, fmt.Errorf("dial %s: connection refused", addr)
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, fmt.Errorf("dial %s: connection refused", addr)
	}
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
	l.once.Do(func() {
		close(l.done)
		l.pn.mu.Lock()
		delete(l.pn.listeners, string(l.addr))
		l.pn.mu.Unlock()
	})
	return nil
}

func (l *pipeListener) Addr() net.Addr { return l.addr }

// newTestLab starts a five-node lab on pn inside the caller's bubble and
// stops it when the test ends. Its narration goes to the test's output.
func newTestLab(t *testing.T, pn *pipeNet, seed uint64) *lab {
	t.Helper()
	l, err := newLab(labConfig{nodes: 5, seed: seed, net: pn.network(), wire: time.Millisecond,
		logger: slog.New(slog.DiscardHandler), out: t.Output()})
	if err != nil {
		t.Fatalf("newLab: %v", err)
	}
	t.Cleanup(l.close)
	return l
}

// serveTestLab serves l's dashboard on pn and returns a client for it.
func serveTestLab(t *testing.T, pn *pipeNet, l *lab) *http.Client {
	t.Helper()
	ln, err := pn.listen("dashboard:80")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: l.routes()}
	go srv.Serve(ln)
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return pn.dial("dashboard:80", time.Second)
	}}
	t.Cleanup(func() {
		l.hub.stop() // ends the event streams
		transport.CloseIdleConnections()
		srv.Shutdown(context.Background())
	})
	return &http.Client{Transport: transport}
}
