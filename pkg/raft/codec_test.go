package raft

import (
	"fmt"
	"net"
	"net/rpc"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

// Shout is the service the codec tests call.
type Shout struct{}

func (Shout) Say(args *string, reply *string) error {
	if *args == "fail" {
		return fmt.Errorf("asked to fail")
	}
	*reply = "echo " + *args
	return nil
}

// countingConn counts the Write calls that reach a connection.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// TestCodec_SpeaksNetRPCsWireFormat runs many concurrent calls in every
// pairing of net/rpc's own codec with the coalescing one: the bytes are
// the same, so each side can be either.
func TestCodec_SpeaksNetRPCsWireFormat(t *testing.T) {
	cases := []struct {
		name           string
		client         func(net.Conn) *rpc.Client
		serve          func(*rpc.Server, net.Conn)
		coalescedWrite bool // the server's replies go through the flusher
	}{
		{"coalescing client, net/rpc server", func(c net.Conn) *rpc.Client { return NewClient(c) }, func(s *rpc.Server, c net.Conn) { s.ServeConn(c) }, false},
		{"net/rpc client, coalescing server", func(c net.Conn) *rpc.Client { return rpc.NewClient(c) }, func(s *rpc.Server, c net.Conn) { ServeConn(s, c) }, true},
		{"coalescing on both sides", func(c net.Conn) *rpc.Client { return NewClient(c) }, func(s *rpc.Server, c net.Conn) { ServeConn(s, c) }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := rpc.NewServer()
				if err := srv.Register(Shout{}); err != nil {
					t.Fatal(err)
				}
				clientEnd, serverEnd := net.Pipe()
				counted := &countingConn{Conn: serverEnd}
				served := make(chan struct{})
				go func() {
					tc.serve(srv, counted)
					close(served)
				}()
				client := tc.client(clientEnd)
				const calls = 200
				var wg sync.WaitGroup
				for i := range calls {
					wg.Go(func() {
						arg := fmt.Sprintf("%d %s", i, strings.Repeat("x", i*37%5000))
						if i%50 == 7 {
							arg = "fail"
						}
						var reply string
						err := client.Call("Shout.Say", &arg, &reply)
						switch {
						case arg == "fail":
							if err == nil || err.Error() != "asked to fail" {
								t.Errorf("call %d: error %v, want the server's error", i, err)
							}
						case err != nil || reply != "echo "+arg:
							t.Errorf("call %d: %.20q, %v; want the echo", i, reply, err)
						}
					})
				}
				wg.Wait()
				client.Close()
				<-served // the server sees the hang-up, sends what is left, and closes
				writes := counted.writes.Load()
				t.Logf("%d replies in %d writes", calls, writes)
				if tc.coalescedWrite && writes >= calls {
					t.Errorf("the server made %d writes for %d replies: nothing was coalesced", writes, calls)
				}
			})
		})
	}
}

// TestCodec_BrokenConnectionFailsEveryCall: calls waiting on a connection
// that breaks all return an error; none waits for ever, and the flusher
// goroutines exit (the bubble would report them otherwise).
func TestCodec_BrokenConnectionFailsEveryCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clientEnd, serverEnd := net.Pipe()
		client := NewClient(clientEnd)
		// A server that reads one request and hangs up.
		go func() {
			buf := make([]byte, 64)
			serverEnd.Read(buf)
			serverEnd.Close()
		}()
		var wg sync.WaitGroup
		var failed atomic.Int64
		for i := range 20 {
			wg.Go(func() {
				arg, reply := fmt.Sprint(i), ""
				if err := client.Call("Shout.Say", &arg, &reply); err != nil {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
		if got := failed.Load(); got != 20 {
			t.Fatalf("%d of 20 calls failed on a broken connection, want all", got)
		}
		// No Close: the broken connection alone must end the client's
		// goroutines and the flusher, or the bubble reports them.
	})
}
