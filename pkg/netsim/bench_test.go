package netsim

import (
	"net"
	"net/rpc"
	"testing"
	"time"
)

// BenchmarkCall measures one Call on a network without faults: two gob
// encodings, two decodings, a goroutine and a timer.
func BenchmarkCall(b *testing.B) {
	n := New(1)
	s, _ := newKVServer(b)
	n.AddServer("b", s)
	// The timeout runs on the real clock here: make it long enough that a
	// busy machine never turns a slow reply into a failure.
	n.SetTimeout(time.Minute)
	c := n.Client("a", "b")
	args := &PutArgs{Key: "key", Value: "value"}
	b.ReportAllocs()
	for b.Loop() {
		var reply PutReply
		if err := c.Call("KV.Put", args, &reply); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNetRPCPipe is the yardstick: the same call through net/rpc over an
// in-memory net.Pipe, where gob sends each type description only once.
func BenchmarkNetRPCPipe(b *testing.B) {
	srv := rpc.NewServer()
	if err := srv.Register(newKV()); err != nil {
		b.Fatal(err)
	}
	serverEnd, clientEnd := net.Pipe()
	go srv.ServeConn(serverEnd)
	c := rpc.NewClient(clientEnd)
	defer c.Close()
	args := &PutArgs{Key: "key", Value: "value"}
	b.ReportAllocs()
	for b.Loop() {
		var reply PutReply
		if err := c.Call("KV.Put", args, &reply); err != nil {
			b.Fatal(err)
		}
	}
}
