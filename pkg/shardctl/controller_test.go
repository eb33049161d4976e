package shardctl

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/netsim"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// startControllerCluster starts three pkg/kv servers on net and returns a
// function that makes a Controller for a client named from.
func startControllerCluster(t *testing.T, net *netsim.Network) (func(from string) *Controller, func()) {
	t.Helper()
	names := []string{"ctl0", "ctl1", "ctl2"}
	var servers []*kv.Server
	for i := range names {
		peers := make(map[int]raft.Peer)
		for j := range names {
			if j != i {
				peers[j] = net.Client(names[i], names[j])
			}
		}
		s, err := kv.NewServer(kv.Config{Raft: raft.Config{ID: i, Peers: peers,
			Rand: rand.New(rand.NewPCG(1, uint64(i)))}})
		if err != nil {
			t.Fatal(err)
		}
		srv := netsim.NewServer()
		if err := s.Register(srv); err != nil {
			t.Fatal(err)
		}
		net.AddServer(names[i], srv)
		servers = append(servers, s)
	}
	clients := 0
	newController := func(from string) *Controller {
		clients++
		peers := make(map[int]raft.Peer)
		for j := range names {
			peers[j] = net.Client(from, names[j])
		}
		rng := rand.New(rand.NewPCG(7, uint64(clients)))
		return New(kv.NewClerk(peers, rng, retry.Policy{Rand: rng}))
	}
	stop := func() {
		for _, s := range servers {
			s.Stop()
		}
		net.Close()
	}
	return newController, stop
}

func TestController_JoinLeaveMoveQuery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net := netsim.New(1)
		newController, stop := startControllerCluster(t, net)
		defer stop()
		ctl := newController("admin")
		ctx := context.Background()
		if c, err := ctl.Query(ctx, -1); err != nil || c.Num != 0 {
			t.Fatalf("Query(-1) on a new controller = %v, %v; want config 0", c, err)
		}
		c1, err := ctl.Join(ctx, map[int][]string{1: {"a"}, 2: {"b"}})
		if err != nil || c1.Num != 1 {
			t.Fatalf("Join = %v, %v; want config 1", c1, err)
		}
		if _, err := ctl.Join(ctx, map[int][]string{2: {"b"}}); !errors.Is(err, ErrGroupExists) {
			t.Fatalf("second Join of group 2: got %v, want ErrGroupExists", err)
		}
		if _, err := ctl.Leave(ctx, 9); !errors.Is(err, ErrNoGroup) {
			t.Fatalf("Leave(9): got %v, want ErrNoGroup", err)
		}
		if _, err := ctl.Move(ctx, 3, 9); !errors.Is(err, ErrNoGroup) {
			t.Fatalf("Move(3, 9): got %v, want ErrNoGroup", err)
		}
		c2, err := ctl.Move(ctx, 0, 2)
		if err != nil || c2.Shards[0] != 2 {
			t.Fatalf("Move(0, 2) = %v, %v; want shard 0 on group 2", c2, err)
		}
		c3, err := ctl.Leave(ctx, 1)
		if err != nil || len(c3.ShardsOf(2)) != NShards {
			t.Fatalf("Leave(1) = %v, %v; want every shard on group 2", c3, err)
		}
		for n, want := range []Config{{}, c1, c2, c3} {
			got, err := ctl.Query(ctx, n)
			if err != nil || got.Shards != want.Shards || got.Num != n {
				t.Errorf("Query(%d) = %v, %v; want %v", n, got, err, want)
			}
		}
		if _, err := ctl.Query(ctx, 4); !errors.Is(err, ErrNoConfig) {
			t.Errorf("Query(4): got %v, want ErrNoConfig", err)
		}
	})
}

// Operators changing the configuration at the same time: every change
// lands exactly once, each configuration is computed from the one before,
// and the chain has no gaps.
func TestController_ConcurrentChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net := netsim.New(2)
		net.SetDelay(time.Millisecond, 5*time.Millisecond)
		newController, stop := startControllerCluster(t, net)
		defer stop()
		ctx := context.Background()
		var wg sync.WaitGroup
		for gid := 1; gid <= 6; gid++ {
			ctl := newController(fmt.Sprintf("op%d", gid))
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := ctl.Join(ctx, map[int][]string{gid: {fmt.Sprint(gid)}}); err != nil {
					t.Errorf("Join(%d): %v", gid, err)
				}
			}()
		}
		wg.Wait()
		ctl := newController("auditor")
		latest, err := ctl.Query(ctx, -1)
		if err != nil || latest.Num != 6 || len(latest.Groups) != 6 {
			t.Fatalf("after six concurrent joins: %v, %v; want config 6 with 6 groups", latest, err)
		}
		prev, _ := ctl.Query(ctx, 0)
		for n := 1; n <= 6; n++ {
			c, err := ctl.Query(ctx, n)
			if err != nil {
				t.Fatalf("Query(%d): %v", n, err)
			}
			if len(c.Groups) != len(prev.Groups)+1 {
				t.Errorf("config %d has %d groups after config %d's %d: not built on its predecessor",
					n, len(c.Groups), n-1, len(prev.Groups))
			}
			prev = c
		}
	})
}
