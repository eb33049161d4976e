package raft

import (
	"errors"
	"net"
	"net/rpc"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Echo is a tiny service for exercising RPCPeer.
type Echo struct{ release chan struct{} }

func (e *Echo) Say(args *string, reply *string) error { *reply = *args; return nil }

// Hang blocks until the test releases it, like a peer stuck in a long GC.
func (e *Echo) Hang(args *string, reply *string) error { <-e.release; return nil }

// pipeDialer serves every new connection on its own end of a net.Pipe and
// remembers the server ends so a test can cut them.
type pipeDialer struct {
	srv   *rpc.Server
	dials int
	conns []net.Conn
	down  bool // refuse connections, as a dead process would
}

func (d *pipeDialer) dial(addr string, timeout time.Duration) (net.Conn, error) {
	d.dials++
	if d.down {
		return nil, errors.New("connection refused")
	}
	client, server := net.Pipe()
	d.conns = append(d.conns, server)
	go d.srv.ServeConn(server)
	return client, nil
}

func (d *pipeDialer) cut() {
	for _, c := range d.conns {
		c.Close()
	}
	d.conns = nil
}

func TestRPCPeer_TimeoutAndRedial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		echo := &Echo{release: make(chan struct{})}
		srv := rpc.NewServer()
		if err := srv.Register(echo); err != nil {
			t.Fatal(err)
		}
		d := &pipeDialer{srv: srv}
		peer := DialPeerWith("node2", 100*time.Millisecond, d.dial)
		defer d.cut()
		defer peer.Close()

		// A normal call dials once.
		var reply string
		if err := peer.Call("Echo.Say", "hello", &reply); err != nil || reply != "hello" {
			t.Fatalf("Call(Echo.Say) = %q, %v; want hello, nil", reply, err)
		}

		// A hung peer costs exactly the timeout, not forever.
		start := time.Now()
		err := peer.Call("Echo.Hang", "x", &reply)
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("Call(Echo.Hang) error = %v, want ErrTimeout", err)
		}
		if took := time.Since(start); took != 100*time.Millisecond {
			t.Errorf("timed out after %v, want exactly 100ms", took)
		}
		close(echo.release)

		// The peer redials after the timeout, and after a broken connection.
		if err := peer.Call("Echo.Say", "again", &reply); err != nil {
			t.Fatalf("call after timeout: %v", err)
		}
		d.cut()
		if err := peer.Call("Echo.Say", "x", &reply); err == nil {
			t.Fatal("call over a cut connection succeeded")
		}
		if err := peer.Call("Echo.Say", "back", &reply); err != nil || reply != "back" {
			t.Fatalf("call after redial = %q, %v; want back, nil", reply, err)
		}
		if d.dials != 3 {
			t.Errorf("dialed %d times, want 3 (first call, after timeout, after cut)", d.dials)
		}

		// A dead peer: a clear error naming the address.
		d.cut()
		d.down = true
		peer.Call("Echo.Say", "x", &reply) // notices the cut connection
		err = peer.Call("Echo.Say", "x", &reply)
		if err == nil || !strings.Contains(err.Error(), "dial peer at node2") {
			t.Errorf("call to a dead peer: error %v, want one naming the dial and address", err)
		}

		// A server-side error is not a broken connection: no redial.
		d.down = false
		peer.Call("Echo.Say", "x", &reply)
		before := d.dials
		var serverErr rpc.ServerError
		if err := peer.Call("Echo.Nope", "x", &reply); !errors.As(err, &serverErr) {
			t.Errorf("unknown method: error %v, want rpc.ServerError", err)
		}
		peer.Call("Echo.Say", "x", &reply)
		if d.dials != before {
			t.Errorf("a server error caused a redial")
		}

		// After Close, calls fail with rpc.ErrShutdown.
		peer.Close()
		if err := peer.Call("Echo.Say", "x", &reply); !errors.Is(err, rpc.ErrShutdown) {
			t.Errorf("call after Close: %v, want rpc.ErrShutdown", err)
		}
	})
}
