// Command raftlab runs a five-node Raft key-value cluster in one process
// and shows it working, live, in the browser: roles, terms, votes, logs,
// every RPC between the nodes, elections as they unfold. Crash nodes,
// partition the network, lose and delay messages, slow the clock down,
// and run a client workload whose history pkg/linearizability checks.
//
//	go run ./cmd/raftlab                        # then open the printed URL
//	go run ./cmd/raftlab -http 127.0.0.1:0      # any free port
//	go run ./cmd/raftlab -script testdata/raftlab/crash-leader.txt
//
// Each node is a pkg/kv server (with its pkg/raft node) behind its own
// net/rpc server on its own 127.0.0.1 port; the nodes call each other over
// TCP through a fault injector (network.go). The terminal tells the story
// in sentences, the page draws it. Sample output:
//
//	raftlab: 5 nodes on 127.0.0.1:40193, 127.0.0.1:35811, ... (seed 412)
//	raftlab: dashboard at http://127.0.0.1:8080/
//	raftlab: waiting for Ctrl-C
//	[  0.412s] node 3 heard no leader within its election timeout: CANDIDATE for term 1, asks for votes
//	[  0.413s] node 3 got a vote from node 0 (term 1)
//	[  0.413s] node 3 won a majority: LEADER of term 1
//
// # Reading order
//
// main.go (wiring), cluster.go (nodes: start, crash, restart), network.go
// (partitions, loss, delay), events.go (from raft events to frames),
// state.go, api.go (the HTTP API and the event stream), controls.go,
// workload.go (clients and the checker), script.go (scenarios), then
// web/app.js for the drawing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"distkit/pkg/envflag"
)

func main() {
	addr := flag.String("http", "127.0.0.1:8080", "where the dashboard listens (127.0.0.1:0 for any free port; empty for none)")
	script := flag.String("script", "", "play this scenario (see testdata/raftlab) and exit, non-zero if an expectation fails")
	seed := flag.Uint64("seed", rand.Uint64()%1000, "seed for election timeouts and message loss")
	verbose := flag.Bool("v", false, "also print each node's debug log on stderr")
	logFormat := flag.String("log-format", "text", "log format on stderr: text or json (one JSON object per line, for containers)")
	flag.Usage = func() {
		flag.PrintDefaults()
		fmt.Fprint(flag.CommandLine.Output(), envflag.Usage("RAFTLAB", "http", "seed"))
	}
	flag.Parse()
	if err := envflag.Apply(flag.CommandLine, "RAFTLAB", os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "raftlab:", err)
		os.Exit(2)
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	var handler slog.Handler = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	switch *logFormat {
	case "text":
	case "json":
		handler = slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})
	default:
		fmt.Fprintf(os.Stderr, "raftlab: -log-format %q: want text or json\n", *logFormat)
		os.Exit(2)
	}
	logger := slog.New(handler)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, *addr, *script, *seed, logger); err != nil {
		fmt.Fprintln(os.Stderr, "raftlab:", err)
		os.Exit(1)
	}
}

// run starts the cluster and the dashboard, then plays the script or
// waits for ctx to end.
func run(ctx context.Context, out io.Writer, addr, script string, seed uint64, logger *slog.Logger) error {
	var steps []step
	if script != "" {
		f, err := os.Open(script)
		if err != nil {
			return err
		}
		steps, err = parseScript(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", script, err)
		}
	}
	var ln net.Listener
	if addr != "" {
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("dashboard: %w (try -http 127.0.0.1:0 for a free port)", err)
		}
	}
	l, err := newLab(labConfig{nodes: 5, seed: seed, net: tcp, logger: logger, out: out})
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return err
	}
	defer l.close()
	addrs := make([]string, len(l.members))
	for i, m := range l.members {
		addrs[i] = m.addr
	}
	fmt.Fprintf(out, "raftlab: %d nodes on %s (seed %d)\n", len(addrs), strings.Join(addrs, ", "), seed)

	if ln != nil {
		srv := &http.Server{Handler: l.routes(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		defer func() {
			// The event streams end when the hub stops; close them first
			// so Shutdown does not wait for them.
			l.hub.stop()
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(shutdownCtx)
		}()
		fmt.Fprintf(out, "raftlab: dashboard at http://%s/\n", ln.Addr())
	}
	if script != "" {
		return runScript(ctx, l, steps)
	}
	fmt.Fprintln(out, "raftlab: waiting for Ctrl-C")
	<-ctx.Done()
	fmt.Fprintln(out, "raftlab: stopping")
	if errors.Is(context.Cause(ctx), context.Canceled) {
		return nil
	}
	return nil
}
