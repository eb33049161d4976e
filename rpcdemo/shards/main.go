// Sharding: a key-value store split into 16 shards over Raft groups that
// join and leave while clients keep working. One group is as fast as its
// leader; more groups serve more shards at once.
//
//	go run ./rpcdemo/shards           # about 6 seconds, then exits
//	go run ./rpcdemo/shards -v        # with the servers' logs on stderr
//
// A controller (three pkg/kv servers) holds numbered configurations; three
// groups of three pkg/shardkv servers follow them. Every server has its own
// net/rpc server on 127.0.0.1; they call each other over TCP. Each group
// can apply at most 500 operations a second (a modeled 2ms per operation),
// so the per-group rates show the load spreading. Sample output:
//
//	Step 3. Group 2 joins: half the shards move to it; the others keep serving.
//	  config 2: shards 1111111122222222 (shard i is owned by the group at position i)
//	  [ 1.8s] ops/s  g1:396  g2:0    g3:0     in flight: g1 leaving 8,9,10,11,12,13,14,15, g2 pulling 8,9,10,11,12,13,14,15
//	  [ 1.9s] ops/s  g1:293  g2:356  g3:0     in flight: g1 leaving 8,9,10,11,12,13,14,15, g2 acking 8,9,10,11,12,13,14,15
//	  [ 2.3s] ops/s  g1:365  g2:365  g3:0     in flight: none
//	...
//	Step 6. The clients stop: 3148 operations, 0 failed; every client's last write reads back.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"
)

func main() {
	seed := flag.Uint64("seed", rand.Uint64()%1000, "seed for election timeouts and the workload")
	verbose := flag.Bool("v", false, "print the servers' logs on stderr")
	flag.Parse()
	level := slog.LevelError
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := story(ctx, os.Stdout, tcp, *seed, phase, logger); err != nil {
		fmt.Fprintln(os.Stderr, "shards demo:", err)
		os.Exit(1)
	}
}

// phase is how long each step lets the workload run once the groups have
// settled, so the rates can be read.
const phase = 1200 * time.Millisecond

// story plays the demo on network nw and narrates it to w.
func story(ctx context.Context, w io.Writer, nw network, seed uint64, phase time.Duration, logger *slog.Logger) error {
	c := newCluster(nw, seed, logger)
	defer c.stop()
	say := newNarrator(w, c)

	say.step("Step 1. Start the controller and three groups of three servers; no group has joined yet.")
	if err := c.startController(); err != nil {
		return err
	}
	for gid := 1; gid <= 3; gid++ {
		if err := c.startGroup(gid, 2*time.Millisecond); err != nil {
			return err
		}
	}
	admin := c.controller()

	steps := []struct {
		text   string
		change func() (string, error)
	}{
		{"Step 2. Group 1 joins: it owns every shard. Sixteen clients start.", func() (string, error) {
			cfg, err := admin.Join(ctx, map[int][]string{1: c.addrs[1]})
			return shardString(cfg), err
		}},
		{"Step 3. Group 2 joins: half the shards move to it; the others keep serving.", func() (string, error) {
			cfg, err := admin.Join(ctx, map[int][]string{2: c.addrs[2]})
			return shardString(cfg), err
		}},
		{"Step 4. Group 3 joins: each group gives it some of its shards.", func() (string, error) {
			cfg, err := admin.Join(ctx, map[int][]string{3: c.addrs[3]})
			return shardString(cfg), err
		}},
		{"Step 5. Group 1 leaves: its shards drain to groups 2 and 3, data and duplicate tables included.", func() (string, error) {
			cfg, err := admin.Leave(ctx, 1)
			return shardString(cfg), err
		}},
	}
	var load *workload
	for i, st := range steps {
		say.step("%s", st.text)
		desc, err := st.change()
		if err != nil {
			return err
		}
		say.say("  %s", desc)
		if i == 0 {
			load = startWorkload(c, 16, seed)
		}
		if err := say.watch(ctx, phase); err != nil {
			return err
		}
	}
	ops, failed, err := load.stop()
	if err != nil {
		return err
	}
	say.step("Step 6. The clients stop: %d operations, %d failed; every client's last write reads back.", ops, failed)
	if failed > 0 {
		return fmt.Errorf("%d requests failed", failed)
	}
	return nil
}
