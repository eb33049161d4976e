// Admin: the operator's RPCs, for tools such as kvctl. They wrap Members,
// AddServer, RemoveServer and TransferLeadership so that a running node can
// be asked over the network who its members are and to change them.

package raft

import (
	"context"
	"errors"
	"time"
)

// Admin serves a node's operator RPCs. Register it beside the node under its
// own name, for example srv.RegisterName("RaftAdmin", raft.NewAdmin(node)),
// and call "RaftAdmin.AddServer" and friends. Safe for concurrent use.
type Admin struct {
	node *Node
}

// NewAdmin returns the operator RPCs of node.
func NewAdmin(node *Node) *Admin { return &Admin{node: node} }

// AdminArgs is the argument of every Admin RPC; each reads what it needs.
type AdminArgs struct {
	ID      int           // the server to add, remove or hand leadership to (-1: any)
	Addr    string        // AddServer: where the new server listens
	Timeout time.Duration // how long the change may take (default and cap: maxAdminTimeout)
}

// AdminReply is the result of every Admin RPC. A node that does not lead
// answers NotLeader with its best guess of who does, rather than an error,
// so a tool can go there next.
type AdminReply struct {
	NotLeader bool
	LeaderID  int // -1 when unknown
	Members   []Member
}

// maxAdminTimeout bounds an Admin call that names no shorter timeout: a
// tool that gave up long ago should not leave a change pending for ever.
const maxAdminTimeout = time.Minute

// Members reports the node's configuration and who it believes leads.
func (a *Admin) Members(args *AdminArgs, reply *AdminReply) error {
	a.fill(reply)
	return nil
}

// AddServer adds server args.ID at args.Addr (see Node.AddServer).
func (a *Admin) AddServer(args *AdminArgs, reply *AdminReply) error {
	return a.change(args, reply, func(ctx context.Context) error {
		return a.node.AddServer(ctx, args.ID, args.Addr)
	})
}

// RemoveServer removes server args.ID (see Node.RemoveServer).
func (a *Admin) RemoveServer(args *AdminArgs, reply *AdminReply) error {
	return a.change(args, reply, func(ctx context.Context) error {
		return a.node.RemoveServer(ctx, args.ID)
	})
}

// TransferLeadership hands leadership to args.ID, or with -1 to the most
// up-to-date member (see Node.TransferLeadership).
func (a *Admin) TransferLeadership(args *AdminArgs, reply *AdminReply) error {
	return a.change(args, reply, func(context.Context) error {
		return a.node.TransferLeadership(args.ID)
	})
}

// change runs do with the call's timeout and reports a node that does not
// lead in the reply rather than as an error.
func (a *Admin) change(args *AdminArgs, reply *AdminReply, do func(context.Context) error) error {
	timeout := args.Timeout
	if timeout <= 0 || timeout > maxAdminTimeout {
		timeout = maxAdminTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := do(ctx)
	a.fill(reply)
	// After a successful change this node may no longer lead (it removed
	// itself, or handed over): NotLeader says only that it refused.
	reply.NotLeader = errors.Is(err, ErrNotLeader)
	if reply.NotLeader {
		return nil
	}
	return err
}

func (a *Admin) fill(reply *AdminReply) {
	st := a.node.Status()
	reply.LeaderID = st.LeaderID
	reply.NotLeader = st.Role != Leader
	reply.Members = a.node.Members()
}
