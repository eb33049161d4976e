// The narrated scenes of the demo, in the order they play.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// key is the one directory entry the story reads and writes.
const key = "ada"

// opTimeout bounds every read and write of the story, so a replica that
// accepts connections but never answers cannot hang the demo.
const opTimeout = 2 * time.Second

// lookupTimeout bounds each lookup of the hedging scene, well above the
// slowest answer a healthy replica gives (50ms), so that a replica that hangs
// costs the run seconds, not minutes.
const lookupTimeout = 250 * time.Millisecond

// errNoReplicas means that not a single replica could be reached.
var errNoReplicas = errors.New("no replica reachable")

// initialData is what every replica holds when it starts.
func initialData() map[string]Entry {
	return map[string]Entry{key: {Value: "ext 101", Version: 1}}
}

// story plays the scenes against connected replicas and narrates them to out.
type story struct {
	out     io.Writer
	c       *Client
	lookups int          // per run of the hedging scene
	down    func() error // takes the last replica down; nil when the replicas run in another process
}

// run plays every scene. It stops early only when ctx ends (Ctrl-C) or when
// no replica at all can be reached; failures of single replicas are part of
// the story and are narrated instead.
func (s *story) run(ctx context.Context) error {
	if err := s.roster(); err != nil {
		return err
	}
	scenes := []func(context.Context){s.all, s.write, s.first, s.quorum, s.hedging}
	if s.down != nil {
		scenes = append(scenes, s.replicaDown)
	}
	for _, scene := range scenes {
		if err := ctx.Err(); err != nil {
			return err
		}
		scene(ctx)
	}
	return ctx.Err()
}

// roster lists the replicas and whether each could be reached.
func (s *story) roster() error {
	s.say("Replicas of a tiny phone directory, each answering after a random delay")
	s.say("(mostly 1-3ms, but 5%% of answers take 20-50ms: a heavy tail):")
	reachable := 0
	for _, rc := range s.c.replicas {
		if rc.err != nil {
			s.say("  %s  %-16s unreachable: %v; its calls will fail at once", rc.name, rc.addr, rc.err)
			continue
		}
		reachable++
		s.say("  %s  %-16s connected", rc.name, rc.addr)
	}
	if reachable == 0 {
		return errNoReplicas
	}
	return nil
}

func (s *story) all(ctx context.Context) {
	s.scene("All: ask every replica, wait for every answer")
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	start := time.Now()
	got, err := s.c.readAll(ctx, key)
	if err != nil {
		s.say("  failed: %s", oneLine(err))
		s.say("  All needs every replica, so one failure fails the whole read (and cancels the rest).")
		return
	}
	var parts []string
	for _, a := range got {
		parts = append(parts, fmt.Sprintf("%s: %s", a.Replica, show(a)))
	}
	s.say("  %s", strings.Join(parts, "   "))
	s.say("  took %s: All is as slow as the slowest replica.", millis(time.Since(start)))
}

// write stores version 2 on every replica but the last, which "misses" the
// write (as if it had been restarting), so the reads that follow can meet a
// stale copy.
func (s *story) write(ctx context.Context) {
	n := len(s.c.replicas)
	var targets []int
	var names []string
	for i := range max(n-1, 1) {
		targets = append(targets, i)
		names = append(names, s.c.replicas[i].name)
	}
	s.scene("Write %s = %q (v2) to %s; %s misses it",
		key, "ext 202", strings.Join(names, " and "), s.c.replicas[n-1].name)
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := s.c.write(ctx, key, Entry{Value: "ext 202", Version: 2}, targets...); err != nil {
		s.say("  write failed: %s", oneLine(err))
		return
	}
	s.say("  stored on %d replicas at once (fanout.All over the writes)", len(targets))
}

func (s *story) first(ctx context.Context) {
	s.scene("First: ask every replica, keep the first answer, cancel the rest")
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	start := time.Now()
	a, err := s.c.readFirst(ctx, key)
	if err != nil {
		s.say("  failed: %s", oneLine(err))
		return
	}
	s.say("  %s answered first: %s in %s", a.Replica, show(a), millis(time.Since(start)))
	if a.Entry.Version < 2 {
		s.say("  That copy is stale: the fastest replica is not always a fresh one.")
	} else {
		s.say("  Fresh this time, but First would return a stale copy just as happily.")
	}
}

func (s *story) quorum(ctx context.Context) {
	n := len(s.c.replicas)
	k := n/2 + 1
	s.scene("Quorum(%d of %d): wait for %d answers, keep the newest version", k, n, k)
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	newest, got, err := s.c.readQuorum(ctx, key, k)
	if err != nil {
		s.say("  failed: %s", oneLine(err))
		return
	}
	var parts []string
	for _, a := range got {
		parts = append(parts, fmt.Sprintf("%s: %s", a.Replica, show(a)))
	}
	s.say("  %s  ->  newest: %s", strings.Join(parts, ", "), show(newest))
	w := max(n-1, 1)
	s.say("  %d written + %d read > %d replicas: any %d answers include one that took the write.", w, k, n, k)
}

