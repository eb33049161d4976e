// -shards: the node serves one replica group of the sharded store
// (pkg/shardkv) instead of the plain replicated store. Everything around the
// state machine stays as in the plain mode: the file-backed Raft log, the RPC
// listener, the side port, the shutdown order. What changes is the replica
// behind them, and that it needs two more things: the controller, which says
// which group owns which shard, and a way to reach the other groups, from
// which it pulls the shards it gains.

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
	"distkit/pkg/shardctl"
	"distkit/pkg/shardkv"
)

// validateShards checks the sharded-mode flags. Called once the plain flags
// are parsed; -controller arrives as text and is parsed here.
func (c *config) validateShards(controller string) error {
	if !c.Shards {
		switch {
		case c.GID != 0:
			return errors.New("-gid needs -shards (a group ID only means something in the sharded mode)")
		case controller != "":
			return errors.New("-controller needs -shards (a plain node is a controller member itself; list its cluster in -peers)")
		}
		return nil
	}
	if c.Local != 0 {
		return errors.New("-local and -shards together are not supported: start the controller with -local and each group's nodes by hand (see the package doc)")
	}
	if c.GID <= 0 {
		return fmt.Errorf("-shards needs -gid: the positive ID of this node's replica group (got %d)", c.GID)
	}
	if controller == "" {
		return errors.New("-shards needs -controller: the controller cluster (plain kvnodes) as id=host:port,...")
	}
	var err error
	if c.Controller, err = parsePeers(controller); err != nil {
		return fmt.Errorf("-controller: %w", err)
	}
	// The controller is another cluster: a node in both would serve two
	// state machines on one port, which the RPC server cannot do.
	for _, addr := range c.Controller {
		for id, own := range c.Peers {
			if addr == own {
				return fmt.Errorf("-controller address %s is also node %d of -peers: the controller is a separate cluster", addr, id)
			}
		}
	}
	return nil
}

// shardReplica adapts a shardkv.Server to what node needs of a replica. It
// owns the connections the server uses besides its Raft peers: the
// controller's clerk and the clients of other groups' servers.
type shardReplica struct {
	srv *shardkv.Server

	mu      sync.Mutex
	dialed  []*raft.RPCPeer // controller members and other groups' servers
	stopped bool
}

// startShardReplica starts group cfg.GID's replica on the given Raft
// configuration. On error it closes what it opened.
func startShardReplica(cfg config, raftCfg raft.Config, logger *slog.Logger) (*shardReplica, error) {
	r := &shardReplica{}
	ctlPeers := make(map[int]raft.Peer)
	for id, addr := range cfg.Controller {
		ctlPeers[id] = r.dial(addr, cfg)
	}
	ctl := shardctl.New(kv.NewClerk(ctlPeers, nil, retry.Policy{}))
	srv, err := shardkv.NewServer(shardkv.Config{
		GID:        cfg.GID,
		Raft:       raftCfg,
		Controller: ctl,
		// Called once per address of another group's server; the server
		// keeps the client, and Stop closes it.
		Dial:           func(addr string) raft.Peer { return r.dial(addr, cfg) },
		MaxRaftState:   cfg.SnapshotBytes,
		RequestTimeout: cfg.RequestTimeout,
		Logger:         logger.With("gid", cfg.GID),
	})
	if err != nil {
		r.closeDialed()
		return nil, err
	}
	r.srv = srv
	return r, nil
}

// dial returns a client for addr that Stop will close.
func (r *shardReplica) dial(addr string, cfg config) *raft.RPCPeer {
	p := raft.DialPeer(addr, cfg.PeerTimeout)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped { // a migration call racing with Stop: hand back a closed client
		p.Close()
		return p
	}
	r.dialed = append(r.dialed, p)
	return p
}

// Register serves "ShardKV" and "Raft".
func (r *shardReplica) Register(srv interface{ RegisterName(string, any) error }) error {
	return r.srv.Register(srv)
}

// Drain turns new requests away, waits for those in flight and hands
// leadership over, as the plain store does (shardkv.Server.Drain).
func (r *shardReplica) Drain(ctx context.Context) error { return r.srv.Drain(ctx) }

// Stop stops the server, then closes every client it used.
func (r *shardReplica) Stop() {
	r.srv.Stop()
	r.closeDialed()
}

func (r *shardReplica) closeDialed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	for _, p := range r.dialed {
		p.Close()
	}
	r.dialed = nil
}

// Status reports the replica in the plain mode's terms, so the side port
// serves it unchanged: the Raft state, the keys held over every shard, and
// the last applied index standing in for the key-value state's (the group's
// log also carries configurations and shard moves, all applied in order).
func (r *shardReplica) Status() kv.Status {
	rs := r.srv.Raft().Status()
	ss := r.srv.Status()
	keys := 0
	for _, k := range ss.Keys {
		keys += k
	}
	return kv.Status{Status: rs, Keys: keys, AppliedKV: rs.LastApplied}
}

// addrList renders members as id=host:port,... in ID order, the format of
// -peers and -controller, for the startup log.
func addrList(members map[int]string) string {
	ids := make([]int, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%d=%s", id, members[id])
	}
	return strings.Join(parts, ",")
}

// Raft returns the group replica's Raft node, for the operator RPCs.
func (r *shardReplica) Raft() *raft.Node { return r.srv.Raft() }
