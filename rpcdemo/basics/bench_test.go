package main

import (
	"io"
	"log/slog"
	"net"
	"net/rpc"
	"net/rpc/jsonrpc"
	"sync"
	"testing"
)

// These benchmarks are the baseline for everything built on net/rpc here:
// one Arith.Multiply call, from encoding the request to decoding the reply.
// Loopback goes through the kernel's TCP stack on 127.0.0.1; Pipe stays in
// memory (net.Pipe), so the gap between them is the cost of the sockets.

// tcpBenchClient serves srv over real TCP on 127.0.0.1 and returns a client
// that speaks the same codec (gob unless json is set).
func tcpBenchClient(b *testing.B, json bool) *rpc.Client {
	b.Helper()
	serve := serveGob(newServer())
	if json {
		serve = serveJSON(newServer())
	}
	l, err := listenTCP("127.0.0.1:0", serve, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	conn, err := net.Dial("tcp", l.addr())
	if err != nil {
		b.Fatal(err)
	}
	client := newBenchClient(conn, json)
	b.Cleanup(func() {
		client.Close()
		l.kill()
		l.wait()
	})
	return client
}

// pipeBenchClient is tcpBenchClient over net.Pipe.
func pipeBenchClient(b *testing.B, json bool) *rpc.Client {
	b.Helper()
	serve := serveGob(newServer())
	if json {
		serve = serveJSON(newServer())
	}
	clientEnd, serverEnd := net.Pipe()
	var wg sync.WaitGroup
	wg.Go(func() { serve(serverEnd) })
	client := newBenchClient(clientEnd, json)
	b.Cleanup(func() {
		client.Close()
		wg.Wait()
	})
	return client
}

func newBenchClient(conn io.ReadWriteCloser, json bool) *rpc.Client {
	if json {
		return jsonrpc.NewClient(conn)
	}
	return rpc.NewClient(conn)
}

// benchSequential makes one call at a time: each b.N is one round trip.
func benchSequential(b *testing.B, client *rpc.Client) {
	b.ReportAllocs()
	args := &Args{A: 6, B: 7}
	var reply int
	for b.Loop() {
		if err := client.Call("Arith.Multiply", args, &reply); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCall_Loopback(b *testing.B) { benchSequential(b, tcpBenchClient(b, false)) }

// BenchmarkCall_LoopbackParallel shares one client, so one connection, among
// GOMAXPROCS goroutines: the calls are multiplexed and overlap.
func BenchmarkCall_LoopbackParallel(b *testing.B) {
	client := tcpBenchClient(b, false)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		args := &Args{A: 6, B: 7}
		var reply int
		for pb.Next() {
			if err := client.Call("Arith.Multiply", args, &reply); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkCall_Pipe(b *testing.B)         { benchSequential(b, pipeBenchClient(b, false)) }
func BenchmarkCall_JSONLoopback(b *testing.B) { benchSequential(b, tcpBenchClient(b, true)) }
func BenchmarkCall_JSONPipe(b *testing.B)     { benchSequential(b, pipeBenchClient(b, true)) }
