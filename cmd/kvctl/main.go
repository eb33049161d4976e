// Command kvctl talks to a distkit key-value cluster (cmd/kvnode): one
// operation per run, a lock held with a lease, a status table, and a load
// generator.
//
//	go run ./cmd/kvnode -local 3          # in another terminal
//	go run ./cmd/kvctl put x 1
//	go run ./cmd/kvctl get x
//	go run ./cmd/kvctl cas x 1 2          # set x to 2 if its version is 1
//	go run ./cmd/kvctl lock job -ttl 5s -hold 10s
//	go run ./cmd/kvctl status
//	go run ./cmd/kvctl bench -clients 64 -duration 10s
//
// members, add-server, remove-server and transfer change the cluster itself,
// one server at a time (pkg/raft's membership change). A fourth node joins a
// `kvnode -local 3` cluster like this:
//
//	go run ./cmd/kvnode -id 4 -join -peers 4=127.0.0.1:7004 -data data/node-4
//	go run ./cmd/kvctl add-server 4 127.0.0.1:7004
//	go run ./cmd/kvctl -servers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003,4=127.0.0.1:7004 members
//	go run ./cmd/kvctl remove-server 1
//
// With -shards it talks to the sharded store instead: get, put, append,
// cas and del go to the group that owns the key's shard (shards.go), and
// join, leave, move and config change or show the controller's
// configurations:
//
//	go run ./cmd/kvctl -shards -controller 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 \
//	    join 100 1=127.0.0.1:7101,2=127.0.0.1:7102,3=127.0.0.1:7103
//	go run ./cmd/kvctl -shards -controller 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 put x 1
//	go run ./cmd/kvctl -shards -controller 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003 config
//
// cmd/kvnode's package doc shows how to start such a cluster.
//
// With no -servers it uses the cluster that `kvnode -local 3` starts. Bad
// usage exits 2; an operation that fails, or a cluster that does not answer,
// exits 1 with a message naming what was tried.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// defaultServers matches the cluster of `kvnode -local 3`.
const defaultServers = "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003"

// httpPortOffset is kvnode's rule for its default side port: RPC port + 1000.
const httpPortOffset = 1000

const usage = `Usage: kvctl [-servers 1=host:port,...] [-timeout 5s] COMMAND ARGS
       kvctl -shards -controller 1=host:port,... [-timeout 5s] COMMAND ARGS

Commands:
  get KEY                 print KEY's value
  put KEY VALUE           set KEY
  append KEY VALUE        append VALUE to KEY's value
  cas KEY VERSION VALUE   set KEY if its version is VERSION (0: KEY must not exist)
  del KEY                 delete KEY
  lock NAME [-ttl 5s] [-hold 10s]
                          take the lock NAME (key lock/NAME) with a lease, print its
                          fencing token, hold it (renewing the lease), release it
  status [-http 1=host:port,...]
                          one line per node, from its HTTP side port
  bench [-clients 64] [-duration 10s] [-keys 1000] [-value-size 16] [-read-ratio 0.5]
                          concurrent load; prints ops/s and latency percentiles
  members                 the cluster's configuration, as the leader sees it
  add-server ID ADDRESS   add a node started with kvnode -join (it catches up first)
  remove-server ID        remove a node (the leader too: it steps down)
  transfer [ID]           hand leadership to node ID (default: the most up to date)

Sharded store (-shards -controller ...): get, put, append, cas and del as above, and
  join GID id=host:port,... [GID ...]
                          add replica groups (their kvnode -peers lists) and rebalance
  leave GID [GID...]      remove groups; their shards move to the others
  move SHARD GID          give one shard (0 to 15) to a group
  config [N]              show configuration N (default: the latest)

Flags:
`

// options are kvctl's global flags.
type options struct {
	servers map[int]string
	timeout time.Duration

	shards     bool           // -shards: the sharded store (shards.go)
	controller map[int]string // -shards: the shard controller's nodes
}

