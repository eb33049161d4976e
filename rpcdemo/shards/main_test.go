package main

import (
	"bytes"
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

// pipeNet is an in-memory network of net.Pipe connections, so the story
// runs inside a synctest bubble, where real sockets would stall the fake
// clock.
type pipeNet struct {
	mu        sync.Mutex
	next      int
	listeners map[string]*pipeListener
}

type pipeListener struct {
	addr  pipeAddr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

func (pn *pipeNet) listen(string) (net.Listener, error) {
	pn.mu.Lock()
	defer pn.mu.Unlock()
	pn.next++
	addr := fmt.Sprintf("pipe:%d", pn.next)
	l := &pipeListener{addr: pipeAddr(addr), conns: make(chan net.Conn), done: make(chan struct{})}
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
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return l.addr }

// The whole story in virtual time: groups join and leave under load, every
// request succeeds, and every client's last write reads back.
func TestStory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := &pipeNet{listeners: make(map[string]*pipeListener)}
		nw := network{listen: pn.listen, dial: pn.dial}
		var out bytes.Buffer
		logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := story(ctx, &out, nw, 1, 250*time.Millisecond, logger); err != nil {
			t.Fatalf("story: %v\n%s", err, out.String())
		}
		text := out.String()
		for _, want := range []string{
			"config 1: shards 1111111111111111",
			"config 2: shards 1111111122222222",
			"config 4: shards 222",
			"g2 pulling",
			", 0 failed; every client's last write reads back.",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("output lacks %q:\n%s", want, text)
			}
		}
	})
}
