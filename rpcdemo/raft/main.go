// Raft over net/rpc: five nodes in one process elect a leader, replicate a
// few commands, lose their leader, elect another and catch the old one up;
// then a new node joins and the leader removes itself (membership change).
//
//	go run ./rpcdemo/raft              # 5 nodes, a random seed
//	go run ./rpcdemo/raft -nodes 3 -seed 7 -v
//
// Each node is a distkit/pkg/raft Node behind its own net/rpc server on a
// 127.0.0.1 port; the nodes call each other over TCP. Sample output:
//
//	Step 1. Five nodes start as followers. The first whose election timeout runs out asks for votes.
//	[ 0.352s] node 3 heard no leader before its election timeout: candidate for term 1, asks for votes
//	[ 0.354s] node 3 got a vote from node 0 (term 1)
//	[ 0.354s] node 3 got a vote from node 4 (term 1)
//	[ 0.354s] node 3 won a majority: LEADER of term 1
//	...
//	Step 5. A new node, node 5 on 127.0.0.1:40023, starts outside the configuration: it never campaigns. ...
//	[ 0.777s] node 5 is a member after 0ms; the leader's configuration is now [0 1 2 3 4 5] (a majority is 4)
//	...
//	Step 7. Every member applied the same commands in the same order:
//	  node 0: set x=1 | set y=2 | set z=3 | del x | set w=4 | set v=5 | set u=6
//	  ...
//	all 5 logs agree, node 5's included; node 2's stops where it was removed: set x=1 | ... | set v=5
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	nodes := flag.Int("nodes", 5, "cluster size (3 to 7)")
	seed := flag.Uint64("seed", rand.Uint64()%1000, "seed for election timeouts; the same seed tends to elect the same node")
	verbose := flag.Bool("v", false, "also print each node's debug log (every RPC) on stderr")
	flag.Parse()

	logLevel := slog.LevelWarn
	if *verbose {
		logLevel = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := story(ctx, os.Stdout, tcp, *nodes, *seed, logger); err != nil {
		fmt.Fprintln(os.Stderr, "raft demo:", err)
		os.Exit(1)
	}
}

// story plays the demo on network nw and narrates it to w.
func story(ctx context.Context, w io.Writer, nw network, n int, seed uint64, logger *slog.Logger) error {
	if n < 3 || n > 7 {
		return fmt.Errorf("-nodes %d: pick 3 to 7", n)
	}
	say := newNarrator(w)
	c, err := newCluster(nw, n, seed, say.event, logger)
	if err != nil {
		return err
	}
	defer c.stop()
	addrs := make([]string, n)
	for i, m := range c.members {
		addrs[i] = m.addr
	}
	fmt.Fprintf(w, "%d Raft nodes on %s (seed %d)\n", n, strings.Join(addrs, ", "), seed)

	say.step("Step 1. %d nodes start as followers. The first whose election timeout runs out asks for votes.", n)
	for _, m := range c.members {
		if err := c.start(m); err != nil {
			return err
		}
	}
	leader, err := waitLeader(ctx, c, say)
	if err != nil {
		return err
	}

	say.step("Step 2. A client sends commands to the leader, node %d. Each is committed once a majority stores it.", leader.id)
	for _, cmd := range []string{"set x=1", "set y=2", "set z=3"} {
		if err := submit(ctx, c, say, cmd); err != nil {
			return err
		}
	}

	say.step("Step 3. Kill the leader, node %d: its port closes and its connections drop.", leader.id)
	crashed := time.Now()
	c.crash(leader)
	next, err := waitLeader(ctx, c, say)
	if err != nil {
		return err
	}
	say.say("node %d took over %dms after the crash (election timeouts here: 300-600ms)", next.id, time.Since(crashed).Milliseconds())
	for _, cmd := range []string{"del x", "set w=4"} {
		if err := submit(ctx, c, say, cmd); err != nil {
			return err
		}
	}

	say.step("Step 4. Restart node %d from its storage. It rejoins as a follower and the leader sends what it missed.", leader.id)
	if err := c.start(leader); err != nil {
		return err
	}
	want := len(c.logOf(next))
	if err := waitUntil(ctx, func() bool { return len(c.logOf(leader)) == want }); err != nil {
		return fmt.Errorf("node %d did not catch up: %w", leader.id, err)
	}
	say.say("node %d has applied all %d commands again", leader.id, want)

	joined, err := addNode(ctx, c, say)
	if err != nil {
		return err
	}
	removed, err := removeLeader(ctx, c, say)
	if err != nil {
		return err
	}

	say.step("Step 7. Every member applied the same commands in the same order:")
	var reference []string
	agree, members := true, 0
	for _, m := range c.members {
		if m == removed {
			continue
		}
		log := c.logOf(m)
		if reference == nil {
			reference = log
		}
		fmt.Fprintf(w, "  node %d: %s\n", m.id, strings.Join(log, " | "))
		agree = agree && slices.Equal(log, reference)
		members++
	}
	if !agree {
		return errors.New("the logs differ: this is a bug in the Raft")
	}
	fmt.Fprintf(w, "all %d logs agree, node %d's included; node %d's stops where it was removed: %s\n",
		members, joined.id, removed.id, strings.Join(c.logOf(removed), " | "))
	return nil
}

