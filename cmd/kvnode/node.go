// One node: its storage, its kv.Server, the RPC listener with the
// connections it accepted, the HTTP side port, and the order in which they
// are stopped.

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/rpc"
	"sync"
	"syscall"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
)

// node is one running member of the cluster. startNode builds it, shutdown
// takes it apart; nothing else touches its fields.
type node struct {
	cfg     config
	logger  *slog.Logger
	storage *raft.FileStorage
	peers   []*raft.RPCPeer
	kv      replica // a *kv.Server, or a *shardReplica under -shards
	ready   *readiness
	rpcs    *rpcCounts // fed by the Raft event hook, read by /metrics

	rpcLn   net.Listener
	httpLn  net.Listener // nil when the side port is off
	httpSrv *http.Server

	mu    sync.Mutex
	conns map[net.Conn]struct{} // accepted RPC connections still open
	wg    sync.WaitGroup        // the accept loop, one goroutine per connection, the HTTP server
}

// replica is what a node needs of the state machine it serves: the plain
// store's *kv.Server, or a sharded group's replica (shards.go).
type replica interface {
	Register(srv interface{ RegisterName(string, any) error }) error
	Drain(ctx context.Context) error
	Stop()
	Status() kv.Status
	Raft() *raft.Node
}

// startNode listens, opens the storage (refusing corrupt data) and starts
// serving. On error everything it opened is closed again.
func startNode(cfg config, logger *slog.Logger) (_ *node, err error) {
	n := &node{cfg: cfg, logger: logger.With("node", cfg.ID), ready: newReadiness(), rpcs: newRPCCounts(), conns: make(map[net.Conn]struct{})}
	var cleanup []func()
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		}
	}()

	// Sockets first: an address in use is the most common mistake and
	// is reported before any file is touched.
	if n.rpcLn, err = listen("RPC", cfg.Listen); err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { n.rpcLn.Close() })
	if cfg.HTTP != "" {
		if n.httpLn, err = listen("HTTP", cfg.HTTP); err != nil {
			return nil, err
		}
		cleanup = append(cleanup, func() { n.httpLn.Close() })
	}

	if err = checkWritable(cfg.Data); err != nil {
		return nil, err
	}
	if n.storage, err = raft.OpenFileStorage(cfg.Data); err != nil {
		return nil, fmt.Errorf("open storage: %w", err)
	}
	n.storage.Logger = n.logger
	cleanup = append(cleanup, func() { n.storage.Close() })

	peers := make(map[int]raft.Peer)
	for id, addr := range cfg.Peers {
		if id != cfg.ID {
			p := raft.DialPeer(addr, cfg.PeerTimeout)
			peers[id] = p
			n.peers = append(n.peers, p)
		}
	}
	cleanup = append(cleanup, n.closePeers)

	// kv.NewServer (shardkv.NewServer under -shards) starts the Raft
	// node, which loads the storage: a damaged file fails here, with an
	// error naming it, and the node never serves.
	raftCfg := raft.Config{
		ID:      cfg.ID,
		Peers:   peers,
		Storage: n.storage,
		// Membership change (kvctl add-server, remove-server): servers
		// added later read the members' addresses from the log.
		Join:               cfg.Join,
		Addrs:              cfg.Peers,
		Dial:               func(_ int, addr string) raft.Peer { return raft.DialPeer(addr, cfg.PeerTimeout) },
		ElectionTimeoutMin: cfg.ElectionTimeoutMin,
		ElectionTimeoutMax: 2 * cfg.ElectionTimeoutMin,
		HeartbeatInterval:  cfg.HeartbeatInterval,
		// Readiness waits on leadership news; the hook only
		// wakes the waiters, so it never blocks the node.
		OnEvent: func(e raft.Event) {
			n.rpcs.observe(e)
			switch e.Kind {
			case raft.EventRole, raft.EventLeader, raft.EventCommit:
				n.ready.changed()
			}
		},
	}
	if cfg.Shards {
		n.kv, err = startShardReplica(cfg, raftCfg, logger)
	} else {
		n.kv, err = kv.NewServer(kv.Config{
			Raft:           raftCfg,
			MaxRaftState:   cfg.SnapshotBytes,
			RequestTimeout: cfg.RequestTimeout,
			Logger:         logger,
		})
	}
	if err != nil {
		if errors.Is(err, raft.ErrVersion) {
			return nil, fmt.Errorf("refusing to start: the storage in %s has another format version (written by another build of kvnode?): %w", cfg.Data, err)
		}
		if errors.Is(err, raft.ErrCorrupt) {
			return nil, fmt.Errorf("refusing to start on damaged storage in %s (restore it from a backup, or replace this node): %w", cfg.Data, err)
		}
		return nil, err
	}

	rpcServer := rpc.NewServer()
	if err = n.kv.Register(rpcServer); err == nil {
		err = rpcServer.RegisterName("RaftAdmin", raft.NewAdmin(n.kv.Raft()))
	}
	if err != nil {
		n.kv.Stop()
		return nil, err
	}
	n.wg.Add(1)
	go n.acceptLoop(rpcServer)

	if n.httpLn != nil {
		side := newSidePort(n.status, n.ready)
		side.rpcs = n.rpcs
		n.httpSrv = &http.Server{
			Handler:           side.handler(),
			ReadHeaderTimeout: 5 * time.Second,
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := n.httpSrv.Serve(n.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				n.logger.Error("http side port stopped", "err", err)
			}
		}()
	}
	return n, nil
}

