// Scenario scripts: `raftlab -script FILE` plays a scenario line by line
// and exits, non-zero if an expectation fails. For talks (the dashboard
// runs meanwhile) and for tests (testdata/raftlab/*.txt).
//
// One command per line; blank lines and lines starting with # are
// ignored. Node lists take IDs, "leader" (the confirmed leader now) and
// "others" (every node not named elsewhere on the line).
//
//	wait-leader                 wait until a leader has a majority behind it
//	expect leader-changed       wait until a different node leads (a new term)
//	wait-converged              wait until every running node applied the leader's commit index
//	crash leader | crash 2      stop a node and close its port
//	restart 2 | restart all     start it again from its storage
//	partition 0,1 | others      cut the cluster into groups
//	heal                        reconnect everyone
//	faults loss=0.1 delay=5ms   lose and delay messages ("faults off" to stop)
//	slowdown 10                 slow motion (restarts the nodes)
//	put KEY VALUE               write through a clerk
//	expect value KEY VALUE      read through a clerk and compare
//	workload 4 2s [unsafe]      start N clients for a while, in the background
//	check linearizable          wait for the workload, fail unless its history is linearizable
//	check violation             the same, fail unless the checker found a violation
//	sleep 500ms                 wait (for talks; tests wait for conditions instead)

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"distkit/pkg/linearizability"
)

// step is one parsed line of a script.
type step struct {
	line int
	text string
	run  func(ctx context.Context, s *scriptRun) error
}

// scriptRun is what a script remembers between lines.
type scriptRun struct {
	lab    *lab
	leader int // the leader wait-leader or expect leader-changed last found, -1 before
	term   int // its term
}

// parseScript reads a whole script first, so a typo on line 20 is
// reported before line 1 crashes anything.
func parseScript(r io.Reader) ([]step, error) {
	var steps []step
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		run, err := parseCommand(strings.Fields(text))
		if err != nil {
			return nil, fmt.Errorf("line %d: %q: %w", n, text, err)
		}
		steps = append(steps, step{line: n, text: text, run: run})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read script: %w", err)
	}
	return steps, nil
}

// runScript plays steps on l and stops at the first failure.
func runScript(ctx context.Context, l *lab, steps []step) error {
	s := &scriptRun{lab: l, leader: -1}
	for _, st := range steps {
		l.hub.say("script> %s", st.text)
		if err := st.run(ctx, s); err != nil {
			l.hub.say("script FAILED at line %d (%s): %v", st.line, st.text, err)
			return fmt.Errorf("line %d: %s: %w", st.line, st.text, err)
		}
	}
	l.hub.say("script done: every expectation held")
	return nil
}

// parseCommand turns one line into the function that runs it.
func parseCommand(f []string) (func(context.Context, *scriptRun) error, error) {
	arity := func(n int) error {
		if len(f)-1 != n {
			return fmt.Errorf("%s takes %d argument(s), got %d", f[0], n, len(f)-1)
		}
		return nil
	}
	switch f[0] {
	case "wait-leader":
		return func(ctx context.Context, s *scriptRun) error { return s.waitLeader(ctx, false) }, arity(0)
	case "wait-converged":
		return func(ctx context.Context, s *scriptRun) error { return s.waitConverged(ctx) }, arity(0)
	case "crash", "restart":
		if err := arity(1); err != nil {
			return nil, err
		}
		verb := f[0]
		return func(ctx context.Context, s *scriptRun) error {
			ids, err := s.nodes(f[1], nil)
			if verb == "restart" && f[1] == "all" {
				ids, err = s.allIDs(), nil
			}
			if err != nil {
				return err
			}
			for _, id := range ids {
				act := s.lab.crashNode
				if verb == "restart" {
					act = s.lab.restartNode
				}
				if err := act(id); err != nil {
					return err
				}
			}
			return nil
		}, nil
	case "partition":
		groups := strings.Split(strings.Join(f[1:], " "), "|")
		if len(groups) < 2 {
			return nil, fmt.Errorf("partition needs at least two groups separated by |")
		}
		return func(ctx context.Context, s *scriptRun) error {
			var ids [][]int
			var named []int
			for _, g := range groups {
				if strings.TrimSpace(g) == "others" {
					continue
				}
				group, err := s.nodes(g, nil)
				if err != nil {
					return err
				}
				ids, named = append(ids, group), append(named, group...)
			}
			for _, g := range groups {
				if strings.TrimSpace(g) == "others" {
					rest, _ := s.nodes("others", named)
					ids = append(ids, rest)
				}
			}
			return s.lab.partition(ids)
		}, nil
	case "heal":
		return func(ctx context.Context, s *scriptRun) error { s.lab.heal(); return nil }, arity(0)
	case "faults":
		return parseFaults(f[1:])
	case "slowdown":
		if err := arity(1); err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("slowdown %q: not a number", f[1])
		}
		return func(ctx context.Context, s *scriptRun) error { return s.lab.setSlowdown(n) }, nil
	case "put":
		if err := arity(2); err != nil {
			return nil, err
		}
		return func(ctx context.Context, s *scriptRun) error {
			_, err := s.lab.put(ctx, f[1], f[2])
			return err
		}, nil
	case "sleep":
		if err := arity(1); err != nil {
			return nil, err
		}
		d, err := time.ParseDuration(f[1])
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, s *scriptRun) error {
			select {
			case <-time.After(d):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}, nil
	case "expect":
		return parseExpect(f)
	case "workload":
		return parseWorkload(f)
	case "check":
		if err := arity(1); err != nil {
			return nil, err
		}
		want := map[string]string{"linearizable": linearizability.Ok.String(), "violation": linearizability.Illegal.String()}[f[1]]
		if want == "" {
			return nil, fmt.Errorf("check %q: want linearizable or violation", f[1])
		}
		return func(ctx context.Context, s *scriptRun) error { return s.check(ctx, want) }, nil
	}
	return nil, fmt.Errorf("unknown command %q", f[0])
}

