// Retry shows why retrying a remote call is harder than it looks, over real
// net/rpc on 127.0.0.1:
//
//  1. A deposit whose reply is lost gets applied twice when the client retries.
//  2. Request IDs and a deduplication table make the retried deposit count once.
//  3. A fleet of clients retrying immediately, after a fixed pause, or with
//     exponential backoff and full jitter (with and without a retry budget)
//     hits a server coming back from an outage; the server counts what it got.
//
// Run it in one process:
//
//	go run ./rpcdemo/retry
//
// or as two, the server in one terminal and the client story in another:
//
//	go run ./rpcdemo/retry -serve -addr 127.0.0.1:7001
//	go run ./rpcdemo/retry -addr 127.0.0.1:7001
//
// -seed picks the injected faults and the jitter (the same seed replays the
// same faults); -v logs every request the server handles.
//
// Sample output (shortened; the storm's counts change from run to run):
//
//	Server on 127.0.0.1:45111, seed 1
//
//	1. Naive retries: NaiveBank applies every request it receives
//	   ...
//	   deposit 1 of $10 (request c7fc13/1)
//	      attempt 1: NaiveBank.Deposit: no reply in time: context deadline exceeded; retrying in 5ms
//	      ok, balance $20
//	   ...
//	   => balance $140, but the client deposited $80: $60 too much.
//	   ...
//	2. The same faults, but Bank remembers the last request ID of each client
//	   ...
//	   => balance $80, the client deposited $80; 4 retries were recognised.
//	   ...
//	3. A retry storm: 50 clients, the server is down for 400ms, then serves 15 requests
//	   per 50ms and turns the rest away. Each client gives up after 1.5s.
//
//	   immediate retries: 2021 requests, 50 clients done (the last after 553ms), 0 gave up
//	   ...
//	   exponential backoff with full jitter: 364 requests, 50 clients done (the last after 989ms), 0 gave up
//	   window   requests  (# = 1 request(s), | = capacity)
//	       0s       6  ######         |
//	     50ms      44  ###############|############################
//	     ...
//	    550ms       9  #########      |
//	   ...
//	   full jitter and a budget (10 tokens, +0.1 per success): 60 requests, no client done, 50 gave up
//
// The files, in reading order: bank.go (the service, its faults and the
// deduplication table), story.go (parts 1 and 2, the retrying client),
// storm.go (part 3), server.go (serving and stopping), and this one.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	serveOnly := flag.Bool("serve", false, "run only the server, until Ctrl-C")
	addr := flag.String("addr", "", "with -serve: where to listen (default 127.0.0.1:7001); alone: the server to run the story against")
	seed := flag.Uint64("seed", 1, "seed for the injected faults and the jitter")
	verbose := flag.Bool("v", false, "log every request the server handles")
	flag.Parse()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch {
	case *serveOnly:
		err = runServer(ctx, cmp.Or(*addr, "127.0.0.1:7001"), *seed, logger)
	case *addr != "":
		err = runClient(ctx, os.Stdout, *addr, *seed)
	default:
		err = runLocal(ctx, os.Stdout, *seed, logger)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "retry demo:", err)
		os.Exit(1)
	}
}

// runClient plays the story against a server started with -serve.
func runClient(ctx context.Context, w io.Writer, addr string, seed uint64) error {
	dial := tcpDialer(addr)
	conn, err := dial(ctx)
	if err != nil {
		return fmt.Errorf("cannot reach the server at %s (start one with: go run ./rpcdemo/retry -serve -addr %s): %w", addr, addr, err)
	}
	conn.Close()
	return story(ctx, w, dial, newClientID(), seed, defaultStorm)
}

// runLocal starts a server on a free port, plays the story against it, and
// stops the server.
func runLocal(ctx context.Context, w io.Writer, seed uint64, logger *slog.Logger) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() {
		defer close(served)
		serve(ctx, l, newServer(seed, logger))
	}()
	defer func() { cancel(); <-served }()
	fmt.Fprintf(w, "Server on %s, seed %d\n\n", l.Addr(), seed)
	return story(ctx, w, tcpDialer(l.Addr().String()), newClientID(), seed, defaultStorm)
}

// tcpDialer dials addr, giving up after a second.
func tcpDialer(addr string) dialFunc {
	d := &net.Dialer{Timeout: time.Second}
	return func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
}

// newClientID picks a fresh random ID. It must not repeat across runs: a
// server that outlives a client would take the new run's requests for
// retries of the old one's.
func newClientID() string { return fmt.Sprintf("c%05x", rand.Uint32()&0xfffff) }
