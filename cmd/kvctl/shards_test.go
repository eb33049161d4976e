package main

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"distkit/pkg/kv"
	"distkit/pkg/shardctl"
)

const testCtl = "1=127.0.0.1:7001,2=127.0.0.1:7002"

func TestParseArgs_Shards(t *testing.T) {
	sharded := func(args ...string) []string { return append([]string{"-shards", "-controller", testCtl}, args...) }
	tests := []struct {
		name    string
		args    []string
		want    any // what the command's parser returns
		wantErr string
	}{
		{"get", sharded("get", "x"), op{cmd: "get", key: "x"}, ""},
		{"cas", sharded("cas", "x", "0", "v"), op{cmd: "cas", key: "x", value: "v"}, ""},
		{"join one group", sharded("join", "100", "2=h:2,1=h:1"),
			ctlCommand{cmd: "join", groups: map[int][]string{100: {"h:1", "h:2"}}}, ""},
		{"join two groups", sharded("join", "1", "1=a:1", "2", "1=b:1"),
			ctlCommand{cmd: "join", groups: map[int][]string{1: {"a:1"}, 2: {"b:1"}}}, ""},
		{"leave", sharded("leave", "1", "3"), ctlCommand{cmd: "leave", gids: []int{1, 3}}, ""},
		{"move", sharded("move", "15", "2"), ctlCommand{cmd: "move", shard: 15, gid: 2}, ""},
		{"latest config", sharded("config"), ctlCommand{cmd: "config", num: -1}, ""},
		{"config 3", sharded("config", "3"), ctlCommand{cmd: "config", num: 3}, ""},

		{"shards without controller", []string{"-shards", "get", "x"}, nil, "-shards needs -controller"},
		{"controller without shards", []string{"-controller", testCtl, "get", "x"}, nil, "-controller needs -shards"},
		{"bad controller", []string{"-shards", "-controller", "x", "get", "k"}, nil, "-controller"},
		{"join without servers", sharded("join", "1"), nil, "join wants GID id=host:port"},
		{"join bad gid", sharded("join", "0", "1=h:1"), nil, `join: GID "0": want a positive integer`},
		{"join twice", sharded("join", "1", "1=h:1", "1", "1=h:2"), nil, "group 1 appears twice"},
		{"join bad servers", sharded("join", "1", "h:1"), nil, "join: group 1's servers"},
		{"leave nothing", sharded("leave"), nil, "leave wants GID"},
		{"move bad shard", sharded("move", "16", "1"), nil, `SHARD "16": want 0 to 15`},
		{"move without gid", sharded("move", "1"), nil, "move wants SHARD GID"},
		{"config bad N", sharded("config", "latest"), nil, `config: N "latest"`},
		{"config too many", sharded("config", "1", "2"), nil, "at most one argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts, cmd, args, err := parseGlobal(tc.args, io.Discard)
			var got any
			if err == nil {
				if shardOnly[cmd] {
					got, err = parseCtl(cmd, args)
				} else {
					got, err = parseOp(cmd, args)
				}
			}
			if tc.wantErr != "" {
				if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("args %q: got error %v, want a usage error containing %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) || !opts.shards || opts.controller[2] != "127.0.0.1:7002" {
				t.Fatalf("args %q: got %+v, %v, options %+v; want %+v", tc.args, got, err, opts, tc.want)
			}
		})
	}
}

// TestDispatch_ShardsRefusals: commands that need the other mode fail as
// bad usage, before anything is dialed.
func TestDispatch_ShardsRefusals(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"join without -shards", []string{"join", "1", "1=h:1"}, "join is a sharded-store command"},
		{"config without -shards", []string{"config"}, "config is a sharded-store command"},
		{"lock with -shards", []string{"-shards", "-controller", testCtl, "lock", "job"}, "lock is not available with -shards"},
		{"bench with -shards", []string{"-shards", "-controller", testCtl, "bench"}, "bench is not available with -shards"},
		{"status with -shards", []string{"-shards", "-controller", testCtl, "status"}, "status reads side ports"},
		{"unknown with -shards", []string{"-shards", "-controller", testCtl, "frob"}, `unknown command "frob"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts, cmd, args, err := parseGlobal(tc.args, io.Discard)
			if err != nil {
				t.Fatalf("args %q: parseGlobal: %v", tc.args, err)
			}
			err = dispatch(context.Background(), opts, cmd, args, io.Discard, io.Discard)
			if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("args %q: got error %v, want a usage error containing %q", tc.args, err, tc.wantErr)
			}
		})
	}
}

func TestRun_ShardsUnreachableController(t *testing.T) {
	var stdout, stderr strings.Builder
	args := []string{"-shards", "-controller", "1=127.0.0.1:1", "-timeout", "200ms", "config"}
	if got := run(context.Background(), args, &stdout, &stderr); got != 1 ||
		!strings.Contains(stderr.String(), "the controller did not answer within 200ms (tried 1=127.0.0.1:1)") {
		t.Fatalf("run(%q): got status %d, stderr %q; want 1 and a message naming the controller", args, got, stderr.String())
	}
}

func TestFormatConfig(t *testing.T) {
	cfg, err := shardctl.Config{}.Join(map[int][]string{1: {"a:1", "a:2"}, 2: {"b:1"}})
	if err != nil {
		t.Fatal(err)
	}
	got := formatConfig(cfg)
	want := cfg.String() + "\n" +
		"group 1: shards " + fmt.Sprint(cfg.ShardsOf(1)) + " servers a:1,a:2\n" +
		"group 2: shards " + fmt.Sprint(cfg.ShardsOf(2)) + " servers b:1\n"
	if got != want {
		t.Errorf("formatConfig(%v): got\n%s\nwant\n%s", cfg, got, want)
	}
	for cmd, want := range map[string]string{"put": "OK version=3\n", "get": "v\n", "del": "deleted\n"} {
		if got := formatShardResult(cmd, kv.Value{Value: "v", Version: 3, Revision: 9}); got != want {
			t.Errorf("formatShardResult(%q): got %q, want %q", cmd, got, want)
		}
	}
}
