package main

import (
	"bytes"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/story.golden with the story's current output")

// pipeNetwork is the story's network over net.Pipe: each dial makes a pipe
// and serves its far end in a goroutine. Call it inside the synctest bubble,
// so the pipes and the goroutines belong to the bubble. The returned wait
// blocks until every server goroutine has returned; a killed server's
// SlowMultiply still runs to its end, and the bubble must not outlive it.
func pipeNetwork() (n network, wait func()) {
	srv := newServer()
	var servers sync.WaitGroup
	dialWith := func(serve func(io.ReadWriteCloser)) func() (net.Conn, error) {
		return func() (net.Conn, error) {
			client, server := net.Pipe()
			servers.Go(func() { serve(server) })
			return client, nil
		}
	}
	return network{
		gobAddr:  "pipe:1",
		jsonAddr: "pipe:2",
		dialGob:  dialWith(serveGob(srv)),
		dialJSON: dialWith(serveJSON(srv)),
		dialDead: func() (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "pipe", Err: syscall.ECONNREFUSED}
		},
		startDoomed: func() (func() (net.Conn, error), func(), error) {
			var mu sync.Mutex
			var serverEnds []net.Conn
			dial := func() (net.Conn, error) {
				client, server := net.Pipe()
				mu.Lock()
				serverEnds = append(serverEnds, server)
				mu.Unlock()
				servers.Go(func() { serveGob(newServer())(server) })
				return client, nil
			}
			kill := func() {
				mu.Lock()
				defer mu.Unlock()
				for _, c := range serverEnds {
					c.Close()
				}
			}
			return dial, kill, nil
		},
	}, servers.Wait
}

// TestStory_OverPipe tells the whole story in a bubble and compares it with
// testdata/story.golden. The two waits for SlowMultiply take virtual time, so
// the test runs in milliseconds and prints the same thing every time.
func TestStory_OverPipe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		n, wait := pipeNetwork()
		defer wait()
		start := time.Now()
		if err := story(&out, n); err != nil {
			t.Fatalf("story: %v\noutput so far:\n%s", err, out.String())
		}
		// Step 3 waits out one SlowMultiply, step 5 another; nothing else waits.
		if got, want := time.Since(start), 2*slowDelay; got != want {
			t.Errorf("story took %v of virtual time, want %v", got, want)
		}
		compareGolden(t, filepath.Join("testdata", "story.golden"), out.Bytes())
	})
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("story output differs from %s (run with -update to accept)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