// acceptLoop serves each RPC connection in its own goroutine and keeps it in
// n.conns, so shutdown can close the ones still open.
func (n *node) acceptLoop(srv *rpc.Server) {
	defer n.wg.Done()
	for {
		conn, err := n.rpcLn.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				n.logger.Error("accept failed; no new RPC connections", "err", err)
			}
			return
		}
		n.mu.Lock()
		n.conns[conn] = struct{}{}
		n.mu.Unlock()
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			raft.ServeConn(srv, conn) // net/rpc with coalesced writes; returns when the connection breaks or is closed
			n.mu.Lock()
			delete(n.conns, conn)
			n.mu.Unlock()
		}()
	}
}

// shutdown drains and stops the node, in an order that loses nothing:
//
//  1. Report not ready, so load balancers and tests stop sending.
//  2. Stop accepting connections, but keep the open ones: peers use them
//     for the Raft traffic that in-flight requests still need to commit.
//  3. Drain the kv.Server: refuse new requests (clerks move on to another
//     server), wait for in-flight ones (at most the request timeout; after
//     it they answer "timeout" anyway), and hand leadership over if this
//     node leads, so clients wait for no election.
//  4. Stop the kv.Server and its Raft node, close every connection (once
//     its last replies are sent), close the HTTP side port, and close the
//     storage, which fsyncs the log.
//
// A write acknowledged before shutdown is on a majority's disks already;
// the final sync only saves replicated entries the node had not synced yet.
func (n *node) shutdown(ctx context.Context) error {
	n.ready.drain()
	n.rpcLn.Close()
	drainCtx, cancel := context.WithTimeout(ctx, n.cfg.RequestTimeout+time.Second)
	err := n.kv.Drain(drainCtx)
	cancel()
	if err != nil {
		n.logger.Warn("drain incomplete; stopping anyway", "err", err)
	}
	n.kv.Stop()
	n.closePeers()
	// Close the read side only: each connection's server then sees the
	// end of its requests, sends the replies its codec still holds (it
	// coalesces writes, see raft.ServeConn) and closes the connection.
	n.mu.Lock()
	for c := range n.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseRead()
		} else {
			c.Close()
		}
	}
	n.mu.Unlock()
	if n.httpSrv != nil {
		if err := n.httpSrv.Shutdown(ctx); err != nil {
			n.httpSrv.Close()
		}
	}
	n.wg.Wait()
	if err := n.storage.Close(); err != nil {
		return fmt.Errorf("close storage: %w", err)
	}
	return nil
}

func (n *node) closePeers() {
	for _, p := range n.peers {
		p.Close()
	}
}

// status gathers what the side port reports.
func (n *node) status() status {
	logBytes, snapBytes := n.storage.Size()
	return status{Status: n.kv.Status(), LogBytes: logBytes, SnapshotBytes: snapBytes, Draining: n.ready.draining()}
}

// listen opens a TCP listener and explains the usual failure.
func listen(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%s address %s is already in use (another kvnode on it? pick other ports): %w", what, addr, err)
	}
	if err != nil {
		return nil, fmt.Errorf("listen for %s on %s: %w", what, addr, err)
	}
	return ln, nil
}
