// -local N: a whole cluster on one machine from one command. The process
// starts itself N more times, as nodes 1..N, and supervises them.

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is one node process of the local cluster.
type child struct {
	id     int
	cmd    *exec.Cmd
	out    *lineWriter
	exited chan struct{} // closed once Wait has returned; err is set then
	err    error
}

// runLocal starts cfg.Local child nodes and waits for ctx to end (Ctrl-C)
// or for a child to die, then stops every child gracefully.
func runLocal(ctx context.Context, cfg config, stdout io.Writer, logger *slog.Logger) int {
	exe, err := os.Executable()
	if err != nil {
		logger.Error("cannot find my own executable to start the nodes", "err", err)
		return 1
	}
	root := filepath.Join("data", "local")
	if cfg.LocalTemp {
		if root, err = os.MkdirTemp("", "kvnode-local-"); err != nil {
			logger.Error("temporary data directory", "err", err)
			return 1
		}
		defer os.RemoveAll(root)
	}

	var peers []string
	for i := 1; i <= cfg.Local; i++ {
		peers = append(peers, fmt.Sprintf("%d=127.0.0.1:%d", i, cfg.BasePort+i-1))
	}
	peerList := strings.Join(peers, ",")

	var outMu sync.Mutex // one line at a time on stdout, whoever wrote it
	children := make([]*child, 0, cfg.Local)
	anyExited := make(chan *child, cfg.Local)
	for i := 1; i <= cfg.Local; i++ {
		c := &child{id: i, exited: make(chan struct{})}
		c.out = &lineWriter{prefix: fmt.Sprintf("node-%d | ", i), w: stdout, mu: &outMu}
		c.cmd = exec.Command(exe, childArgs(cfg, i, peerList, filepath.Join(root, "node-"+strconv.Itoa(i)))...)
		c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
		if err := c.cmd.Start(); err != nil {
			logger.Error("start node", "id", i, "err", err)
			stopChildren(children, cfg.RequestTimeout+5*time.Second, logger)
			return 1
		}
		go func() {
			c.err = c.cmd.Wait()
			c.out.flush()
			close(c.exited)
			anyExited <- c
		}()
		children = append(children, c)
	}

	try := "go run ./cmd/kvctl"
	if peerList != defaultPeers {
		try += " -servers " + peerList
	}
	logger.Info("local cluster started", "nodes", cfg.Local, "data", root, "rpc", peerList)
	logger.Info("talk to it with kvctl", "try", try+" put x 1")
	logger.Info("see every node with kvctl", "try", try+" status")
	logger.Info("press Ctrl-C to stop every node")

	status := 0
	select {
	case <-ctx.Done():
	case c := <-anyExited:
		logger.Error("a node exited; stopping the others", "id", c.id, "err", c.err)
		status = 1
	}
	stopChildren(children, cfg.RequestTimeout+5*time.Second, logger)
	logger.Info("local cluster stopped")
	return status
}

// childArgs is the command line of node id: the cluster's shape plus every
// setting the parent was given that a node understands.
func childArgs(cfg config, id int, peers, data string) []string {
	args := []string{
		"-id", strconv.Itoa(id), "-peers", peers, "-data", data,
		"-snapshot-bytes", strconv.Itoa(cfg.SnapshotBytes),
		"-request-timeout", cfg.RequestTimeout.String(),
		"-election-timeout", cfg.ElectionTimeoutMin.String(),
		"-heartbeat", cfg.HeartbeatInterval.String(),
		"-peer-timeout", cfg.PeerTimeout.String(),
		"-log-format", cfg.LogFormat,
	}
	if cfg.Verbose {
		args = append(args, "-v")
	}
	return args
}

// stopChildren sends SIGTERM to every child still running and waits for it
// to drain, killing those that take longer than timeout.
func stopChildren(children []*child, timeout time.Duration, logger *slog.Logger) {
	for _, c := range children {
		select {
		case <-c.exited:
		default:
			c.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for _, c := range children {
		select {
		case <-c.exited:
		case <-deadline.C:
			logger.Warn("node did not stop in time; killing it", "id", c.id)
			c.cmd.Process.Kill()
			<-c.exited
		}
	}
}

// lineWriter writes each complete line with a prefix, so the output of
// several children interleaves by lines, never inside one. Safe for
// concurrent use through the shared mutex.
type lineWriter struct {
	prefix string
	w      io.Writer
	mu     *sync.Mutex
	buf    []byte // an incomplete last line
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		fmt.Fprintf(l.w, "%s%s\n", l.prefix, l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

// flush writes what is left of an unterminated last line.
func (l *lineWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		fmt.Fprintf(l.w, "%s%s\n", l.prefix, l.buf)
		l.buf = nil
	}
}