func parseFaults(args []string) (func(context.Context, *scriptRun) error, error) {
	var loss float64
	var delay time.Duration
	if !(len(args) == 1 && args[0] == "off") {
		for _, a := range args {
			k, v, _ := strings.Cut(a, "=")
			var err error
			switch k {
			case "loss":
				loss, err = strconv.ParseFloat(v, 64)
			case "delay":
				delay, err = time.ParseDuration(v)
			default:
				err = fmt.Errorf("unknown setting %q (loss=, delay=)", k)
			}
			if err != nil {
				return nil, fmt.Errorf("faults: %w", err)
			}
		}
	}
	return func(ctx context.Context, s *scriptRun) error { return s.lab.setFaults(loss, delay) }, nil
}

func parseExpect(f []string) (func(context.Context, *scriptRun) error, error) {
	switch {
	case len(f) == 2 && f[1] == "leader-changed":
		return func(ctx context.Context, s *scriptRun) error { return s.waitLeader(ctx, true) }, nil
	case len(f) == 4 && f[1] == "value":
		return func(ctx context.Context, s *scriptRun) error {
			v, err := s.lab.get(ctx, f[2])
			if err != nil {
				return err
			}
			if v.Value != f[3] {
				return fmt.Errorf("get %s: got %q, want %q", f[2], v.Value, f[3])
			}
			s.lab.hub.say("get %s = %s, as expected", f[2], v.Value)
			return nil
		}, nil
	}
	return nil, fmt.Errorf("expect what? (leader-changed, value KEY VALUE)")
}

func parseWorkload(f []string) (func(context.Context, *scriptRun) error, error) {
	if len(f) != 3 && !(len(f) == 4 && f[3] == "unsafe") {
		return nil, fmt.Errorf("usage: workload CLIENTS DURATION [unsafe]")
	}
	clients, err := strconv.Atoi(f[1])
	if err != nil {
		return nil, fmt.Errorf("workload clients %q: not a number", f[1])
	}
	d, err := time.ParseDuration(f[2])
	if err != nil {
		return nil, err
	}
	unsafe := len(f) == 4
	return func(ctx context.Context, s *scriptRun) error {
		_, err := s.lab.startWorkload(clients, d, unsafe)
		return err
	}, nil
}

// waitTimeout bounds each waiting command, stretched in slow motion.
func (s *scriptRun) waitTimeout() time.Duration {
	return 10 * time.Second * time.Duration(s.lab.slowdownNow())
}

// waitLeader waits for a confirmed leader (a new one if changed is set)
// and remembers it.
func (s *scriptRun) waitLeader(ctx context.Context, changed bool) error {
	ctx, cancel := context.WithTimeout(ctx, s.waitTimeout())
	defer cancel()
	var st state
	err := s.lab.hub.wait(ctx, func() bool {
		st = s.lab.state()
		if st.Leader < 0 {
			return false
		}
		return !changed || st.Leader != s.leader && st.Nodes[st.Leader].Term > s.term
	})
	if err != nil {
		if changed {
			return fmt.Errorf("no new leader after node %d (term %d): %w", s.leader, s.term, err)
		}
		return fmt.Errorf("no leader: %w", err)
	}
	s.leader, s.term = st.Leader, st.Nodes[st.Leader].Term
	s.lab.hub.say("node %d leads term %d with a majority behind it", s.leader, s.term)
	return nil
}

// waitConverged waits until every running node has applied everything
// the leader has committed.
func (s *scriptRun) waitConverged(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.waitTimeout())
	defer cancel()
	var st state
	err := s.lab.hub.wait(ctx, func() bool {
		st = s.lab.state()
		if st.Leader < 0 {
			return false
		}
		top := st.Nodes[st.Leader].Commit
		for _, n := range st.Nodes {
			if n.Up && n.Applied != top {
				return false
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("nodes did not converge: %w", err)
	}
	s.lab.hub.say("every running node applied the log up to index %d", st.Nodes[st.Leader].Commit)
	return nil
}

// check waits for the current workload and its verdict.
func (s *scriptRun) check(ctx context.Context, want string) error {
	w := s.lab.currentWorkload()
	if w == nil {
		return fmt.Errorf("no workload to check")
	}
	select {
	case <-w.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	res := s.lab.workloadResult()
	if res.Verdict != want {
		return fmt.Errorf("verdict %s, want %s\n%s", res.Verdict, want, res.Report)
	}
	return nil
}

// nodes parses "0,1", "leader" or "others" (every node not in exclude).
func (s *scriptRun) nodes(list string, exclude []int) ([]int, error) {
	var ids []int
	for _, tok := range strings.Split(strings.TrimSpace(list), ",") {
		switch tok = strings.TrimSpace(tok); tok {
		case "leader":
			st := s.lab.state()
			if st.Leader < 0 {
				return nil, fmt.Errorf("no leader right now (add wait-leader before this line)")
			}
			ids = append(ids, st.Leader)
		case "others":
			for _, id := range s.allIDs() {
				if !slices.Contains(exclude, id) {
					ids = append(ids, id)
				}
			}
		default:
			id, err := strconv.Atoi(tok)
			if err != nil {
				return nil, fmt.Errorf("node %q: want an ID, leader or others", tok)
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (s *scriptRun) allIDs() []int {
	ids := make([]int, len(s.lab.members))
	for i := range ids {
		ids[i] = i
	}
	return ids
}
