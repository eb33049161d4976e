package raft

import (
	"fmt"
	"net"
	"net/rpc"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distkit/pkg/netsim"
)

// benchCluster is three nodes whose appliers report to waiting proposers.
type benchCluster struct {
	nodes   []*Node
	closers []func()
	leader  chan int // receives the ID of each node that becomes leader

	mu      sync.Mutex
	applied int                   // highest index applied by the leader's service
	waiters map[int]chan struct{} // closed when their index is applied
}

// startBenchCluster starts n nodes wired by connect, which returns node i's
// peers and registers node i's RPC handlers.
func startBenchCluster(b *testing.B, n int, storage func(i int) Storage, connect func(i int, node *Node) map[int]Peer) *benchCluster {
	b.Helper()
	bc := &benchCluster{leader: make(chan int, 16), waiters: make(map[int]chan struct{})}
	for i := range n {
		applyCh := make(chan ApplyMsg, 1024)
		var node *Node
		peers := make(map[int]Peer)
		var err error
		node, err = New(Config{
			ID:                 i,
			Peers:              peers,
			ApplyCh:            applyCh,
			Storage:            storage(i),
			ElectionTimeoutMin: time.Second, // generous: a benchmark saturates the CPU
			ElectionTimeoutMax: 2 * time.Second,
			HeartbeatInterval:  50 * time.Millisecond,
			OnEvent: func(e Event) {
				if e.Kind == EventRole && e.Role == Leader {
					bc.leader <- e.Node
				}
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		// The peers map is filled after New, before any election can
		// start (the first timeout is at least 300ms away).
		for id, p := range connect(i, node) {
			peers[id] = p
		}
		bc.nodes = append(bc.nodes, node)
		go bc.consume(applyCh)
		bc.closers = append(bc.closers, node.Stop)
	}
	return bc
}

// consume records the applied index and wakes proposers waiting for it.
func (bc *benchCluster) consume(applyCh <-chan ApplyMsg) {
	for m := range applyCh {
		if !m.CommandValid {
			continue
		}
		bc.mu.Lock()
		if m.CommandIndex > bc.applied {
			bc.applied = m.CommandIndex
		}
		if ch, ok := bc.waiters[m.CommandIndex]; ok {
			close(ch)
			delete(bc.waiters, m.CommandIndex)
		}
		bc.mu.Unlock()
	}
}

// waitApplied blocks until some node has applied index, and reports false
// after five seconds: the entry was lost with a change of leader, which a
// loaded machine can cause by delaying heartbeats.
func (bc *benchCluster) waitApplied(index int) bool {
	bc.mu.Lock()
	if bc.applied >= index {
		bc.mu.Unlock()
		return true
	}
	ch, ok := bc.waiters[index]
	if !ok {
		ch = make(chan struct{})
		bc.waiters[index] = ch
	}
	bc.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

// run has proposers propose b.N 16-byte commands in total, each waiting for
// its command to commit before proposing the next, and reports commits/s.
func (bc *benchCluster) run(b *testing.B, proposers int) {
	leader := bc.nodes[<-bc.leader]
	command := []byte("0123456789abcdef")
	var issued atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for range proposers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for issued.Add(1) <= int64(b.N) {
				index, _, ok := leader.Start(command)
				if !ok || !bc.waitApplied(index) {
					b.Error("the leader changed during the benchmark (a loaded machine delays heartbeats); run it again")
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
	for _, stop := range bc.closers {
		stop()
	}
}

// BenchmarkCommit_RPC measures committed commands per second on three nodes
// talking net/rpc over TCP on 127.0.0.1, with 64 concurrent proposers and
// in-memory storage: the same setup as the hashicorp/raft figure the
// package doc compares against.
func BenchmarkCommit_RPC(b *testing.B) {
	benchRPC(b, func(int) Storage { return NewMemoryStorage() })
}

// BenchmarkCommit_RPCFile is BenchmarkCommit_RPC with FileStorage: every
// batch of entries is fsynced on each node before it counts.
func BenchmarkCommit_RPCFile(b *testing.B) {
	dir := b.TempDir()
	benchRPC(b, func(i int) Storage {
		s, err := OpenFileStorage(fmt.Sprintf("%s/n%d", dir, i))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
}

func benchRPC(b *testing.B, storage func(int) Storage) {
	const n = 3
	listeners := make([]net.Listener, n)
	for i := range listeners {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		listeners[i] = l
	}
	bc := startBenchCluster(b, n, storage, func(i int, node *Node) map[int]Peer {
		srv := rpc.NewServer()
		if err := srv.RegisterName("Raft", node); err != nil {
			b.Fatal(err)
		}
		go serve(listeners[i], srv)
		peers := make(map[int]Peer)
		for j := range n {
			if j != i {
				p := DialPeer(listeners[j].Addr().String(), 2*time.Second)
				b.Cleanup(func() { p.Close() })
				peers[j] = p
			}
		}
		return peers
	})
	b.Cleanup(func() {
		for _, l := range listeners {
			l.Close()
		}
	})
	bc.run(b, 64)
}

// BenchmarkCommit_Netsim is the same workload over the simulated network
// with no faults: gob copies instead of TCP.
func BenchmarkCommit_Netsim(b *testing.B) {
	network := netsim.New(1)
	bc := startBenchCluster(b, 3, func(int) Storage { return NewMemoryStorage() }, func(i int, node *Node) map[int]Peer {
		srv := netsim.NewServer()
		if err := srv.RegisterName("Raft", node); err != nil {
			b.Fatal(err)
		}
		network.AddServer(strconv.Itoa(i), srv)
		peers := make(map[int]Peer)
		for j := range 3 {
			if j != i {
				peers[j] = network.Client(strconv.Itoa(i), strconv.Itoa(j))
			}
		}
		return peers
	})
	bc.run(b, 64)
}

// serve accepts connections until l is closed. (rpc.Server.Accept would do,
// but it logs the close as an error.)
func serve(l net.Listener, srv *rpc.Server) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go ServeConn(srv, conn)
	}
}
