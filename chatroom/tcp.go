// The TCP transport: a line protocol you can speak with nc. Each
// connection gets two goroutines: a reader that turns lines into hub
// events, and a writer that drains the client's outbox into the socket.
// Only the writer writes and only the writer closes the connection.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"
)

// tcpServer accepts TCP connections for a hub. serve runs the accept loop;
// wait returns once every reader and writer it started has stopped.
type tcpServer struct {
	hub   *hub
	log   *slog.Logger
	conns sync.WaitGroup // every reader and writer goroutine
}

func newTCPServer(h *hub) *tcpServer {
	return &tcpServer{hub: h, log: h.cfg.Logger.With("transport", "tcp")}
}

// serve accepts connections until ln is closed, then returns nil. Close the
// listener before calling wait, so no connection starts after it.
func (s *tcpServer) serve(ln net.Listener) error {
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			// Out of file descriptors, usually: back off and retry rather than
			// spin or give up (net/http does the same).
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed", "err", err, "retry_in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		s.serveConn(conn)
	}
}

// serveConn registers one connection with the hub and starts its reader
// and writer. Tests call it directly with one end of a net.Pipe.
func (s *tcpServer) serveConn(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok && s.hub.cfg.SocketBuffer > 0 {
		// Linux grows a socket's send buffer up to 4 MiB for a peer that does
		// not read; a smaller one makes a stuck client visible sooner.
		tcp.SetWriteBuffer(s.hub.cfg.SocketBuffer)
	}
	c := newClient("tcp", conn.RemoteAddr().String(), s.hub.cfg.Outbox)
	if !s.hub.join(c) {
		conn.Close()
		return
	}
	// The greeting is already in the outbox. It must not be written here:
	// the peer may not be reading yet (net.Pipe would block this goroutine,
	// and with it the accept loop). The writer goroutine writes it.
	s.conns.Go(func() { s.write(conn, c) })
	s.conns.Go(func() { s.read(conn, c) })
}

// wait blocks until every connection goroutine has returned.
func (s *tcpServer) wait() { s.conns.Wait() }

// write is the writer goroutine. Each write gets a deadline, so a peer that
// stops reading blocks this goroutine for at most WriteTimeout; the hub
// never waits on it at all (its outbox simply fills up).
func (s *tcpServer) write(conn net.Conn, c *client) {
	defer conn.Close() // wakes the reader, which tells the hub
	timeout := s.hub.cfg.WriteTimeout
	c.writeLoop(func(batch []*message) error {
		conn.SetWriteDeadline(time.Now().Add(timeout))
		// net.Buffers writes the lines with one writev on a TCP socket,
		// without copying them into a buffer first.
		lines := make(net.Buffers, len(batch))
		for i, m := range batch {
			lines[i] = m.tcp
		}
		_, err := lines.WriteTo(conn)
		return err
	})
}

// read is the reader goroutine. Its only buffer is a bufio.Reader the size
// of the longest allowed line (512 bytes by default), which doubles as the
// line-length limit: a line that does not fit is reported and skipped.
func (s *tcpServer) read(conn net.Conn, c *client) {
	cfg := s.hub.cfg
	r := bufio.NewReaderSize(conn, cfg.MaxLine+2) // room for "\r\n"
	for {
		// The deadline moves with every line: a client that says nothing
		// for IdleTimeout gets a read error here, and the hub says why.
		conn.SetReadDeadline(time.Now().Add(cfg.IdleTimeout))
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			err = skipLine(r)
			if err == nil {
				if !s.hub.command(c, command{}, fmt.Errorf("%w: at most %d bytes", ErrLineTooLong, cfg.MaxLine)) {
					return
				}
				continue
			}
			line = nil // the rest of an over-long line is not "mid-line"
		}
		if err != nil {
			s.hub.leave(c, leaveReason(err, len(line), cfg.IdleTimeout), errors.Is(err, os.ErrDeadlineExceeded))
			return
		}
		cmd, perr := parseLine(string(line[:len(line)-1]), cfg.MaxLine)
		if !s.hub.command(c, cmd, perr) {
			return
		}
	}
}

// skipLine discards input up to and including the next newline.
func skipLine(r *bufio.Reader) error {
	for {
		_, err := r.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

// leaveReason says in words why the reader stopped; partial is how many
// bytes of an unfinished line it had read.
func leaveReason(err error, partial int, idle time.Duration) string {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("idle for %v", idle)
	case errors.Is(err, io.EOF) && partial > 0:
		return "disconnected mid-line"
	case errors.Is(err, io.EOF):
		return "disconnected"
	case errors.Is(err, net.ErrClosed), errors.Is(err, io.ErrClosedPipe):
		return "connection closed"
	default:
		return "read error: " + err.Error()
	}
}
