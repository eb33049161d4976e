package kv

import (
	"context"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// BenchmarkClerk_RPC measures operations per second through clerks: three
// servers in one process, each behind its own net/rpc server on 127.0.0.1,
// 64 concurrent clerks, half Gets and half Puts of 16-byte values on 1000
// keys, in-memory Raft storage.
func BenchmarkClerk_RPC(b *testing.B) {
	const n, clients = 3, 64
	listeners := make([]net.Listener, n)
	for i := range listeners {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		listeners[i] = l
		defer l.Close()
	}
	for i := range n {
		peers := make(map[int]raft.Peer)
		for j := range n {
			if j != i {
				p := raft.DialPeer(listeners[j].Addr().String(), 2*time.Second)
				defer p.Close()
				peers[j] = p
			}
		}
		s, err := NewServer(Config{Raft: raft.Config{ID: i, Peers: peers,
			ElectionTimeoutMin: 300 * time.Millisecond, ElectionTimeoutMax: 600 * time.Millisecond}})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Stop()
		srv := rpc.NewServer()
		if err := s.Register(srv); err != nil {
			b.Fatal(err)
		}
		go serve(listeners[i], srv)
	}
	servers := make(map[int]raft.Peer)
	for i, l := range listeners {
		p := raft.DialPeer(l.Addr().String(), 2*time.Second)
		defer p.Close()
		servers[i] = p
	}
	ctx := context.Background()
	// Wait for a leader with a first write.
	if _, err := NewClerk(servers, nil, retry.Policy{}).Put(ctx, "warmup", "x"); err != nil {
		b.Fatal(err)
	}
	value := "0123456789abcdef"
	var issued atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ck := NewClerk(servers, nil, retry.Policy{})
			for i := issued.Add(1); i <= int64(b.N); i = issued.Add(1) {
				key := fmt.Sprintf("key%d", (int(i)*7+c)%1000)
				var err error
				if i%2 == 0 {
					_, err = ck.Get(ctx, key)
				} else {
					_, err = ck.Put(ctx, key, value)
				}
				if err != nil && err != ErrNotFound {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// serve accepts connections until l is closed.
func serve(l net.Listener, srv *rpc.Server) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go raft.ServeConn(srv, conn)
	}
}
