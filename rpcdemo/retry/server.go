// The server side: the three services on one net/rpc server, and an accept
// loop that stops cleanly.

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/rpc"
	"sync"
)

// newServer returns an RPC server with the three services of the story. Each
// bank injects the same seeded faults, so both bank runs meet the same network.
func newServer(seed uint64, logger *slog.Logger) *rpc.Server {
	srv := rpc.NewServer()
	// Registration only fails for a malformed service type: a bug here.
	must(srv.RegisterName("NaiveBank", newBank("NaiveBank", false, newFaults(seed), logger)))
	must(srv.RegisterName("Bank", newBank("Bank", true, newFaults(seed), logger)))
	must(srv.RegisterName("Storm", new(Storm)))
	return srv
}

// runServer serves until ctx is cancelled (Ctrl-C or SIGTERM).
func runServer(ctx context.Context, addr string, seed uint64, logger *slog.Logger) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("bank server listening; press Ctrl-C to stop", "addr", l.Addr().String(), "seed", seed)
	serve(ctx, l, newServer(seed, logger))
	logger.Info("bank server stopped")
	return nil
}

// serve accepts connections on l and serves each with srv until ctx is done,
// then closes the listener and every open connection and waits for them.
func serve(ctx context.Context, l net.Listener, srv *rpc.Server) {
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	closed := false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		closed = true
		l.Close()
		for c := range conns {
			c.Close()
		}
	})
	defer stop()

	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			return // closed by the AfterFunc, or broken: either way, done
		}
		mu.Lock()
		if closed { // accepted just as the AfterFunc ran: it cannot close this one
			mu.Unlock()
			conn.Close()
			return
		}
		conns[conn] = true
		mu.Unlock()
		wg.Go(func() {
			srv.ServeConn(conn)
			mu.Lock()
			delete(conns, conn)
			mu.Unlock()
		})
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
