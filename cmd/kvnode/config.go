// Flags and their validation: everything kvnode checks before it opens a
// file or a socket, so a typo gets a clear message instead of a half-started
// node.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"distkit/pkg/envflag"
)

// defaultPeers is the cluster that `kvnode -local 3` starts and that kvctl
// talks to when given no -servers.
const defaultPeers = "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003"

// httpPortOffset is the default distance between a node's RPC port and its
// HTTP side port: RPC on 7001, HTTP on 8001. kvctl status uses the same rule.
const httpPortOffset = 1000

// config is a node's configuration, parsed from flags.
type config struct {
	ID     int
	IDFrom string         // -id-from: a StatefulSet pod name whose ordinal gives ID
	Listen string         // RPC listen address
	Peers  map[int]string // every member, this node included, by Raft ID
	Data   string         // directory of the file-backed Raft storage
	HTTP   string         // side port address; "" when disabled
	Join   bool           // start outside the configuration and wait to be added (raft.Config.Join)

	SnapshotBytes      int           // kv.Config.MaxRaftState
	RequestTimeout     time.Duration // kv.Config.RequestTimeout, and the bound on draining
	ElectionTimeoutMin time.Duration // the range is [min, 2*min)
	HeartbeatInterval  time.Duration
	PeerTimeout        time.Duration // per RPC to a peer, dial included

	Verbose   bool
	LogFormat string

	Shards     bool           // -shards: serve a shardkv group instead of a kv.Server (shards.go)
	GID        int            // -shards: this node's replica group
	Controller map[int]string // -shards: the controller cluster's members

	Local     int  // -local N: run N child nodes instead of one node
	BasePort  int  // -local: the first child's RPC port
	LocalTemp bool // -local: data in a temporary directory
}

// envPrefix starts the environment variable of every flag: KVNODE_ID for
// -id (see pkg/envflag).
const envPrefix = "KVNODE"

// parseFlags parses args (without the program name) into a config. Errors
// and -h output go to stderr; the error is flag.ErrHelp for -h.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("kvnode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.ID, "id", 0, "this node's Raft `ID`, one of the IDs in -peers (required)")
	fs.StringVar(&cfg.IDFrom, "id-from", "", "without -id: take the ID from this `name`'s trailing ordinal plus one (kvnode-0 is 1), e.g. a StatefulSet pod's name")
	fs.StringVar(&cfg.Listen, "listen", "", "RPC listen `address` (default: this node's address in -peers)")
	peers := fs.String("peers", defaultPeers, "every member of the cluster, this node included, as `id=host:port,...`")
	fs.StringVar(&cfg.Data, "data", "", "`directory` of the node's Raft storage (default ./data/node-ID)")
	fs.BoolVar(&cfg.Join, "join", false, "start as a new server outside the cluster's configuration and wait for `kvctl add-server`; keep it on later starts of such a node")
	fs.StringVar(&cfg.HTTP, "http", "auto", "HTTP side port `address` for /healthz, /readyz, /status, /debug/vars and /metrics; auto: the RPC port + 1000; off: none")
	fs.IntVar(&cfg.SnapshotBytes, "snapshot-bytes", 1<<20, "snapshot once this many `bytes` of commands were applied since the last one (0: never)")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", time.Second, "how long a request waits to commit; also bounds draining on shutdown")
	fs.DurationVar(&cfg.ElectionTimeoutMin, "election-timeout", 150*time.Millisecond, "minimum election timeout; timeouts are drawn from [t, 2t)")
	fs.DurationVar(&cfg.HeartbeatInterval, "heartbeat", 50*time.Millisecond, "leader heartbeat interval; keep it well below -election-timeout")
	fs.DurationVar(&cfg.PeerTimeout, "peer-timeout", 500*time.Millisecond, "timeout of one RPC to a peer, dial included")
	fs.BoolVar(&cfg.Verbose, "v", false, "debug logs: every election step and RPC")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&cfg.Shards, "shards", false, "serve one replica group of the sharded store (pkg/shardkv) instead of the plain store; needs -gid and -controller")
	fs.IntVar(&cfg.GID, "gid", 0, "with -shards: this node's replica group `ID` (positive); -peers lists the group's members")
	controller := fs.String("controller", "", "with -shards: the shard controller, a plain kvnode cluster, as `id=host:port,...`")
	fs.IntVar(&cfg.Local, "local", 0, "start a local cluster of `N` child nodes on 127.0.0.1 and supervise them")
	fs.IntVar(&cfg.BasePort, "base-port", 7001, "with -local: RPC port of node 1 (node i gets base+i-1, HTTP base+i-1+1000)")
	fs.BoolVar(&cfg.LocalTemp, "local-tmp", false, "with -local: keep data in a temporary directory, removed on exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage:\n  kvnode -id N [-peers %s] [flags]\n  kvnode -local 3\n  kvnode -shards -gid G -controller 1=host:port,... -id N -peers ...\n\nFlags:\n", defaultPeers)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), envflag.Usage(envPrefix, "request-timeout", "id"))
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if err := envflag.Apply(fs, envPrefix, os.LookupEnv); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return cfg, fmt.Errorf("-log-format %q: want text or json", cfg.LogFormat)
	}
	if cfg.Local != 0 {
		if err := cfg.validateShards(*controller); err != nil {
			return cfg, err
		}
		return cfg, validateLocal(cfg)
	}
	var err error
	if cfg.Peers, err = parsePeers(*peers); err != nil {
		return cfg, fmt.Errorf("-peers: %w", err)
	}
	if err := cfg.validateShards(*controller); err != nil {
		return cfg, err
	}
	return cfg, cfg.resolve()
}

