//go:build challenge

package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/rpc"
	"strings"
	"testing"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// TestChallengeWatch checks the exercise "kvctl watch": `kvctl watch KEY`
// prints one line per change of KEY (the new value, or "deleted") until
// interrupted, then exits 0.
//
//	go test -tags challenge -run TestChallengeWatch ./cmd/kvctl
func TestChallengeWatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// A one-node cluster in this process, on a real local socket.
	srv, err := kv.NewServer(kv.Config{Raft: raft.Config{ID: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	rs := rpc.NewServer()
	if err := srv.Register(rs); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go rs.ServeConn(conn)
		}
	}()
	addr := ln.Addr().String()
	peer := raft.DialPeer(addr, 2*time.Second)
	defer peer.Close()
	ck := kv.NewClerk(map[int]raft.Peer{1: peer}, nil, retry.Policy{})

	watchCtx, stopWatch := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	status := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		status <- run(watchCtx, []string{"-servers", "1=" + addr, "watch", "x"}, pw, &stderr)
		pw.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("watch ended before printing %q (exit status %d, stderr %q)", want, <-status, stderr.String())
			}
			if !strings.Contains(line, want) {
				t.Fatalf("watch printed %q, want a line containing %q", line, want)
			}
		case <-ctx.Done():
			t.Fatalf("watch printed nothing containing %q in time", want)
		}
	}

	for _, v := range []string{"first", "second"} {
		if _, err := ck.Put(ctx, "x", v); err != nil {
			t.Fatal(err)
		}
		expect(v)
	}
	if err := ck.Delete(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	expect("deleted")
	stopWatch()
	for range lines {
	}
	if got := <-status; got != 0 {
		t.Fatalf("watch after Ctrl-C: got exit status %d, want 0 (stderr %q)", got, stderr.String())
	}
}
