package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// pipeNet is an in-memory network of net.Pipe connections, so that the
// story can run inside a synctest bubble, where real sockets would stall the
// fake clock.
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

func (pn *pipeNet) network() network {
	return network{listen: pn.listen, dial: pn.dial}
}

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

func TestStory_NothingAcknowledgedIsLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := &pipeNet{listeners: make(map[string]*pipeListener)}
		var out strings.Builder
		logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := story(ctx, &out, pn.network(), 1, logger); err != nil {
			t.Fatalf("story: %v\n%s", err, out.String())
		}
		for _, want := range []string{
			"owns partition [0]",
			"(grows: produced, not yet consumed)",
			"all 30 of 30 more messages acknowledged across the failover",
			"billing read every acknowledged message; none lost",
			"once the lease ran out (delivery 2)",
			`reason "invalid JSON (after 3 deliveries)"`,
			"late ack is refused: lease expired",
			"2 deliveries, 1 charge",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
	})
}
