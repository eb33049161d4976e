// The server side: accept connections and hand each to net/rpc, and be able to
// stop, either abruptly (a crash, for the story) or at the end of the run.

package main

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
	"sync"
)

// rpcListener serves one rpc.Server on one net.Listener in one codec.
//
// rpc.Server.Accept would do the accepting for us, but it keeps no list of its
// connections, so it can neither be stopped nor made to cut its clients off.
// rpcListener keeps that list. Its methods are safe for concurrent use.
type rpcListener struct {
	ln    net.Listener
	serve func(io.ReadWriteCloser) // serves one connection until it closes
	log   *slog.Logger

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // open connections; guarded by mu
	killed bool                  // set once by kill; guarded by mu

	wg sync.WaitGroup // the accept loop and one goroutine per connection
}

// serveGob serves conn with net/rpc's default codec, gob. ServeConn returns
// when the connection closes and every call already read from it has replied.
func serveGob(srv *rpc.Server) func(io.ReadWriteCloser) {
	return srv.ServeConn
}

// serveJSON serves conn with net/rpc/jsonrpc: one JSON object per request,
// one per reply, in JSON-RPC 1.0's shape. The service is the same; only the
// bytes on the wire change.
func serveJSON(srv *rpc.Server) func(io.ReadWriteCloser) {
	return func(conn io.ReadWriteCloser) {
		srv.ServeCodec(jsonrpc.NewServerCodec(conn))
	}
}

// listen starts accepting on ln, serving each connection with serve in a
// goroutine of its own, and returns at once. Stop it with kill, then wait.
func listen(ln net.Listener, serve func(io.ReadWriteCloser), log *slog.Logger) *rpcListener {
	l := &rpcListener{ln: ln, serve: serve, log: log, conns: make(map[net.Conn]struct{})}
	l.wg.Add(1)
	go l.acceptLoop()
	return l
}

// addr is where the listener accepts, for example "127.0.0.1:40123".
func (l *rpcListener) addr() string { return l.ln.Addr().String() }

// kill closes the listener and every open connection at once, the way a
// crashed process would: clients with calls in flight see the connection end.
// Calls already running in the service still finish, and their replies go
// nowhere.
func (l *rpcListener) kill() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.killed {
		return
	}
	l.killed = true
	l.ln.Close()
	for c := range l.conns {
		c.Close()
	}
}

// wait blocks until the accept loop and every connection goroutine have
// returned. After kill that takes at most as long as the slowest running call.
func (l *rpcListener) wait() { l.wg.Wait() }

func (l *rpcListener) acceptLoop() {
	defer l.wg.Done()
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				l.log.Warn("accept failed, listener stops", "addr", l.addr(), "err", err)
			}
			return
		}
		// Register the connection under the lock that kill holds, so a
		// connection accepted while kill runs is closed rather than missed.
		l.mu.Lock()
		if l.killed {
			l.mu.Unlock()
			conn.Close()
			return
		}
		l.conns[conn] = struct{}{}
		l.wg.Add(1)
		l.mu.Unlock()

		go l.serveConn(conn)
	}
}

func (l *rpcListener) serveConn(conn net.Conn) {
	defer l.wg.Done()
	l.log.Info("connection opened", "remote", conn.RemoteAddr())
	l.serve(conn) // returns once the peer hangs up or kill closes conn
	l.log.Info("connection closed", "remote", conn.RemoteAddr())

	l.mu.Lock()
	delete(l.conns, conn)
	l.mu.Unlock()
}
