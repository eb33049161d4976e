package queue

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/rpc"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// Brokers in one process, each behind its own net/rpc server on
// 127.0.0.1, in-memory Raft storage. 128-byte messages on 4 partitions;
// 4 producers, each with senders goroutines that send one message at a
// time and wait for it to commit, so 4 x senders messages are in flight;
// one consumer per partition long-polling. Each message carries its send
// time, so the consumer measures end-to-end latency (Send called ->
// message fetched).
//
// Each producer keeps one batch in flight, so by Little's law throughput
// is messages in flight over the round trip: the 3-node benchmark runs at
// three loads to show the trade of latency for throughput. The 1-node and
// no-batching runs use the highest.

func BenchmarkProduceConsume_3Nodes(b *testing.B) {
	for _, senders := range []int{64, 128, 256} {
		b.Run(fmt.Sprintf("inflight=%d", 4*senders), func(b *testing.B) { benchPipeline(b, 3, 1000, senders) })
	}
}
func BenchmarkProduceConsume_1Node(b *testing.B)            { benchPipeline(b, 1, 1000, 256) }
func BenchmarkProduceConsume_3NodesNoBatching(b *testing.B) { benchPipeline(b, 3, 1, 256) }

func benchPipeline(b *testing.B, nodes, maxBatch, senders int) {
	const partitions, producers = 4, 4
	servers := benchCluster(b, nodes)
	ctx := context.Background()
	admin := NewClient(servers, nil, retry.Policy{})
	if err := admin.CreateTopic(ctx, "bench", TopicConfig{Partitions: partitions, MaxMessages: 1 << 16}); err != nil {
		b.Fatal(err)
	}
	var consumed atomic.Int64
	latencies := make([][]time.Duration, partitions)
	var cwg sync.WaitGroup
	b.ResetTimer()
	for p := range partitions {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			cl := NewClient(servers, nil, retry.Policy{})
			from := map[int]int64{p: 0}
			for consumed.Load() < int64(b.N) {
				msgs, err := cl.Fetch(ctx, "bench", from, 5000, 50*time.Millisecond)
				if err != nil {
					b.Error(err)
					return
				}
				now := time.Now().UnixNano()
				for _, m := range msgs {
					latencies[p] = append(latencies[p], time.Duration(now-int64(binary.LittleEndian.Uint64(m.Value))))
					from[p] = m.Offset + 1
				}
				consumed.Add(int64(len(msgs)))
			}
		}()
	}
	var issued atomic.Int64
	var pwg sync.WaitGroup
	for range producers {
		prod := NewProducer(NewClient(servers, nil, retry.Policy{}), "bench", maxBatch)
		defer prod.Close()
		for range senders {
			pwg.Add(1)
			go func() {
				defer pwg.Done()
				for i := issued.Add(1); i <= int64(b.N); i = issued.Add(1) {
					value := make([]byte, 128-8)
					binary.LittleEndian.PutUint64(value, uint64(time.Now().UnixNano()))
					if _, err := prod.Send(ctx, Message{Key: string(rune('a' + i%26)), Value: value}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
	}
	pwg.Wait()
	cwg.Wait()
	b.StopTimer()
	all := slices.Concat(latencies...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// benchCluster starts n brokers on loopback and returns a peer per broker.
func benchCluster(b *testing.B, n int) map[int]raft.Peer {
	listeners := make([]net.Listener, n)
	for i := range listeners {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		listeners[i] = l
		b.Cleanup(func() { l.Close() })
	}
	for i := range n {
		peers := make(map[int]raft.Peer)
		for j := range n {
			if j != i {
				p := raft.DialPeer(listeners[j].Addr().String(), 2*time.Second)
				b.Cleanup(func() { p.Close() })
				peers[j] = p
			}
		}
		s, err := NewServer(Config{Raft: raft.Config{ID: i, Peers: peers,
			ElectionTimeoutMin: 300 * time.Millisecond, ElectionTimeoutMax: 600 * time.Millisecond},
			MaxRaftState: 64 << 20, MaxWait: 500 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Stop)
		srv := rpc.NewServer()
		if err := s.Register(srv); err != nil {
			b.Fatal(err)
		}
		go func() {
			for {
				conn, err := listeners[i].Accept()
				if err != nil {
					return
				}
				go raft.ServeConn(srv, conn)
			}
		}()
	}
	servers := make(map[int]raft.Peer)
	for i, l := range listeners {
		p := raft.DialPeer(l.Addr().String(), 2*time.Second)
		b.Cleanup(func() { p.Close() })
		servers[i] = p
	}
	return servers
}
