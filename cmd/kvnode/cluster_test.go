// Helpers of the process tests: a cluster of kvnode processes on free
// local ports, their output, and a counter the test can wait on.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/linearizability"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// cluster is a set of kvnode processes on free local ports.
type cluster struct {
	peers string         // the -peers flag
	extra []string       // more flags for every node (-shards, -gid, ...)
	rpc   map[int]string // RPC address by ID
	http  map[int]string // side port by ID
	data  map[int]string
	nodes map[int]*process
}

// process is one running kvnode.
type process struct {
	cmd    *exec.Cmd
	out    *watchWriter
	exited chan struct{} // closed once the process is reaped
}

// startCluster starts n nodes, each given the flags extra besides its own.
func startCluster(t *testing.T, ctx context.Context, n int, extra ...string) *cluster {
	t.Helper()
	ports := freePorts(t, 2*n)
	c := &cluster{extra: extra, rpc: map[int]string{}, http: map[int]string{}, data: map[int]string{}, nodes: map[int]*process{}}
	var peers []string
	for id := 1; id <= n; id++ {
		c.rpc[id] = fmt.Sprintf("127.0.0.1:%d", ports[2*id-2])
		c.http[id] = fmt.Sprintf("127.0.0.1:%d", ports[2*id-1])
		c.data[id] = t.TempDir()
		peers = append(peers, fmt.Sprintf("%d=%s", id, c.rpc[id]))
	}
	c.peers = strings.Join(peers, ",")
	// All first, then wait: one node alone never finds a leader.
	for id := 1; id <= n; id++ {
		c.launch(t, id)
	}
	for id := 1; id <= n; id++ {
		c.waitReady(t, ctx, id)
	}
	return c
}

// start launches node id and waits until it is ready.
func (c *cluster) start(t *testing.T, ctx context.Context, id int) {
	t.Helper()
	c.launch(t, id)
	c.waitReady(t, ctx, id)
}

// launch starts node id's process, with more flags after the usual ones
// (a repeated flag's last value wins).
func (c *cluster) launch(t *testing.T, id int, more ...string) {
	t.Helper()
	p := &process{out: newWatchWriter(t.Output(), fmt.Sprintf("node-%d | ", id), "serving"), exited: make(chan struct{})}
	args := []string{"-id", strconv.Itoa(id), "-peers", c.peers, "-data", c.data[id],
		"-http", c.http[id], "-snapshot-bytes", "2048"}
	args = append(append(args, c.extra...), more...)
	p.cmd = exec.Command(kvnodeBin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start node %d: %v", id, err)
	}
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.kill(t) })
	c.nodes[id] = p
}

// waitReady waits until node id says it is serving and knows a leader.
func (c *cluster) waitReady(t *testing.T, ctx context.Context, id int) {
	t.Helper()
	p := c.nodes[id]
	select {
	case <-p.out.seen:
	case <-p.exited:
		t.Fatalf("node %d exited before serving:\n%s", id, p.out.String())
	case <-ctx.Done():
		t.Fatalf("node %d did not announce it was serving in time", id)
	}
	for {
		code, body, err := get(ctx, "http://"+c.http[id]+"/readyz?wait=5s")
		if err != nil {
			t.Fatalf("node %d /readyz: %v", id, err)
		}
		if code == http.StatusOK {
			return
		}
		t.Logf("node %d not ready yet: %s", id, body)
	}
}

// kill sends SIGKILL (if the process still runs) and waits for it to go.
func (p *process) kill(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.exited
}

// leader asks a live node's /status who leads, waiting for an election if
// there is none.
func (c *cluster) leader(t *testing.T, ctx context.Context) int {
	t.Helper()
	for id, p := range c.nodes {
		select {
		case <-p.exited:
			continue
		default:
		}
		if _, _, err := get(ctx, "http://"+c.http[id]+"/readyz?wait=5s"); err != nil {
			t.Fatal(err)
		}
		_, body, err := get(ctx, "http://"+c.http[id]+"/status")
		if err != nil {
			t.Fatal(err)
		}
		var st statusJSON
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatalf("node %d /status: %v", id, err)
		}
		if st.LeaderID > 0 {
			return st.LeaderID
		}
	}
	t.Fatal("no node knows a leader")
	return 0
}

// clerk returns a client of the cluster and a function closing it.
func (c *cluster) clerk() (*kv.Clerk, func()) {
	peers := map[int]raft.Peer{}
	var all []*raft.RPCPeer
	for id, addr := range c.rpc {
		p := raft.DialPeer(addr, 2*time.Second)
		peers[id] = p
		all = append(all, p)
	}
	return kv.NewClerk(peers, nil, retry.Policy{}), func() {
		for _, p := range all {
			p.Close()
		}
	}
}

func get(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// freePorts reserves n distinct free ports by listening on them, then
// frees them for the nodes. Another process could take one in between;
// on a test machine that is rare enough.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// watchWriter keeps a process's output, copies it to the test's output with
// a prefix, and closes seen when the output first contains want.
type watchWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	copyTo io.Writer
	prefix string
	want   string
	seen   chan struct{}
	closed bool
}

func newWatchWriter(copyTo io.Writer, prefix, want string) *watchWriter {
	return &watchWriter{copyTo: copyTo, prefix: prefix, want: want, seen: make(chan struct{})}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line != "" {
			fmt.Fprintf(w.copyTo, "%s%s", w.prefix, line)
		}
	}
	if !w.closed && strings.Contains(w.buf.String(), w.want) {
		w.closed = true
		close(w.seen)
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// counter counts acknowledged writes and lets a test wait for a count.
type counter struct {
	mu sync.Mutex
	n  int
	ch chan struct{} // closed at the next add
}

func newCounter() *counter { return &counter{ch: make(chan struct{})} }

func (c *counter) add() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	close(c.ch)
	c.ch = make(chan struct{})
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *counter) wait(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	for {
		c.mu.Lock()
		got, ch := c.n, c.ch
		c.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("waited for %d acknowledged writes, got %d before the deadline", n, got)
		}
	}
}

// recordGet reads key through ck and records the read in rec as client's.
// It returns the error of a read whose outcome is unknown; a missing key is
// an answer, not an error.
func recordGet(ctx context.Context, ck *kv.Clerk, rec *linearizability.Recorder, client int, key string) error {
	end := rec.Begin(client, linearizability.KVInput{Op: "get", Key: key})
	v, err := ck.Get(ctx, key)
	switch {
	case err == nil:
		end(linearizability.KVOutput{Value: v.Value, Version: v.Version, Ok: true})
	case errors.Is(err, kv.ErrNotFound):
		end(linearizability.KVOutput{})
	default:
		end(linearizability.KVOutput{Unknown: true})
		return err
	}
	return nil
}
