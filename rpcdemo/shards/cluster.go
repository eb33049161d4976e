// The cluster: a controller (three pkg/kv servers) and replica groups of
// three pkg/shardkv servers, each server behind its own net/rpc server on
// its own address, calling the others over the network like separate
// machines.

package main

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/rpc"
	"sync"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
	"distkit/pkg/shardctl"
	"distkit/pkg/shardkv"
)

// network is how servers listen and dial: TCP in the demo, net.Pipe in tests.
type network struct {
	listen func(addr string) (net.Listener, error)
	dial   raft.Dialer
}

var tcp = network{
	listen: func(addr string) (net.Listener, error) { return net.Listen("tcp", addr) },
	dial: func(addr string, timeout time.Duration) (net.Conn, error) {
		return net.DialTimeout("tcp", addr, timeout)
	},
}

// cluster owns every server, listener and client connection of the demo.
type cluster struct {
	net    network
	logger *slog.Logger
	seed   uint64
	ctl    []string // controller addresses
	groups map[int][]*shardkv.Server
	addrs  map[int][]string
	// What stop undoes, in this order: the network (listeners and open
	// connections, so calls in flight fail fast), then the servers, then
	// the clients' connections.
	netStops, serverStops, peerStops []func()
	mu                               sync.Mutex
	clients                          int
}

// raftTimings suit servers sharing one process and one machine.
func raftConfig(id int, peers map[int]raft.Peer, rng *rand.Rand) raft.Config {
	return raft.Config{ID: id, Peers: peers, Rand: rng,
		ElectionTimeoutMin: 150 * time.Millisecond, ElectionTimeoutMax: 300 * time.Millisecond,
		HeartbeatInterval: 50 * time.Millisecond}
}

func newCluster(nw network, seed uint64, logger *slog.Logger) *cluster {
	return &cluster{net: nw, logger: logger, seed: seed,
		groups: make(map[int][]*shardkv.Server), addrs: make(map[int][]string)}
}

// listenAll opens n listeners and returns them with their addresses.
func (c *cluster) listenAll(n int) ([]net.Listener, []string, error) {
	var ls []net.Listener
	var addrs []string
	for range n {
		l, err := c.net.listen("127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("listen: %w", err)
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	return ls, addrs, nil
}

// startController starts the three kv servers that hold the configurations.
func (c *cluster) startController() error {
	ls, addrs, err := c.listenAll(3)
	if err != nil {
		return err
	}
	c.ctl = addrs
	for i := range 3 {
		s, err := kv.NewServer(kv.Config{Raft: raftConfig(i, c.peersOf(addrs, i), c.rng(uint64(i))), Logger: c.logger})
		if err != nil {
			return err
		}
		c.onStop(&c.serverStops, s.Stop)
		if err := c.serve(ls[i], s.Register); err != nil {
			return err
		}
	}
	return nil
}

// startGroup starts the three servers of group gid (not joined yet).
func (c *cluster) startGroup(gid int, serviceTime time.Duration) error {
	ls, addrs, err := c.listenAll(3)
	if err != nil {
		return err
	}
	c.addrs[gid] = addrs
	for i := range 3 {
		s, err := shardkv.NewServer(shardkv.Config{
			GID: gid, Raft: raftConfig(i, c.peersOf(addrs, i), c.rng(uint64(gid*10+i))),
			Controller: c.controller(), Dial: c.dialer(), ServiceTime: serviceTime, Logger: c.logger,
		})
		if err != nil {
			return err
		}
		c.onStop(&c.serverStops, s.Stop)
		if err := c.serve(ls[i], s.Register); err != nil {
			return err
		}
		c.groups[gid] = append(c.groups[gid], s)
	}
	return nil
}

// serve registers a server's services on a net/rpc server of its own and
// accepts connections until the listener closes.
func (c *cluster) serve(l net.Listener, register func(interface{ RegisterName(string, any) error }) error) error {
	srv := rpc.NewServer()
	if err := register(srv); err != nil {
		return err
	}
	var conns sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, conn)
			mu.Unlock()
			conns.Add(1)
			go func() {
				defer conns.Done()
				srv.ServeConn(conn)
			}()
		}
	}()
	c.onStop(&c.netStops, func() {
		l.Close()
		<-done
		mu.Lock()
		for _, conn := range open {
			conn.Close()
		}
		mu.Unlock()
		conns.Wait()
	})
	return nil
}

// peersOf returns Raft peers for member i of the group at addrs.
func (c *cluster) peersOf(addrs []string, i int) map[int]raft.Peer {
	peers := make(map[int]raft.Peer)
	for j, a := range addrs {
		if j != i {
			peers[j] = c.peer(a)
		}
	}
	return peers
}

// peer dials addr with a timeout and redial, and closes it at the end.
func (c *cluster) peer(addr string) raft.Peer {
	p := raft.DialPeerWith(addr, time.Second, c.net.dial)
	c.onStop(&c.peerStops, func() { p.Close() })
	return p
}

func (c *cluster) dialer() func(string) raft.Peer { return c.peer }

// controller returns a client of the controller with a client ID of its own.
func (c *cluster) controller() *shardctl.Controller {
	c.mu.Lock()
	c.clients++
	n := c.clients
	c.mu.Unlock()
	peers := make(map[int]raft.Peer)
	for i, a := range c.ctl {
		peers[i] = c.peer(a)
	}
	return shardctl.New(kv.NewClerk(peers, c.rng(uint64(1000+n)), retry.Policy{}))
}

// clerk returns a sharded client.
func (c *cluster) clerk() *shardkv.Clerk {
	c.mu.Lock()
	c.clients++
	n := c.clients
	c.mu.Unlock()
	return shardkv.NewClerk(c.controller(), c.dialer(), c.rng(uint64(5000+n)), retry.Policy{})
}

func (c *cluster) rng(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(c.seed, stream)) }

func (c *cluster) onStop(list *[]func(), f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	*list = append(*list, f)
}

// stop shuts everything down: network, servers, client connections.
func (c *cluster) stop() {
	c.mu.Lock()
	all := [][]func(){c.netStops, c.serverStops, c.peerStops}
	c.netStops, c.serverStops, c.peerStops = nil, nil, nil
	c.mu.Unlock()
	for _, list := range all {
		for _, f := range list {
			f()
		}
	}
}
