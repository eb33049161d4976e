// Real processes: the kvnode binary, built once, started three times, one
// of them killed with SIGKILL while clients write. No sleeps: the test waits
// for what a node announces (its "serving" log line, then /readyz?wait=5s),
// always under a context deadline.

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"distkit/pkg/linearizability"
	"distkit/pkg/raft"
)

// kvnodeBin is the binary TestMain built for this run.
var kvnodeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kvnode-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kvnodeBin = filepath.Join(dir, "kvnode")
	build := exec.Command("go", "build", "-o", kvnodeBin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build kvnode: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestProcess_KillLeaderLosesNoAcknowledgedWrite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := startCluster(t, ctx, 3)

	// Four writers append numbered tokens to keys of their own; a reader
	// reads all four keys. Everything is recorded for the checker.
	rec := linearizability.NewRecorder()
	progress := newCounter()
	writeCtx, stopWriting := context.WithCancel(ctx)
	const writers = 4
	acked := make([][]string, writers)
	pending := make([]string, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ck, done := c.clerk()
			defer done()
			key := fmt.Sprintf("k%d", w)
			for i := 0; writeCtx.Err() == nil; i++ {
				token := fmt.Sprintf("w%d.%d;", w, i)
				end := rec.Begin(w, linearizability.KVInput{Op: "append", Key: key, Value: token})
				v, err := ck.Append(writeCtx, key, token)
				if err != nil {
					end(linearizability.KVOutput{Unknown: true})
					pending[w] = token // it may still take effect: at most once, last
					return
				}
				end(linearizability.KVOutput{Version: v.Version})
				acked[w] = append(acked[w], token)
				progress.add()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		ck, done := c.clerk()
		defer done()
		for i := 0; writeCtx.Err() == nil; i++ {
			recordGet(writeCtx, ck, rec, writers, fmt.Sprintf("k%d", i%writers))
		}
	}()
	t.Cleanup(func() { stopWriting(); wg.Wait() })

	progress.wait(t, ctx, 20)
	leader := c.leader(t, ctx)
	t.Logf("killing leader %d with SIGKILL after %d acknowledged writes", leader, progress.get())
	c.nodes[leader].kill(t)

	// The survivors elect a new leader and the writers carry on.
	progress.wait(t, ctx, progress.get()+20)
	t.Logf("restarting node %d on the same data directory", leader)
	c.start(t, ctx, leader)
	progress.wait(t, ctx, progress.get()+20)
	stopWriting()
	wg.Wait()

	// Every acknowledged token is there once, in order; only the one a
	// writer gave up on may follow them.
	ck, done := c.clerk()
	defer done()
	for w := range writers {
		v, err := ck.Get(ctx, fmt.Sprintf("k%d", w))
		if err != nil {
			t.Fatalf("final get of k%d: %v", w, err)
		}
		want := strings.Join(acked[w], "")
		if v.Value != want && v.Value != want+pending[w] {
			t.Errorf("k%d: got %q,\nwant the %d acknowledged tokens %q (optionally followed by %q)",
				w, v.Value, len(acked[w]), want, pending[w])
		}
	}
	res := linearizability.Check(linearizability.KVModel{}, rec.History(), 5*time.Second)
	switch res.Verdict {
	case linearizability.Ok:
	case linearizability.Unknown:
		t.Logf("linearizability check gave up at its deadline")
	default:
		t.Errorf("history of %d operations is not linearizable: %+v", len(rec.History()), res)
	}
}

func TestProcess_CorruptLogRefusesToStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dir := t.TempDir()
	st, err := raft.OpenFileStorage(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(); err != nil {
		t.Fatal(err)
	}
	entries := []raft.Entry{{Index: 1, Term: 1, Command: []byte("aaaa")}, {Index: 2, Term: 1, Command: []byte("bbbb")}, {Index: 3, Term: 1, Command: []byte("cccc")}}
	if err := st.Append(entries); err != nil {
		t.Fatal(err)
	}
	if err := st.Sync(); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Flip a byte inside the first record: its checksum no longer matches,
	// and since records follow it, it is damage, not a torn tail.
	logPath := filepath.Join(dir, "log")
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/4] ^= 0xff
	if err := os.WriteFile(logPath, data, 0o644); err != nil {
		t.Fatal(err)
	}

	port := freePorts(t, 1)[0]
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, kvnodeBin, "-id", "1", "-peers", fmt.Sprintf("1=127.0.0.1:%d", port), "-data", dir, "-http", "off")
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("kvnode on a corrupt log: got %v, want exit status 1; output:\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), logPath) || !strings.Contains(out.String(), "corrupt") {
		t.Errorf("kvnode on a corrupt log: got output\n%s\nwant a message naming %s as corrupt", out.String(), logPath)
	}
}

func TestProcess_SIGTERMExitsZero(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := startCluster(t, ctx, 1)
	ck, done := c.clerk()
	defer done()
	if _, err := ck.Put(ctx, "x", "1"); err != nil {
		t.Fatalf("put: %v", err)
	}
	p := c.nodes[1]
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-ctx.Done():
		t.Fatalf("kvnode did not exit within the deadline after SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit status after SIGTERM: got %d, want 0; output:\n%s", code, p.out.String())
	}
	if !strings.Contains(p.out.String(), "exiting") {
		t.Errorf("output after SIGTERM: got\n%s\nwant an \"exiting\" line", p.out.String())
	}
}
