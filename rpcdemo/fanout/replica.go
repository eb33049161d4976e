// The server side: a replica of a tiny versioned directory, its injected
// latency, and the listener that serves it over net/rpc.

package main

import (
	"log/slog"
	"math/rand/v2"
	"net"
	"net/rpc"
	"sync"
	"time"
)

// Entry is one versioned value. A replica keeps the highest version it has
// been sent, so replicas that missed a write hold an older version.
type Entry struct {
	Value   string
	Version int
}

// LookupArgs asks a replica for one key.
type LookupArgs struct{ Key string }

// LookupReply carries the replica's copy of the key, if it has one.
type LookupReply struct {
	Entry Entry
	Found bool
}

// StoreArgs asks a replica to store Entry under Key if it is newer than its copy.
type StoreArgs struct {
	Key   string
	Entry Entry
}

// StoreReply tells whether the entry replaced the replica's copy.
type StoreReply struct{ Applied bool }

// Replica is the RPC service, registered as "Replica". Every call first waits
// a delay drawn from latency, standing in for the disk seeks, garbage
// collection pauses and noisy neighbours that give real servers their tail.
// Its methods are safe for concurrent use: net/rpc runs each call in its own
// goroutine.
type Replica struct {
	latency func() time.Duration

	mu   sync.Mutex
	data map[string]Entry // guarded by mu
}

func newReplica(data map[string]Entry, latency func() time.Duration) *Replica {
	r := &Replica{latency: latency, data: make(map[string]Entry)}
	for k, e := range data {
		r.data[k] = e
	}
	return r
}

// Lookup returns the replica's copy of args.Key.
func (r *Replica) Lookup(args *LookupArgs, reply *LookupReply) error {
	time.Sleep(r.latency())
	r.mu.Lock()
	defer r.mu.Unlock()
	reply.Entry, reply.Found = r.data[args.Key]
	return nil
}

// Store keeps args.Entry if its version is newer than the replica's copy, so
// a late or repeated write never rolls a value back.
func (r *Replica) Store(args *StoreArgs, reply *StoreReply) error {
	time.Sleep(r.latency())
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.data[args.Key]; ok && old.Version >= args.Entry.Version {
		return nil
	}
	r.data[args.Key] = args.Entry
	reply.Applied = true
	return nil
}

// heavyTail returns a latency sampler: 95% of calls take 1-3ms, and 5% take
// 20-50ms. That slow 5% is the tail hedging goes after. The sampler is safe
// for concurrent use and, for a given seed, draws the same sequence each run.
func heavyTail(seed, stream uint64) func() time.Duration {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, stream))
	return func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		if rng.Float64() < 0.05 {
			return 20*time.Millisecond + time.Duration(rng.Int64N(int64(30*time.Millisecond)))
		}
		return time.Millisecond + time.Duration(rng.Int64N(int64(2*time.Millisecond)))
	}
}

// newRPCServer gives each replica its own net/rpc server: several replicas
// share this process, so the global rpc.Register would not do.
func newRPCServer(r *Replica) *rpc.Server {
	srv := rpc.NewServer()
	// Register fails only for a type with no suitable methods: a programmer mistake.
	if err := srv.RegisterName("Replica", r); err != nil {
		panic(err)
	}
	return srv
}

// replicaServer serves one Replica on a TCP listener until Close.
type replicaServer struct {
	name   string
	lis    net.Listener
	srv    *rpc.Server
	logger *slog.Logger
	wg     sync.WaitGroup // the accept loop and one goroutine per connection

	mu     sync.Mutex
	conns  map[net.Conn]bool // open connections, so Close can really take the replica down
	closed bool
}

// serveReplica listens on addr (use "127.0.0.1:0" for any free port) and
// serves r there in the background.
func serveReplica(name, addr string, r *Replica, logger *slog.Logger) (*replicaServer, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &replicaServer{
		name: name, lis: lis, srv: newRPCServer(r),
		logger: logger.With("replica", name), conns: make(map[net.Conn]bool),
	}
	s.wg.Go(s.acceptLoop)
	return s, nil
}

// acceptLoop replaces rpc.Server.Accept, which logs through the global
// logger when its listener closes and forgets its connections.
func (s *replicaServer) acceptLoop() {
	for {
		conn, err := s.lis.Accept()
		if err != nil {
			return // the listener was closed
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = true
		s.mu.Unlock()
		s.logger.Debug("client connected", "remote", conn.RemoteAddr())
		s.wg.Go(func() {
			s.srv.ServeConn(conn) // returns once the connection is closed
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
		})
	}
}

// Addr is the address the replica listens on.
func (s *replicaServer) Addr() string { return s.lis.Addr().String() }

// Close stops listening, drops every connection, and waits for the serving
// goroutines to finish, in-flight calls included.
func (s *replicaServer) Close() error {
	s.mu.Lock()
	s.closed = true
	err := s.lis.Close()
	for conn := range s.conns {
		conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
