package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// testChat is a hub and a TCP server with no listener: each client is one
// end of a net.Pipe handed to serveConn. Start it inside a synctest bubble.
type testChat struct {
	t    *testing.T
	hub  *hub
	tcp  *tcpServer
	stop context.CancelFunc
}

func startChat(t *testing.T, cfg config) *testChat {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h := newHub(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	go h.run(ctx)
	return &testChat{t: t, hub: h, tcp: newTCPServer(h), stop: cancel}
}

// shutdown stops the hub and waits for every reader and writer; the bubble
// then checks that nothing else is left running.
func (tc *testChat) shutdown() {
	tc.stop()
	<-tc.hub.done
	tc.tcp.wait()
}

// testClient is the far end of one pipe, read by its own goroutine into a
// channel, so the server's writer never blocks on it (unless it is told to
// stop reading: see connectSilent).
type testClient struct {
	t     *testing.T
	name  string
	conn  net.Conn
	lines chan string // closed at EOF
	got   []string    // every line taken so far, timestamps cut off
	eof   bool
}

// connect opens a client and, if nick is not empty, takes that nickname.
func (tc *testChat) connect(nick string) *testClient {
	tc.t.Helper()
	c := tc.connectSilent(nick)
	go c.readAll(c.conn)
	if nick != "" {
		c.say("/nick " + nick)
		c.expect("you are " + nick)
	}
	return c
}

// connectSilent opens a client that does not read until startReading.
func (tc *testChat) connectSilent(name string) *testClient {
	client, server := net.Pipe()
	c := &testClient{t: tc.t, name: name, conn: client, lines: make(chan string, 1024)}
	tc.tcp.serveConn(server)
	return c
}

func (c *testClient) startReading() { go c.readAll(c.conn) }

func (c *testClient) readAll(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		c.lines <- sc.Text()
	}
	close(c.lines)
}

// say sends one line. net.Pipe blocks until the server's reader takes it.
func (c *testClient) say(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, line+"\n"); err != nil {
		c.t.Fatalf("%s: say %q: %v", c.name, line, err)
	}
}

// take waits until the bubble is idle and returns the lines that arrived
// since the last take, without their "15:04:05 " timestamps.
func (c *testClient) take() []string {
	synctest.Wait()
	return c.drain()
}

// drain is take without waiting: the lines that have already arrived.
func (c *testClient) drain() []string {
	var fresh []string
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.eof = true
				c.lines = nil // a nil channel never delivers: stop here next time
				c.got = append(c.got, fresh...)
				return fresh
			}
			if len(line) > 9 && line[2] == ':' && line[5] == ':' {
				line = line[9:]
			}
			fresh = append(fresh, line)
		default:
			c.got = append(c.got, fresh...)
			return fresh
		}
	}
}

// expect fails unless a line containing want arrives by the next take.
func (c *testClient) expect(want string) {
	c.t.Helper()
	fresh := c.take()
	for _, line := range fresh {
		if strings.Contains(line, want) {
			return
		}
	}
	c.t.Fatalf("%s: got lines %q, want one containing %q", c.name, fresh, want)
}

// saw reports whether any line taken so far contains s.
func (c *testClient) saw(s string) bool {
	c.take()
	for _, line := range c.got {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// closed reports whether the server has closed the connection.
func (c *testClient) closed() bool {
	c.take()
	return c.eof
}

// fixedClock is a Now for tests outside a bubble: always the same instant.
func fixedClock() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) }