// hedging compares lookups sent to one replica with hedged lookups.
// Both runs rotate the replica asked first, to spread the load.
func (s *story) hedging(ctx context.Context) {
	n := len(s.c.replicas)
	delay := s.c.HedgeDelay
	s.scene("Hedged requests: %d lookups sent to one replica each, then %d hedged after %s",
		s.lookups, s.lookups, millis(delay))
	plain := measure(ctx, s.c, s.lookups, func(ctx context.Context, i int) (answer, error) {
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		return s.c.readOne(ctx, key, i%n)
	})
	hedged := measure(ctx, s.c, s.lookups, func(ctx context.Context, i int) (answer, error) {
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		return s.c.readHedged(ctx, key, i%n)
	})
	s.say("  %-15s %8s %8s %8s   %s", "", "p50", "p95", "p99", "requests")
	s.row("one replica", plain)
	s.row("hedged at "+millis(delay), hedged)
	before, after := plain.percentile(99), hedged.percentile(99)
	if after < before {
		s.say("  Hedging cut p99 from %s to %s for %.0f%% more requests.", millis(before), millis(after), 100*hedged.extraLoad())
	} else {
		s.say("  Hedging did not cut p99 this time (%s, then %s): is the machine busy?", millis(before), millis(after))
	}
	s.say("  A backup goes out only when an answer is later than %s, so the extra load follows the", millis(delay))
	s.say("  share of slow answers (5%%, plus whatever a busy machine adds).")
}

// replicaDown takes the last replica down and reads again with every shape.
func (s *story) replicaDown(ctx context.Context) {
	n := len(s.c.replicas)
	last := s.c.replicas[n-1].name
	s.scene("%s goes down: its server closes every connection", last)
	if err := s.down(); err != nil {
		s.say("  (closing it reported: %v)", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()

	if _, err := s.c.readAll(ctx, key); err != nil {
		s.say("  %-15s failed: %s", "All:", oneLine(err))
	} else {
		s.say("  %-15s every replica answered", "All:")
	}
	if a, err := s.c.readFirst(ctx, key); err != nil {
		s.say("  %-15s failed: %s", "First:", oneLine(err))
	} else {
		s.say("  %-15s %s answered: %s", "First:", a.Replica, show(a))
	}
	k := n/2 + 1
	if newest, _, err := s.c.readQuorum(ctx, key, k); err != nil {
		s.say("  %-15s failed: %s", fmt.Sprintf("Quorum(%d/%d):", k, n), oneLine(err))
	} else {
		s.say("  %-15s newest of %d answers: %s", fmt.Sprintf("Quorum(%d/%d):", k, n), k, show(newest))
	}
	// Start every hedged lookup on the dead replica: its error moves the
	// request on at once, so the lookups barely notice.
	st := measure(ctx, s.c, 50, func(ctx context.Context, _ int) (answer, error) {
		return s.c.readHedged(ctx, key, n-1)
	})
	s.say("  %-15s %d of %d lookups starting on %s answered, p99 %s: each error hedged at once",
		"Hedged:", st.lookups-st.failed, st.lookups, last, millis(st.percentile(99)))
}

// row prints one line of the hedging table.
func (s *story) row(label string, st runStats) {
	requests := fmt.Sprint(st.requests)
	if st.extraLoad() > 0 {
		requests += fmt.Sprintf(" (%+.0f%%)", 100*st.extraLoad())
	}
	if st.failed > 0 {
		requests += fmt.Sprintf(", %d failed", st.failed)
	}
	s.say("  %-15s %8s %8s %8s   %s", label,
		millis(st.percentile(50)), millis(st.percentile(95)), millis(st.percentile(99)), requests)
}

func (s *story) scene(format string, args ...any) {
	fmt.Fprintf(s.out, "\n== "+format+"\n", args...)
}

func (s *story) say(format string, args ...any) {
	fmt.Fprintf(s.out, format+"\n", args...)
}

// show formats one replica's copy of the key.
func show(a answer) string {
	if !a.Found {
		return "(not found)"
	}
	return fmt.Sprintf("%s (v%d)", a.Entry.Value, a.Entry.Version)
}

// millis prints a duration in milliseconds, to a tenth, so the columns line up.
func millis(d time.Duration) string { return fmt.Sprintf("%.1fms", d.Seconds()*1000) }

// oneLine flattens the multi-line errors errors.Join builds.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
