// Command kvnode runs one node of distkit's replicated key-value store
// (pkg/kv on pkg/raft) over real net/rpc and TCP, with its Raft log on disk.
//
// A whole local cluster in one command (three child processes, ports 7001 to
// 7003, HTTP side ports 8001 to 8003, data under ./data/local):
//
//	go run ./cmd/kvnode -local 3
//	go run ./cmd/kvctl put x 1
//	go run ./cmd/kvctl status
//
// One node by hand, twice more with -id 2 and -id 3 in other terminals:
//
//	go run ./cmd/kvnode -id 1 -peers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003
//
// The side port (default: the RPC port + 1000; -http off disables it) serves
// /healthz, /readyz (200 once a leader is known; ?wait=5s waits for it),
// /status (JSON), /debug/vars (this node's expvar map) and /metrics (the
// same numbers and Raft RPC counts in Prometheus's text format).
//
// Every flag has an environment variable for containers: KVNODE_ID for -id,
// KVNODE_PEERS for -peers, KVNODE_LOG_FORMAT=json for JSON logs, and so on
// (env.go). The Dockerfile and the Kubernetes manifests in deploy/ use them.
//
// A new node joins a running cluster with -join: it starts outside the
// configuration, never campaigns, and waits until the leader adds it
// (kvctl add-server, which first lets it catch up as a non-voter). Its
// -peers needs only its own address. Keep -join on every start of such a
// node: once its log names the members it changes nothing, but a restart
// without it before then would make the node a cluster of one:
//
//	go run ./cmd/kvnode -id 4 -join -peers 4=127.0.0.1:7004 -data data/node-4
//	go run ./cmd/kvctl add-server 4 127.0.0.1:7004
//
// Every node serves the operator RPCs of pkg/raft's Admin as "RaftAdmin":
// members, add-server, remove-server and transfer in kvctl.
//
// SIGINT or SIGTERM drains the node: new requests are sent elsewhere,
// in-flight ones finish (at most -request-timeout), the log is synced and
// closed, and the exit status is 0. A node killed with SIGKILL loses no
// acknowledged write: a reply is sent only once its entry is on a majority's
// disks. A node whose data files are damaged refuses to start, naming the file.
//
// # Sharded mode
//
// With -shards a node serves one replica group of the sharded store
// (pkg/shardkv) instead of the plain store (shards.go). The shard controller is
// an ordinary kvnode cluster, started without -shards; each group is a cluster
// of -shards nodes with its own -peers, a -gid, and -controller naming the
// controller's nodes. A group serves nothing until it joins:
//
//	go run ./cmd/kvnode -local 3 -local-tmp      # the controller (ports 7001-7003), in one terminal
//	for i in 1 2 3; do                           # group 100 (ports 7101-7103), in another
//	  go run ./cmd/kvnode -shards -gid 100 -controller 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 \
//	    -id $i -peers 1=127.0.0.1:7101,2=127.0.0.1:7102,3=127.0.0.1:7103 -data data/g100-$i &
//	done
//	go run ./cmd/kvctl -shards -controller 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 \
//	  join 100 1=127.0.0.1:7101,2=127.0.0.1:7102,3=127.0.0.1:7103
//	go run ./cmd/kvctl -shards -controller 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 put x 1
//
// A second group (say 200 on 7201-7203) joins the same way, and the shards
// rebalance between the two. A group reaches the controller with a kv.Clerk and
// the other groups' servers, from which it pulls the shards it gains, through
// raft.DialPeer. Storage, the side port, signals and draining work as in the
// plain mode, except that /status counts the keys of every shard the replica
// holds. -local and -shards do not mix.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs passed in; it returns the exit
// status: 0 after a clean stop, 1 when the node could not run, 2 for bad
// usage.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "kvnode: %v\nRun kvnode -h for the flags.\n", err)
		return 2
	}
	logger := newLogger(cfg, stderr)

	// The signal handler stays installed until run returns, so a second
	// Ctrl-C during the (bounded) drain does not kill the process halfway.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if cfg.Local > 0 {
		return runLocal(ctx, cfg, stdout, logger)
	}

	// pkg/kv and pkg/raft add the node's ID to their own lines.
	n, err := startNode(cfg, logger)
	logger = logger.With("node", cfg.ID)
	if err != nil {
		fmt.Fprintf(stderr, "kvnode %d: %v\n", cfg.ID, err)
		return 1
	}
	http := cfg.HTTP
	if http == "" {
		http = "off"
	}
	logger.Info("listening", "rpc", n.rpcLn.Addr().String(), "http", http, "data", cfg.Data, "peers", idList(cfg.Peers))
	if cfg.Shards {
		logger.Info("sharded mode", "gid", cfg.GID, "controller", addrList(cfg.Controller))
	}
	logger.Info("serving; press Ctrl-C to stop")

	<-ctx.Done()
	logger.Info("draining", "timeout", cfg.RequestTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.RequestTimeout+5*time.Second)
	defer cancel()
	if err := n.shutdown(shutdownCtx); err != nil {
		logger.Error("shutdown", "err", err)
		return 1
	}
	logger.Info("exiting")
	return 0
}

// newLogger builds the process's one logger: Info, or Debug under -v.
func newLogger(cfg config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if cfg.Verbose {
		opts.Level = slog.LevelDebug
	}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
