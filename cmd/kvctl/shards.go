// -shards: the same one-shot commands against the sharded store
// (pkg/shardkv), routed through a shardkv.Clerk, plus the controller's
// commands (join, leave, move, config) through a shardctl.Controller. The
// controller is an ordinary kvnode cluster, so both reach it with a kv.Clerk.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
	"distkit/pkg/shardctl"
	"distkit/pkg/shardkv"
)

// shardOnly are the commands that exist only in the sharded mode.
var shardOnly = map[string]bool{"join": true, "leave": true, "move": true, "config": true}

// ctlCommand is a parsed join, leave, move or config.
type ctlCommand struct {
	cmd    string
	groups map[int][]string // join: group ID -> its servers' addresses, in ID order
	gids   []int            // leave
	shard  int              // move
	gid    int              // move
	num    int              // config: the configuration to show; -1: the latest
}

// checkShardFlags rejects the global flags that make no sense together.
func checkShardFlags(opts options) error {
	switch {
	case opts.shards && len(opts.controller) == 0:
		return usagef("-shards needs -controller: the shard controller's nodes as id=host:port,...")
	case !opts.shards && len(opts.controller) > 0:
		return usagef("-controller needs -shards (without it, kvctl talks to the plain store given by -servers)")
	}
	return nil
}

// dispatchShards runs a command in the sharded mode, or explains why it
// cannot run.
func dispatchShards(ctx context.Context, opts options, cmd string, args []string, stdout io.Writer) error {
	if !opts.shards {
		return usagef("%s is a sharded-store command: give -shards -controller id=host:port,...", cmd)
	}
	switch cmd {
	case "get", "put", "append", "cas", "del":
		op, err := parseOp(cmd, args)
		if err != nil {
			return err
		}
		return runShardOp(ctx, opts, op, stdout)
	case "join", "leave", "move", "config":
		c, err := parseCtl(cmd, args)
		if err != nil {
			return err
		}
		return runCtl(ctx, opts, c, stdout)
	case "lock", "bench":
		return usagef("%s is not available with -shards (the sharded store has no leases, and bench drives the plain store)", cmd)
	case "status":
		return usagef("status reads side ports, not shards: run kvctl -servers GROUP'S-NODES status for a group, or -servers CONTROLLER-NODES for the controller")
	}
	return usagef("unknown command %q", cmd)
}

// parseCtl checks the arguments of a controller command.
func parseCtl(cmd string, args []string) (ctlCommand, error) {
	c := ctlCommand{cmd: cmd}
	switch cmd {
	case "join":
		if len(args) == 0 || len(args)%2 != 0 {
			return c, usagef("join wants GID id=host:port,... [GID id=host:port,...], got %d argument(s)", len(args))
		}
		c.groups = make(map[int][]string)
		for i := 0; i < len(args); i += 2 {
			gid, err := positive("join: GID", args[i])
			if err != nil {
				return c, err
			}
			if _, dup := c.groups[gid]; dup {
				return c, usagef("join: group %d appears twice", gid)
			}
			servers, err := parseServers(args[i+1])
			if err != nil {
				return c, usagef("join: group %d's servers: %v", gid, err)
			}
			for _, id := range sortedIDs(servers) {
				c.groups[gid] = append(c.groups[gid], servers[id])
			}
		}
	case "leave":
		if len(args) == 0 {
			return c, usagef("leave wants GID [GID...]")
		}
		for _, a := range args {
			gid, err := positive("leave: GID", a)
			if err != nil {
				return c, err
			}
			c.gids = append(c.gids, gid)
		}
	case "move":
		if len(args) != 2 {
			return c, usagef("move wants SHARD GID, got %d argument(s)", len(args))
		}
		shard, err := strconv.Atoi(args[0])
		if err != nil || shard < 0 || shard >= shardctl.NShards {
			return c, usagef("move: SHARD %q: want 0 to %d", args[0], shardctl.NShards-1)
		}
		if c.gid, err = positive("move: GID", args[1]); err != nil {
			return c, err
		}
		c.shard = shard
	case "config":
		c.num = -1
		switch len(args) {
		case 0:
		case 1:
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 0 {
				return c, usagef("config: N %q: want a configuration number, 0 or more", args[0])
			}
			c.num = n
		default:
			return c, usagef("config wants at most one argument (N), got %d", len(args))
		}
	}
	return c, nil
}

