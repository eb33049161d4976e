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

func TestStory_FencingStopsThePausedClient(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var out strings.Builder
				logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := story(ctx, &out, newPipeNet().network(), seed, logger); err != nil {
					t.Fatalf("seed %d: story: %v\n%s", seed, err, out.String())
				}
				for _, want := range []string{
					"B still waits",
					"B got the lock",
					"fenced storage refuses it",
					"stale fencing token",
					`with tokens: report = "B's report"`,
					"A's Unlock: coord: lease lost",
					"observer: the leader is now alice",
					"observer: the leader is now bob",
					"observer: the leader is now carol",
				} {
					if !strings.Contains(out.String(), want) {
						t.Errorf("seed %d: output lacks %q:\n%s", seed, want, out.String())
					}
				}
			})
		})
	}
}

func TestStory_GivesUpWhenTheClusterIsUnreachable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		nw := newPipeNet().network()
		nw.dial = func(addr string, timeout time.Duration) (net.Conn, error) {
			return nil, errors.New("connection refused")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		err := story(ctx, io.Discard, nw, 1, slog.New(slog.DiscardHandler))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("story on a dead network: error %v, want a deadline error", err)
		}
	})
}
