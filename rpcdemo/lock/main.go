// Locks and leader election on a replicated key-value store, over real
// net/rpc, using pkg/coord: why a lease-based lock needs fencing tokens,
// then a leader election among three clients.
//
//	go run ./rpcdemo/lock
//	go run ./rpcdemo/lock -seed 7 -v   # -v: the servers' logs on stderr
//
// Three pkg/kv servers run in this process, each behind its own net/rpc
// server on a 127.0.0.1 port; every client is a kv.Clerk that calls them
// over TCP. The story takes about five seconds. Sample output (abridged):
//
//	Step 1. Client A takes the lock "report" (lease TTL 1s, renewed every 333ms).
//	  A holds the lock with fencing token 1, and writes with it: accepted
//	Step 2. Client B asks for the lock. It waits, trying again every few hundred ms.
//	  1.5s later B still waits: A's keepalives hold the lease, so B would wait forever.
//	Step 3. A stops dead for 2.5s: a stop-the-world GC pause. Its keepalives stop too.
//	  B got the lock 0.9s into A's pause, with token 3: A's lease lapsed, the service deleted its key
//	  B writes with token 3: accepted
//	Step 4. A wakes up. It checked its lock just before the pause, so it writes with token 1:
//	  fenced storage refuses it: write "report" with token 1: coord: stale fencing token (token 3 has been used since)
//	  storage without tokens takes it: report = "A's stale report". B's report is gone and nobody got an error.
//	  ...
//	Step 5. Three clients run for leader of "scheduler". An observer polls the election key
//	and reports each new leader.
//	  carol won at revision 5; the others keep campaigning
//	  observer: the leader is now carol
//	  carol resigns: its lease is revoked and the election key deleted
//	  ...
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"time"
)

func main() {
	seed := flag.Uint64("seed", rand.Uint64()%1000, "seed for election timeouts and backoff jitter")
	verbose := flag.Bool("v", false, "print the servers' logs on stderr")
	flag.Parse()

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := story(ctx, os.Stdout, tcp, *seed, logger); err != nil {
		fmt.Fprintln(os.Stderr, "lock demo:", err)
		os.Exit(1)
	}
}

// story starts the cluster on nw, plays both parts and narrates them to w.
func story(ctx context.Context, w io.Writer, nw network, seed uint64, logger *slog.Logger) error {
	c, err := startCluster(nw, 3, seed, logger)
	if err != nil {
		return err
	}
	defer c.stop()
	addrs := make([]string, len(c.addrs))
	for id, addr := range c.addrs {
		addrs[id] = addr
	}
	fmt.Fprintf(w, "3 kv servers on %s (seed %d)\n", strings.Join(addrs, ", "), seed)
	if err := lockStory(ctx, w, c); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if err := electionStory(ctx, w, c); err != nil {
		return fmt.Errorf("election: %w", err)
	}
	return nil
}