func positive(what, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, usagef("%s %q: want a positive integer", what, s)
	}
	return n, nil
}

// dialer dials servers for one command's clerks and closes them all at the
// end. Safe for concurrent use.
type dialer struct {
	timeout time.Duration
	mu      sync.Mutex
	peers   []*raft.RPCPeer
}

func (d *dialer) dial(addr string) raft.Peer {
	p := raft.DialPeer(addr, d.timeout)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.peers = append(d.peers, p)
	return p
}

func (d *dialer) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.peers {
		p.Close()
	}
}

// newController returns a controller client over a kv.Clerk of the
// controller cluster, with the dialer that closes its connections.
func newController(opts options) (*shardctl.Controller, *dialer) {
	d := &dialer{timeout: min(2*time.Second, opts.timeout)}
	peers := make(map[int]raft.Peer)
	for id, addr := range opts.controller {
		peers[id] = d.dial(addr)
	}
	return shardctl.New(kv.NewClerk(peers, nil, retry.Policy{})), d
}

// runShardOp performs one operation through a shardkv.Clerk, which asks
// the controller where the key's shard lives and sends it there.
func runShardOp(ctx context.Context, opts options, o op, stdout io.Writer) error {
	ctl, d := newController(opts)
	defer d.close()
	ck := shardkv.NewClerk(ctl, d.dial, nil, retry.Policy{})
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()

	var v kv.Value
	var err error
	switch o.cmd {
	case "get":
		v, err = ck.Get(ctx, o.key)
	case "put":
		v, err = ck.Put(ctx, o.key, o.value)
	case "append":
		v, err = ck.Append(ctx, o.key, o.value)
	case "cas":
		v, err = ck.CompareAndSwap(ctx, o.key, o.version, o.value)
	case "del":
		err = ck.Delete(ctx, o.key)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		msg := fmt.Sprintf("%s %q: no answer within %v: shard %d is in group %d of configuration %d (controller %s); is that group up, with a majority, and has a group joined?",
			o.cmd, o.key, opts.timeout, shardctl.Key2Shard(o.key), ck.Config().Shards[shardctl.Key2Shard(o.key)],
			ck.Config().Num, serverList(opts.controller))
		if o.cmd != "get" {
			msg += " The write may still take effect."
		}
		return errors.New(msg)
	}
	if err != nil {
		return explain(err, opts, o, v)
	}
	fmt.Fprint(stdout, formatShardResult(o.cmd, v))
	return nil
}

// formatShardResult is formatResult without the revision: in the sharded
// store each shard counts its own, so it orders nothing across keys.
func formatShardResult(cmd string, v kv.Value) string {
	if cmd == "get" || cmd == "del" {
		return formatResult(cmd, v)
	}
	return fmt.Sprintf("OK version=%d\n", v.Version)
}

// runCtl changes or shows the configuration and prints the result.
func runCtl(ctx context.Context, opts options, c ctlCommand, stdout io.Writer) error {
	ctl, d := newController(opts)
	defer d.close()
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()

	var cfg shardctl.Config
	var err error
	switch c.cmd {
	case "join":
		cfg, err = ctl.Join(ctx, c.groups)
	case "leave":
		cfg, err = ctl.Leave(ctx, c.gids...)
	case "move":
		cfg, err = ctl.Move(ctx, c.shard, c.gid)
	case "config":
		cfg, err = ctl.Query(ctx, c.num)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: the controller did not answer within %v (tried %s); is it running, with a majority up?",
			c.cmd, opts.timeout, serverList(opts.controller))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", c.cmd, err)
	}
	fmt.Fprint(stdout, formatConfig(cfg))
	return nil
}

// formatConfig prints the configuration's summary line, then one line per
// group with its servers.
func formatConfig(cfg shardctl.Config) string {
	var b strings.Builder
	fmt.Fprintln(&b, cfg.String())
	for _, gid := range cfg.GIDs() {
		fmt.Fprintf(&b, "group %d: shards %v servers %s\n", gid, cfg.ShardsOf(gid), strings.Join(cfg.Groups[gid], ","))
	}
	return b.String()
}
