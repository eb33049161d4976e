// Membership commands: members, add-server, remove-server and transfer,
// through the RaftAdmin RPCs every kvnode serves (pkg/raft's Admin).

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/rpc"
	"strconv"
	"text/tabwriter"
	"time"

	"distkit/pkg/raft"
)

// adminCmd is one parsed membership command.
type adminCmd struct {
	method string // the RaftAdmin RPC
	args   raft.AdminArgs
}

// parseAdmin checks the arguments of members, add-server, remove-server and
// transfer.
func parseAdmin(cmd string, args []string) (adminCmd, error) {
	id := func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return 0, usagef("%s: ID %q is not a positive integer", cmd, s)
		}
		return n, nil
	}
	var err error
	a := adminCmd{args: raft.AdminArgs{ID: -1}}
	switch cmd {
	case "members":
		if len(args) != 0 {
			return a, usagef("members takes no arguments")
		}
		a.method = "Members"
	case "add-server":
		if len(args) != 2 {
			return a, usagef("add-server wants ID ADDRESS, got %d argument(s)", len(args))
		}
		if _, err := parseServers(args[0] + "=" + args[1]); err != nil {
			return a, usagef("add-server: %v", err)
		}
		a.method, a.args.Addr = "AddServer", args[1]
		a.args.ID, err = id(args[0])
	case "remove-server":
		if len(args) != 1 {
			return a, usagef("remove-server wants ID, got %d argument(s)", len(args))
		}
		a.method = "RemoveServer"
		a.args.ID, err = id(args[0])
	case "transfer":
		if len(args) > 1 {
			return a, usagef("transfer wants at most one ID, got %d arguments", len(args))
		}
		a.method = "TransferLeadership"
		if len(args) == 1 {
			a.args.ID, err = id(args[0])
		}
	}
	return a, err
}

// runAdmin sends the command to the leader and prints the configuration it
// answers with.
func runAdmin(ctx context.Context, opts options, a adminCmd, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	from, reply, err := callLeader(ctx, opts, a)
	if err != nil {
		return err
	}
	switch a.method {
	case "AddServer":
		fmt.Fprintf(stdout, "server %d (%s) added\n", a.args.ID, a.args.Addr)
	case "RemoveServer":
		fmt.Fprintf(stdout, "server %d removed\n", a.args.ID)
	case "TransferLeadership":
		fmt.Fprintf(stdout, "node %d handed leadership over\n", from)
	}
	fmt.Fprintf(stdout, "members, as node %d sees them:\n", from)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tADDRESS\tROLE")
	for _, m := range reply.Members {
		role := ""
		if m.ID == reply.LeaderID {
			role = "leader"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", m.ID, m.Addr, role)
	}
	return tw.Flush()
}

// callLeader makes the RaftAdmin call on the leader: it starts with the
// first server, follows a refusing node's leader hint when the hint names a
// server it knows, and otherwise tries the next, round after round, until
// ctx ends. Members is answered by any node, but the leader's view is
// preferred because it is the newest.
func callLeader(ctx context.Context, opts options, a adminCmd) (int, raft.AdminReply, error) {
	ids := sortedIDs(opts.servers)
	var lastErr error
	next := ids[0]
	for round := 0; ctx.Err() == nil; round++ {
		tried := make(map[int]bool)
		for len(tried) < len(ids) && ctx.Err() == nil {
			id := next
			tried[id] = true
			next = nextUntried(ids, tried, id)
			reply, err := adminCall(ctx, opts.servers[id], a)
			var refused rpc.ServerError
			switch {
			case errors.As(err, &refused):
				// The leader answered and said no (already a member, a
				// change under way, a server that did not catch up):
				// asking again would get the same answer.
				return 0, raft.AdminReply{}, fmt.Errorf("%s: node %d refused: %w", a.method, id, err)
			case err != nil:
				lastErr = fmt.Errorf("node %d (%s): %w", id, opts.servers[id], err)
			case !reply.NotLeader:
				return id, reply, nil
			case a.method == "Members" && (reply.LeaderID == -1 || opts.servers[reply.LeaderID] == ""):
				return id, reply, nil // nobody better to ask
			default:
				lastErr = fmt.Errorf("node %d is not the leader", id)
				if _, known := opts.servers[reply.LeaderID]; known && !tried[reply.LeaderID] {
					next = reply.LeaderID
				}
			}
		}
		// No leader this round (an election, perhaps): wait a little.
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond << min(round, 4)):
		}
	}
	if lastErr == nil {
		lastErr = ctx.Err()
	}
	return 0, raft.AdminReply{}, fmt.Errorf("%s: no leader among %s answered: %w", a.method, serverList(opts.servers), lastErr)
}

// nextUntried returns the ID after id in ids that is not yet tried.
func nextUntried(ids []int, tried map[int]bool, id int) int {
	for i, candidate := range ids {
		if candidate == id {
			for k := 1; k <= len(ids); k++ {
				if c := ids[(i+k)%len(ids)]; !tried[c] {
					return c
				}
			}
		}
	}
	return id
}

// adminCall makes one RaftAdmin call to addr. The change may take what is
// left of ctx's time, and the call waits that plus a second for the network.
func adminCall(ctx context.Context, addr string, a adminCmd) (raft.AdminReply, error) {
	deadline, _ := ctx.Deadline()
	a.args.Timeout = time.Until(deadline)
	p := raft.DialPeer(addr, time.Until(deadline)+time.Second)
	defer p.Close()
	var reply raft.AdminReply
	if err := p.Call("RaftAdmin."+a.method, &a.args, &reply); err != nil {
		if errors.Is(err, raft.ErrTimeout) {
			return reply, fmt.Errorf("no answer within %v", time.Until(deadline)+time.Second)
		}
		return reply, err
	}
	return reply, nil
}
