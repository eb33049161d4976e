// The client side, told as a story in seven steps. This file has the network
// the story runs over, step 1 and the order of the rest: calls.go has steps 2
// to 4, timeout.go step 5, jsonrpc.go step 6 and failures.go step 7.

package main

import (
	"fmt"
	"io"
	"net"
	"net/rpc"
	"time"
)

// storyDeadline bounds the whole story on each connection it opens, so no
// read or write can hang forever, even inside a bare client.Call.
const storyDeadline = 10 * time.Second

// network is how the story reaches its servers. main fills it with TCP dials
// to 127.0.0.1; the tests fill it with net.Pipe connections to servers in the
// same goroutine bubble. Every dial returns a fresh connection.
type network struct {
	gobAddr, jsonAddr string // shown to the reader only

	dialGob  func() (net.Conn, error) // the gob server (net/rpc's default codec)
	dialJSON func() (net.Conn, error) // the same service over net/rpc/jsonrpc
	dialDead func() (net.Conn, error) // an address where nothing listens

	// startDoomed starts a short-lived gob server for step 7 and returns how
	// to dial it and how to kill it, cutting its connections like a crash.
	startDoomed func() (dial func() (net.Conn, error), kill func(), err error)
}

// story runs all seven steps against n and narrates them to w. It returns an
// error only if the demo itself went wrong (a call that should work failed);
// the failures the story provokes on purpose are printed, not returned.
func story(w io.Writer, n network) error {
	fmt.Fprintf(w, "== 1. One service, its own rpc.Server, a TCP listener\n")
	fmt.Fprintf(w, "   Arith (Multiply, Divide, SlowMultiply) is registered on rpc.NewServer(), not the global rpc.Register.\n")
	fmt.Fprintf(w, "   gob server: %s   JSON-RPC server: %s\n", n.gobAddr, n.jsonAddr)
	fmt.Fprintf(w, "   Every connection the story opens gets a %v deadline, so no step can hang.\n", storyDeadline)
	client, err := dialClient(n.dialGob)
	if err != nil {
		return fmt.Errorf("dial gob server at %s: %w", n.gobAddr, err)
	}
	defer client.Close()

	steps := []func() error{
		func() error { return stepSyncCall(w, client) },
		func() error { return stepAsyncCalls(w, client) },
		func() error { return stepServerError(w, client) },
		func() error { return stepTimeout(w, client) },
		func() error { return stepJSONRPC(w, n) },
		func() error { return stepFailures(w, n, client) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "== done\n")
	return nil
}

// dialClient dials a gob connection and wraps it in an rpc.Client. The
// connection gets storyDeadline, after which every read and write fails: a
// blunt bound for the whole conversation, not a per-call timeout.
func dialClient(dial func() (net.Conn, error)) (*rpc.Client, error) {
	conn, err := dial()
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(storyDeadline))
	return rpc.NewClient(conn), nil
}