// addNode starts a new node outside the cluster and has the leader add it.
func addNode(ctx context.Context, c *cluster, say *narrator) (*member, error) {
	leader := c.leader()
	if leader == nil {
		return nil, errors.New("no leader to add a node")
	}
	m, err := c.add()
	if err != nil {
		return nil, err
	}
	say.step("Step 5. A new node, node %d on %s, starts outside the configuration: it never campaigns. The leader, node %d,\n"+
		"replicates to it as a non-voter until it keeps pace, then appends a configuration entry that makes it a member.",
		m.id, m.addr, leader.id)
	if err := c.start(m); err != nil {
		return nil, err
	}
	began := time.Now()
	if err := leader.node.AddServer(ctx, m.id, m.addr); err != nil {
		return nil, fmt.Errorf("add node %d: %w", m.id, err)
	}
	say.say("node %d is a member after %dms; the leader's configuration is now %v (a majority is %d)",
		m.id, time.Since(began).Milliseconds(), leader.node.Status().Members, len(leader.node.Status().Members)/2+1)
	want := len(c.logOf(leader))
	if err := waitUntil(ctx, func() bool { return len(c.logOf(m)) == want }); err != nil {
		return nil, fmt.Errorf("node %d did not catch up: %w", m.id, err)
	}
	say.say("node %d has applied all %d commands, from before it existed too", m.id, want)
	return m, submit(ctx, c, say, "set v=5")
}

// removeLeader has the leader remove itself, then stops it.
func removeLeader(ctx context.Context, c *cluster, say *narrator) (*member, error) {
	leader := c.leader()
	if leader == nil {
		return nil, errors.New("no leader to remove")
	}
	say.step("Step 6. Remove the leader, node %d: it leads until the configuration without it commits,\n"+
		"then steps down, and the remaining members elect a leader among themselves after an election\n"+
		"timeout (an operator who cares transfers leadership first: kvctl transfer).", leader.id)
	if err := leader.node.RemoveServer(ctx, leader.id); err != nil {
		return nil, fmt.Errorf("remove node %d: %w", leader.id, err)
	}
	next, err := waitLeader(ctx, c, say)
	if err != nil {
		return nil, err
	}
	say.say("members now %v; node %d no longer counts and can be stopped", next.node.Status().Members, leader.id)
	c.crash(leader)
	return leader, submit(ctx, c, say, "set u=6")
}

// waitLeader waits until some live node announces it won an election.
func waitLeader(ctx context.Context, c *cluster, say *narrator) (*member, error) {
	for {
		select {
		case lc := <-say.leaders:
			// A node may be elected and deposed quickly; trust only a
			// leader that still holds its term.
			if m := c.leader(); m != nil && m.id == lc.id {
				return m, nil
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for a leader: %w", ctx.Err())
		}
	}
}

// submit sends cmd to the current leader and waits until every live node
// has applied it.
func submit(ctx context.Context, c *cluster, say *narrator, cmd string) error {
	leader := c.leader()
	if leader == nil {
		return errors.New("no leader to submit to")
	}
	index, term, ok := leader.node.Start([]byte(cmd))
	if !ok {
		return fmt.Errorf("node %d is no longer leader", leader.id)
	}
	err := waitUntil(ctx, func() bool {
		for _, m := range c.members {
			if m.listener != nil && c.appliedIndex(m) < index {
				return false
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("command %q at index %d: %w", cmd, index, err)
	}
	say.say("%-8q is entry %d of term %d: committed and applied on every live node", cmd, index, term)
	return nil
}

// waitUntil checks cond every few milliseconds until it holds.
func waitUntil(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
