package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"distkit/pkg/pipenet"
)

// pipeNet is the in-memory network the tests run the story on, so that it
// fits in a synctest bubble (see pkg/pipenet).
type pipeNet struct{ *pipenet.Network }

func newPipeNet() *pipeNet { return &pipeNet{pipenet.New()} }

func (pn *pipeNet) network() network { return network{listen: pn.Listen, dial: pn.Dial} }

// newTestLab starts a five-node lab on pn inside the caller's bubble and
// stops it when the test ends. Its narration goes to the test's output.
func newTestLab(t *testing.T, pn *pipeNet, seed uint64) *lab {
	t.Helper()
	l, err := newLab(labConfig{nodes: 5, seed: seed, net: pn.network(), wire: time.Millisecond,
		logger: slog.New(slog.DiscardHandler), out: t.Output()})
	if err != nil {
		t.Fatalf("newLab: %v", err)
	}
	t.Cleanup(l.close)
	return l
}

// serveTestLab serves l's dashboard on pn and returns a client for it.
func serveTestLab(t *testing.T, pn *pipeNet, l *lab) *http.Client {
	t.Helper()
	ln, err := pn.Listen("dashboard:80")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: l.routes()}
	go srv.Serve(ln)
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return pn.Dial("dashboard:80", time.Second)
	}}
	t.Cleanup(func() {
		l.hub.stop() // ends the event streams
		transport.CloseIdleConnections()
		srv.Shutdown(context.Background())
	})
	return &http.Client{Transport: transport}
}
