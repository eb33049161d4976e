// Command fanout shows four ways to ask several replicas at once, over real
// net/rpc, using pkg/fanout: All (scatter-gather), First (the fastest answer
// wins), Quorum (k of n answers, newest version wins) and hedged requests,
// which cut the latency tail for a few percent more load.
//
// Run it with no flags to play the whole story on 127.0.0.1 in a few seconds:
//
//	go run ./rpcdemo/fanout
//
// Sample output (2 cores, busy with other work; in virtual time, where the
// machine adds nothing, the hedged p99 is 6-7ms for +3-8% requests):
//
//	Replicas of a tiny phone directory, each answering after a random delay
//	(mostly 1-3ms, but 5% of answers take 20-50ms: a heavy tail):
//	  replica-0  127.0.0.1:42449  connected
//	  replica-1  127.0.0.1:34765  connected
//	  replica-2  127.0.0.1:43325  connected
//
//	== All: ask every replica, wait for every answer
//	  replica-0: ext 101 (v1)   replica-1: ext 101 (v1)   replica-2: ext 101 (v1)
//	  took 4.3ms: All is as slow as the slowest replica.
//
//	== Write ada = "ext 202" (v2) to replica-0 and replica-1; replica-2 misses it
//	  stored on 2 replicas at once (fanout.All over the writes)
//
//	== First: ask every replica, keep the first answer, cancel the rest
//	  replica-0 answered first: ext 202 (v2) in 2.6ms
//	  Fresh this time, but First would return a stale copy just as happily.
//
//	== Quorum(2 of 3): wait for 2 answers, keep the newest version
//	  replica-2: ext 101 (v1), replica-1: ext 202 (v2)  ->  newest: ext 202 (v2)
//	  2 written + 2 read > 3 replicas: any 2 answers include one that took the write.
//
//	== Hedged requests: 300 lookups sent to one replica each, then 300 hedged after 4.0ms
//	                       p50      p95      p99   requests
//	  one replica        3.2ms   35.1ms   49.4ms   300
//	  hedged at 4.0ms    2.9ms    7.9ms   13.9ms   352 (+17%)
//	  Hedging cut p99 from 49.4ms to 13.9ms for 17% more requests.
//	  A backup goes out only when an answer is later than 4.0ms, so the extra load follows the
//	  share of slow answers (5%, plus whatever a busy machine adds).
//
//	== replica-2 goes down: its server closes every connection
//	  All:            failed: call 2: replica-2: connection is shut down
//	  First:          replica-1 answered: ext 202 (v2)
//	  Quorum(2/3):    newest of 2 answers: ext 202 (v2)
//	  Hedged:         50 of 50 lookups starting on replica-2 answered, p99 11.2ms: each error hedged at once
//
// Or run the replicas and the client as separate processes. -addr is a
// comma-separated list of host:port, one replica per address; -serve starts
// a replica on each and waits for Ctrl-C:
//
//	go run ./rpcdemo/fanout -serve -addr 127.0.0.1:7101,127.0.0.1:7102
//	go run ./rpcdemo/fanout -serve -addr 127.0.0.1:7103
//	go run ./rpcdemo/fanout -addr 127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103
//
// -serve with no -addr listens on 127.0.0.1:7101, :7102 and :7103. Stop the
// third process before starting the client to see how each shape copes with
// a dead replica. Other flags: -n (lookups per hedging run), -hedge (delay),
// -seed (latency draws), -v (debug logs).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	serve := flag.Bool("serve", false, "only run replicas, one per -addr, until Ctrl-C")
	addrs := flag.String("addr", "", "comma-separated replica addresses, e.g. 127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103\n"+
		"(with -serve: where to listen; without: the replicas to talk to; empty: run replicas in-process)")
	seed := flag.Uint64("seed", 1, "seed for the replicas' latency")
	lookups := flag.Int("n", 300, "lookups per run in the hedging scene")
	hedge := flag.Duration("hedge", defaultHedgeDelay, "hedge delay: a little above the p95 of a replica's normal latency")
	verbose := flag.Bool("v", false, "debug logs")
	flag.Parse()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	list := splitAddrs(*addrs)
	var err error
	switch {
	case *serve:
		if len(list) == 0 {
			list = []string{"127.0.0.1:7101", "127.0.0.1:7102", "127.0.0.1:7103"}
		}
		err = serveUntilDone(ctx, list, *seed, logger)
	case len(list) > 0:
		err = runClient(ctx, os.Stdout, list, *lookups, *hedge)
	default:
		err = runLocal(ctx, os.Stdout, *seed, *lookups, *hedge, logger)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fanout:", err)
		os.Exit(1)
	}
}

// runLocal starts three replicas on free ports, plays the story against
// them, and takes the last one down at the end.
func runLocal(ctx context.Context, out io.Writer, seed uint64, lookups int, hedge time.Duration, logger *slog.Logger) error {
	var servers []*replicaServer
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	var list []string
	for i := range 3 {
		r := newReplica(initialData(), heavyTail(seed, uint64(i)))
		s, err := serveReplica(fmt.Sprintf("replica-%d", i), "127.0.0.1:0", r, logger)
		if err != nil {
			return fmt.Errorf("start replica-%d: %w", i, err)
		}
		servers = append(servers, s)
		list = append(list, s.Addr())
	}
	c := connect(ctx, list, dialTCP)
	defer c.Close()
	c.HedgeDelay = hedge
	st := &story{out: out, c: c, lookups: lookups, down: servers[len(servers)-1].Close}
	return st.run(ctx)
}

// runClient plays the story against replicas running elsewhere.
func runClient(ctx context.Context, out io.Writer, addrs []string, lookups int, hedge time.Duration) error {
	c := connect(ctx, addrs, dialTCP)
	defer c.Close()
	c.HedgeDelay = hedge
	st := &story{out: out, c: c, lookups: lookups}
	return st.run(ctx)
}

// serveUntilDone runs one replica per address until ctx ends.
func serveUntilDone(ctx context.Context, addrs []string, seed uint64, logger *slog.Logger) error {
	var servers []*replicaServer
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	for i, addr := range addrs {
		// Mix the port into the seed, so replicas in separate processes do
		// not all draw the same latencies.
		_, port, _ := net.SplitHostPort(addr)
		stream, _ := strconv.ParseUint(port, 10, 64)
		r := newReplica(initialData(), heavyTail(seed, stream))
		s, err := serveReplica(fmt.Sprintf("replica-%d", i), addr, r, logger)
		if err != nil {
			return fmt.Errorf("start replica on %s: %w", addr, err)
		}
		servers = append(servers, s)
	}
	// One line says where every replica listens and how to stop them.
	var where []any
	for _, s := range servers {
		where = append(where, s.name, s.Addr())
	}
	logger.Info("replicas listening; press Ctrl-C to stop", where...)
	<-ctx.Done()
	logger.Info("stopping")
	return nil
}

// dialTCP connects to a replica over TCP, giving up after a second.
func dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: time.Second}
	return d.DialContext(ctx, "tcp", addr)
}

// splitAddrs parses -addr: comma-separated, blanks ignored.
func splitAddrs(s string) []string {
	var list []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			list = append(list, a)
		}
	}
	return list
}
