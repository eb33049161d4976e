package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"distkit/pkg/raft"
)

// TestProcess_AddServerThenRemoveTheLeader grows a three-process cluster to
// four with a node started with -join, removes the leader, stops it and
// kills one more original: the survivors hold a majority only with the new
// node's vote and copy, and every acknowledged write is still there.
func TestProcess_AddServerThenRemoveTheLeader(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := startCluster(t, ctx, 3)
	ck, done := c.clerk()
	const keys = 20
	for i := range keys {
		if _, err := ck.Put(ctx, fmt.Sprintf("k%d", i), fmt.Sprintf("v%d", i)); err != nil {
			t.Fatalf("put k%d: %v", i, err)
		}
	}
	done()

	// The new node knows nobody; the leader's AddServer finds it.
	ports := freePorts(t, 2)
	c.rpc[4], c.http[4] = fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[1])
	c.data[4] = t.TempDir()
	c.launch(t, 4, "-join", "-peers", "4="+c.rpc[4])
	select {
	case <-c.nodes[4].out.seen:
	case <-ctx.Done():
		t.Fatal("node 4 did not announce it was serving")
	}
	reply := c.admin(t, ctx, "AddServer", raft.AdminArgs{ID: 4, Addr: c.rpc[4]})
	if !hasMember(reply.Members, 4) {
		t.Fatalf("members after AddServer(4) = %v", reply.Members)
	}
	c.waitReady(t, ctx, 4)

	old := c.leader(t, ctx)
	reply = c.admin(t, ctx, "RemoveServer", raft.AdminArgs{ID: old})
	if hasMember(reply.Members, old) {
		t.Fatalf("members after removing leader %d = %v", old, reply.Members)
	}
	t.Logf("removed leader %d; members now %v", old, reply.Members)
	c.nodes[old].kill(t)
	// One more original goes: of the three members left, only the new
	// node and one original remain, a majority of exactly two.
	for id := 1; id <= 3; id++ {
		if id != old {
			t.Logf("killing node %d", id)
			c.nodes[id].kill(t)
			break
		}
	}
	ck, done = c.clerk()
	defer done()
	for i := range keys {
		v, err := ck.Get(ctx, fmt.Sprintf("k%d", i))
		if err != nil || v.Value != fmt.Sprintf("v%d", i) {
			t.Fatalf("get k%d = %q, %v; want v%d", i, v.Value, err, i)
		}
	}
	if _, err := ck.Put(ctx, "after", "x"); err != nil {
		t.Fatalf("a write with the new node in the majority: %v", err)
	}
}

// admin makes a RaftAdmin call on the leader, asking again if leadership
// moved between finding the leader and calling it.
func (c *cluster) admin(t *testing.T, ctx context.Context, method string, args raft.AdminArgs) raft.AdminReply {
	t.Helper()
	args.Timeout = 5 * time.Second
	for ctx.Err() == nil {
		leader := c.leader(t, ctx)
		p := raft.DialPeer(c.rpc[leader], 10*time.Second)
		var reply raft.AdminReply
		err := p.Call("RaftAdmin."+method, &args, &reply)
		p.Close()
		if err != nil {
			t.Fatalf("RaftAdmin.%s on node %d: %v", method, leader, err)
		}
		if !reply.NotLeader {
			return reply
		}
	}
	t.Fatalf("RaftAdmin.%s: no leader in time", method)
	return raft.AdminReply{}
}

func hasMember(members []raft.Member, id int) bool {
	return slices.ContainsFunc(members, func(m raft.Member) bool { return m.ID == id })
}