// resolve checks a single node's settings and fills in the defaults that
// depend on other flags.
func (c *config) resolve() error {
	if c.ID == 0 && c.IDFrom != "" {
		// A StatefulSet names its pods kvnode-0, kvnode-1, ...; Raft IDs
		// start at 1.
		i := strings.LastIndexByte(c.IDFrom, '-')
		ordinal, err := strconv.Atoi(c.IDFrom[i+1:])
		if err != nil || ordinal < 0 {
			return fmt.Errorf("-id-from %q: want a name ending in -N, like kvnode-0", c.IDFrom)
		}
		c.ID = ordinal + 1
	}
	if c.ID <= 0 {
		return errors.New("-id is required: a positive ID that appears in -peers")
	}
	own, ok := c.Peers[c.ID]
	if !ok {
		return fmt.Errorf("-id %d is not in -peers (IDs there: %s)", c.ID, idList(c.Peers))
	}
	if c.Listen == "" {
		c.Listen = own
	}
	if c.Data == "" {
		c.Data = filepath.Join("data", "node-"+strconv.Itoa(c.ID))
	}
	switch c.HTTP {
	case "auto":
		addr, err := httpAddrFor(c.Listen)
		if err != nil {
			return fmt.Errorf("-http auto: %w", err)
		}
		c.HTTP = addr
	case "off", "":
		c.HTTP = ""
	}
	if c.SnapshotBytes < 0 {
		return fmt.Errorf("-snapshot-bytes %d: want 0 or more", c.SnapshotBytes)
	}
	if c.RequestTimeout <= 0 || c.ElectionTimeoutMin <= 0 || c.HeartbeatInterval <= 0 || c.PeerTimeout <= 0 {
		return errors.New("-request-timeout, -election-timeout, -heartbeat and -peer-timeout must be positive")
	}
	if c.HeartbeatInterval >= c.ElectionTimeoutMin {
		return fmt.Errorf("-heartbeat %v must be below -election-timeout %v, or followers start needless elections",
			c.HeartbeatInterval, c.ElectionTimeoutMin)
	}
	return nil
}

func validateLocal(c config) error {
	if c.Local < 1 || c.Local > 9 {
		return fmt.Errorf("-local %d: want 1 to 9 nodes", c.Local)
	}
	if c.BasePort < 1 || c.BasePort+c.Local-1+httpPortOffset > 65535 {
		return fmt.Errorf("-base-port %d: the ports of %d nodes and their HTTP ports must fit below 65536", c.BasePort, c.Local)
	}
	return nil
}

// parsePeers parses "1=host:port,2=host:port". IDs are positive and unique,
// and so are addresses.
func parsePeers(s string) (map[int]string, error) {
	peers := make(map[int]string)
	seen := make(map[string]int)
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue // tolerate a trailing comma
		}
		idText, addr, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want id=host:port", item)
		}
		id, err := strconv.Atoi(idText)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q: ID %q is not a positive integer", item, idText)
		}
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
			return nil, fmt.Errorf("%q: address %q is not host:port", item, addr)
		}
		if _, dup := peers[id]; dup {
			return nil, fmt.Errorf("ID %d appears twice", id)
		}
		if other, dup := seen[addr]; dup {
			return nil, fmt.Errorf("address %s is given to both %d and %d", addr, other, id)
		}
		peers[id], seen[addr] = addr, id
	}
	if len(peers) == 0 {
		return nil, errors.New("empty: want id=host:port,...")
	}
	return peers, nil
}

// httpAddrFor returns the default side port address for an RPC address:
// the same host, the port plus httpPortOffset.
func httpAddrFor(rpcAddr string) (string, error) {
	host, portText, err := net.SplitHostPort(rpcAddr)
	if err != nil {
		return "", err
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port <= 0 || port+httpPortOffset > 65535 {
		return "", fmt.Errorf("RPC port %q has no port %d above it; set -http explicitly", portText, httpPortOffset)
	}
	return net.JoinHostPort(host, strconv.Itoa(port+httpPortOffset)), nil
}

// checkWritable creates dir if needed and proves a file can be created in
// it, so a read-only or misowned directory is reported before the node
// starts rather than at its first write.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

func idList(peers map[int]string) string {
	ids := make([]int, 0, len(peers))
	for id := range peers {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ", ")
}
