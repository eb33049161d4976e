package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/pipenet"
)

// pipeNet is the in-memory network the tests run the story on, so that it
// fits in a synctest bubble (see pkg/pipenet).
type pipeNet struct{ *pipenet.Network }

func newPipeNet() *pipeNet { return &pipeNet{pipenet.New()} }

func (pn *pipeNet) network() network { return network{listen: pn.Listen, dial: pn.Dial} }

func TestStory_LeaderFailsOverAndLogsAgree(t *testing.T) {
	for _, nodes := range []int{3, 5} {
		t.Run(fmt.Sprintf("nodes=%d", nodes), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pn := newPipeNet()
				var out strings.Builder
				logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				if err := story(ctx, &out, pn.network(), nodes, 1, logger); err != nil {
					t.Fatalf("story: %v\n%s", err, out.String())
				}
				for _, want := range []string{
					"LEADER of term",
					"Kill the leader",
					"took over",
					"has applied all 5 commands again",
					fmt.Sprintf("node %d is a member after", nodes),
					"from before it existed too",
					"no longer counts and can be stopped",
					fmt.Sprintf("all %d logs agree, node %d's included", nodes, nodes),
				} {
					if !strings.Contains(out.String(), want) {
						t.Errorf("output lacks %q:\n%s", want, out.String())
					}
				}
			})
		})
	}
}

func TestStory_RejectsBadClusterSize(t *testing.T) {
	err := story(context.Background(), io.Discard, tcp, 2, 1, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "pick 3 to 7") {
		t.Errorf("story with 2 nodes: error %v, want one asking for 3 to 7", err)
	}
}

func TestStory_GivesUpWithoutALeader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Every dial fails: no votes can be gathered, so no leader emerges.
		nw := newPipeNet().network()
		nw.dial = func(addr string, timeout time.Duration) (net.Conn, error) {
			return nil, errors.New("connection refused")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		err := story(ctx, io.Discard, nw, 3, 1, slog.New(slog.DiscardHandler))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("story on a dead network: error %v, want a deadline error", err)
		}
	})
}
