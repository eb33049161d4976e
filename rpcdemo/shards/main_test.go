package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/pipenet"
)

// The whole story in virtual time: groups join and leave under load, every
// request succeeds, and every client's last write reads back.
func TestStory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := pipenet.New() // net.Pipe connections, so the story fits in a bubble
		nw := network{listen: pn.Listen, dial: pn.Dial}
		var out bytes.Buffer
		logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := story(ctx, &out, nw, 1, 250*time.Millisecond, logger); err != nil {
			t.Fatalf("story: %v\n%s", err, out.String())
		}
		text := out.String()
		for _, want := range []string{
			"config 1: shards 1111111111111111",
			"config 2: shards 1111111122222222",
			"config 4: shards 222",
			"g2 pulling",
			", 0 failed; every client's last write reads back.",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("output lacks %q:\n%s", want, text)
			}
		}
	})
}
