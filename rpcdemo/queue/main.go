// A replicated message broker over net/rpc: a producer and a consumer group
// of three on three pkg/queue brokers, a leader killed mid-stream with no
// acknowledged message lost, a work queue that redelivers a dead worker's
// job, dead-letters a poison message and absorbs a duplicate delivery with
// an idempotent consumer. Lag per partition is printed as it moves.
//
//	go run ./rpcdemo/queue            # a random seed
//	go run ./rpcdemo/queue -seed 7 -v # with the brokers' logs on stderr
//
// The brokers listen on 127.0.0.1 ports and call each other over TCP. The
// story (story.go) runs over a small network abstraction, so its test
// plays it over net.Pipe inside a synctest bubble. Sample output:
//
//	Step 1. Three brokers elect a leader; topic "orders" gets 3 partitions.
//	[ 0.224s] broker 1 leads; topic "orders" created (and "orders.dlq" with it)
//	...
//	Step 3. Kill the leader, broker 1, while the producer is mid-stream.
//	[ 0.261s] broker 1 killed with a batch in flight
//	[ 0.620s] producer: all 30 of 30 more messages acknowledged across the failover; broker 0 leads now
//	[ 0.625s] billing read every acknowledged message; none lost
//	...
//	[ 1.288s] 2 deliveries, 1 charge
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"
)

func main() {
	seed := flag.Uint64("seed", rand.Uint64()%1000, "seed for election timeouts and client IDs")
	verbose := flag.Bool("v", false, "print the brokers' logs on stderr")
	flag.Parse()
	level := slog.LevelError
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := story(ctx, os.Stdout, tcp, *seed, logger); err != nil {
		fmt.Fprintln(os.Stderr, "queue demo:", err)
		os.Exit(1)
	}
}

// narrator prints the story, each line stamped with the time since it began.
type narrator struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func (n *narrator) say(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, "[%6.3fs] %s\n", time.Since(n.start).Seconds(), fmt.Sprintf(format, args...))
}

func (n *narrator) step(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, "\n%s\n", fmt.Sprintf(format, args...))
}
