package main

import (
	"context"
	"log/slog"
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

func TestStory_NothingAcknowledgedIsLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet()
		var out strings.Builder
		logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := story(ctx, &out, pn.network(), 1, logger); err != nil {
			t.Fatalf("story: %v\n%s", err, out.String())
		}
		for _, want := range []string{
			"owns partition [0]",
			"(grows: produced, not yet consumed)",
			"all 30 of 30 more messages acknowledged across the failover",
			"billing read every acknowledged message; none lost",
			"once the lease ran out (delivery 2)",
			`reason "invalid JSON (after 3 deliveries)"`,
			"late ack is refused: lease expired",
			"2 deliveries, 1 charge",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
	})
}
