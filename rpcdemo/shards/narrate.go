// The narrator: prints the steps, and while the groups reconfigure, a
// line with each group's rate and the shards in flight.

package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"distkit/pkg/shardctl"
	"distkit/pkg/shardkv"
)

type narrator struct {
	w     io.Writer
	c     *cluster
	start time.Time
	ops   map[int]int64 // group -> operations applied at the last report
	last  time.Time
}

func newNarrator(w io.Writer, c *cluster) *narrator {
	return &narrator{w: w, c: c, start: time.Now(), ops: make(map[int]int64), last: time.Now()}
}

func (n *narrator) step(format string, args ...any) { fmt.Fprintf(n.w, "\n"+format+"\n", args...) }
func (n *narrator) say(format string, args ...any)  { fmt.Fprintf(n.w, format+"\n", args...) }

// watch looks every 50ms for d, and longer if shards are still in
// flight: a step ends only once every group has settled. It prints a line
// at each look while shards move, and every 300ms otherwise.
func (n *narrator) watch(ctx context.Context, d time.Duration) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	end := time.Now().Add(d)
	for {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("waiting for the groups to settle: %w", ctx.Err())
		}
		moving := n.inFlight()
		if moving == "none" && time.Since(n.last) < 300*time.Millisecond {
			continue
		}
		n.report(moving)
		if moving == "none" && time.Now().After(end) {
			return nil
		}
	}
}

// report prints each group's rate since the last report, and moving.
func (n *narrator) report(moving string) {
	now := time.Now()
	secs := now.Sub(n.last).Seconds()
	n.last = now
	var rates []string
	for gid := 1; gid <= 3; gid++ {
		var applied int64
		for _, s := range n.c.groups[gid] {
			applied = max(applied, s.Status().OpsApplied)
		}
		rates = append(rates, fmt.Sprintf("g%d:%-4.0f", gid, float64(applied-n.ops[gid])/secs))
		n.ops[gid] = applied
	}
	fmt.Fprintf(n.w, "  [%4.1fs] ops/s  %s  in flight: %s\n", now.Sub(n.start).Seconds(), strings.Join(rates, " "), moving)
}

// inFlight describes the shards that are moving, as the group leaders see
// them: "g2 pulling 8,9, g1 leaving 8,9", or "none".
func (n *narrator) inFlight() string {
	var moving []string
	for gid := 1; gid <= 3; gid++ {
		for _, s := range n.c.groups[gid] {
			st := s.Status()
			if !st.Leader {
				continue
			}
			for _, state := range []shardkv.ShardState{shardkv.Pulling, shardkv.Acking, shardkv.Leaving} {
				var ids []string
				for shard, ss := range st.Shards {
					if ss == state {
						ids = append(ids, fmt.Sprint(shard))
					}
				}
				if len(ids) > 0 {
					moving = append(moving, fmt.Sprintf("g%d %s %s", gid, state, strings.Join(ids, ",")))
				}
			}
		}
	}
	if len(moving) == 0 {
		return "none"
	}
	return strings.Join(moving, ", ")
}

// shardString shows a configuration as one digit per shard.
func shardString(cfg shardctl.Config) string {
	var b strings.Builder
	for _, gid := range cfg.Shards {
		fmt.Fprint(&b, gid)
	}
	return fmt.Sprintf("config %d: shards %s (shard i is owned by the group at position i)", cfg.Num, b.String())
}
