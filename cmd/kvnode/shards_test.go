package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
	"distkit/pkg/shardctl"
	"distkit/pkg/shardkv"
)

func TestParseFlags_Shards(t *testing.T) {
	const group = "-peers=1=127.0.0.1:7101,2=127.0.0.1:7102,3=127.0.0.1:7103"
	const ctl = "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003"
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"sharded node", []string{"-id", "1", group, "-shards", "-gid", "100", "-controller", ctl}, ""},
		{"plain node", []string{"-id", "1", group}, ""},
		{"no gid", []string{"-id", "1", group, "-shards", "-controller", ctl}, "-shards needs -gid"},
		{"negative gid", []string{"-id", "1", group, "-shards", "-gid", "-2", "-controller", ctl}, "-shards needs -gid"},
		{"no controller", []string{"-id", "1", group, "-shards", "-gid", "1"}, "-shards needs -controller"},
		{"bad controller", []string{"-id", "1", group, "-shards", "-gid", "1", "-controller", "1=nowhere"}, "-controller:"},
		{"controller overlaps the group", []string{"-id", "1", group, "-shards", "-gid", "1", "-controller", "1=127.0.0.1:7102"},
			"-controller address 127.0.0.1:7102 is also node 2 of -peers"},
		{"gid without shards", []string{"-id", "1", group, "-gid", "1"}, "-gid needs -shards"},
		{"controller without shards", []string{"-id", "1", group, "-controller", ctl}, "-controller needs -shards"},
		{"local with shards", []string{"-local", "3", "-shards", "-gid", "1", "-controller", ctl}, "-local and -shards together"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseFlags(%q): got error %v, want one containing %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFlags(%q): got error %v, want none", tc.args, err)
			}
			if cfg.Shards && (cfg.GID != 100 || cfg.Controller[3] != "127.0.0.1:7003") {
				t.Errorf("parseFlags(%q): got gid %d, controller %v, want gid 100 and the three controller members", tc.args, cfg.GID, cfg.Controller)
			}
		})
	}
}

// TestParseFlags_ShardsEnvironment: the new flags have their variables too.
func TestParseFlags_ShardsEnvironment(t *testing.T) {
	t.Setenv("KVNODE_SHARDS", "true")
	t.Setenv("KVNODE_GID", "7")
	t.Setenv("KVNODE_CONTROLLER", "1=ctl-0.ctl:7001")
	cfg, err := parseFlags([]string{"-id", "1", "-peers", "1=g7-0.g7:7001"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Shards || cfg.GID != 7 || cfg.Controller[1] != "ctl-0.ctl:7001" {
		t.Errorf("parseFlags with KVNODE_SHARDS, KVNODE_GID, KVNODE_CONTROLLER set: got shards %v, gid %d, controller %v",
			cfg.Shards, cfg.GID, cfg.Controller)
	}
}

// TestProcess_ShardGroupServesAfterJoin starts a controller (three plain
// kvnodes) and one group (three kvnodes with -shards), joins the group, and
// writes and reads through the sharded clerk.
func TestProcess_ShardGroupServesAfterJoin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	const gid = 100
	ctlCluster := startCluster(t, ctx, 3)
	group := startCluster(t, ctx, 3, "-shards", "-gid", fmt.Sprint(gid), "-controller", ctlCluster.peers)

	ctlClerk, done := ctlCluster.clerk()
	defer done()
	ctl := shardctl.New(ctlClerk)
	var addrs []string
	for id := 1; id <= 3; id++ {
		addrs = append(addrs, group.rpc[id])
	}
	cfg, err := ctl.Join(ctx, map[int][]string{gid: addrs})
	if err != nil {
		t.Fatalf("join group %d: %v", gid, err)
	}
	if got := len(cfg.ShardsOf(gid)); got != shardctl.NShards {
		t.Fatalf("after joining the only group: got %d shards for it, want all %d (%v)", got, shardctl.NShards, cfg)
	}

	var dialed []*raft.RPCPeer
	defer func() {
		for _, p := range dialed {
			p.Close()
		}
	}()
	// The clerk is used by this goroutine only, so dial needs no lock.
	dial := func(addr string) raft.Peer {
		p := raft.DialPeer(addr, 2*time.Second)
		dialed = append(dialed, p)
		return p
	}
	ck := shardkv.NewClerk(ctl, dial, nil, retry.Policy{})
	for i := range 20 {
		key, val := fmt.Sprintf("key-%d", i), fmt.Sprintf("v%d", i)
		if _, err := ck.Put(ctx, key, val); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	for i := range 20 {
		key := fmt.Sprintf("key-%d", i)
		v, err := ck.Get(ctx, key)
		if err != nil || v.Value != fmt.Sprintf("v%d", i) {
			t.Fatalf("get %s: got %q, %v, want %q", key, v.Value, err, fmt.Sprintf("v%d", i))
		}
	}
	if _, err := ck.Get(ctx, "missing"); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("get missing: got %v, want kv.ErrNotFound", err)
	}
	if got := ck.Config().Num; got < 1 {
		t.Errorf("clerk's configuration: got %d, want 1 or later", got)
	}
}