// usageError is bad usage: exit status 2 and the usage text.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main with its inputs and outputs passed in. It returns the exit
// status: 0 on success, 1 when the operation failed, 2 for bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, cmd, cmdArgs, err := parseGlobal(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		err = dispatch(ctx, opts, cmd, cmdArgs, stdout, stderr)
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "kvctl: %v\n\n%s", err, usage)
		fs := globalFlags(new(options), new(string))
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		return 2
	default:
		fmt.Fprintf(stderr, "kvctl: %v\n", err)
		return 1
	}
}

func globalFlags(opts *options, servers *string) *flag.FlagSet {
	fs := flag.NewFlagSet("kvctl", flag.ContinueOnError)
	fs.StringVar(servers, "servers", defaultServers, "the cluster's nodes as `id=host:port,...`")
	fs.DurationVar(&opts.timeout, "timeout", 5*time.Second, "give up on one operation after this long")
	fs.BoolVar(&opts.shards, "shards", false, "talk to the sharded store (needs -controller); -servers is then unused")
	fs.Func("controller", "with -shards: the shard controller's nodes as `id=host:port,...`", func(s string) error {
		var err error
		opts.controller, err = parseServers(s)
		return err
	})
	return fs
}

// parseGlobal parses the global flags and splits off the command.
func parseGlobal(args []string, stderr io.Writer) (options, string, []string, error) {
	var opts options
	var servers string
	fs := globalFlags(&opts, &servers)
	fs.SetOutput(io.Discard) // run prints the usage once, with the error
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return opts, "", nil, err
		}
		return opts, "", nil, usageError{err.Error()}
	}
	if opts.timeout <= 0 {
		return opts, "", nil, usagef("-timeout %v: want a positive duration", opts.timeout)
	}
	var err error
	if opts.servers, err = parseServers(servers); err != nil {
		return opts, "", nil, usagef("-servers: %v", err)
	}
	if err := checkShardFlags(opts); err != nil {
		return opts, "", nil, err
	}
	if fs.NArg() == 0 {
		return opts, "", nil, usagef("no command")
	}
	return opts, fs.Arg(0), fs.Args()[1:], nil
}

// dispatch runs one command.
func dispatch(ctx context.Context, opts options, cmd string, args []string, stdout, stderr io.Writer) error {
	if opts.shards || shardOnly[cmd] {
		return dispatchShards(ctx, opts, cmd, args, stdout)
	}
	switch cmd {
	case "get", "put", "append", "cas", "del":
		op, err := parseOp(cmd, args)
		if err != nil {
			return err
		}
		return runOp(ctx, opts, op, stdout)
	case "lock":
		l, err := parseLock(args)
		if err != nil {
			return err
		}
		return runLock(ctx, opts, l, stdout)
	case "status":
		addrs, err := parseStatus(opts, args)
		if err != nil {
			return err
		}
		return runStatus(ctx, opts, addrs, stdout)
	case "members", "add-server", "remove-server", "transfer":
		a, err := parseAdmin(cmd, args)
		if err != nil {
			return err
		}
		return runAdmin(ctx, opts, a, stdout)
	case "bench":
		b, err := parseBench(args)
		if err != nil {
			return err
		}
		return runBench(ctx, opts, b, stdout)
	}
	return usagef("unknown command %q", cmd)
}

// parseServers parses "1=host:port,2=host:port" (the format of kvnode -peers).
func parseServers(s string) (map[int]string, error) {
	servers := make(map[int]string)
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		idText, addr, ok := strings.Cut(item, "=")
		id, err := strconv.Atoi(idText)
		if !ok || err != nil || id <= 0 {
			return nil, fmt.Errorf("%q: want id=host:port with a positive id", item)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("%q: address %q is not host:port", item, addr)
		}
		if _, dup := servers[id]; dup {
			return nil, fmt.Errorf("ID %d appears twice", id)
		}
		servers[id] = addr
	}
	if len(servers) == 0 {
		return nil, errors.New("no servers")
	}
	return servers, nil
}

// serverList renders servers in ID order, for messages.
func serverList(servers map[int]string) string {
	ids := sortedIDs(servers)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%d=%s", id, servers[id])
	}
	return strings.Join(parts, ",")
}

func sortedIDs(m map[int]string) []int {
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}
