package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantCmd string
		want    any // what the command's parser returns
		wantErr string
	}{
		{"get", []string{"get", "x"}, "get", op{cmd: "get", key: "x"}, ""},
		{"put with servers", []string{"-servers", "1=h:1", "put", "x", "1"}, "put", op{cmd: "put", key: "x", value: "1"}, ""},
		{"cas", []string{"cas", "x", "3", "v"}, "cas", op{cmd: "cas", key: "x", version: 3, value: "v"}, ""},
		{"del", []string{"del", "x"}, "del", op{cmd: "del", key: "x"}, ""},
		{"lock name first", []string{"lock", "job", "-ttl", "2s"}, "lock", lockArgs{name: "job", ttl: 2 * time.Second, hold: 10 * time.Second}, ""},
		{"lock flags first", []string{"lock", "-hold", "0", "job"}, "lock", lockArgs{name: "job", ttl: 5 * time.Second}, ""},
		{"bench", []string{"bench", "-clients", "8", "-read-ratio", "0.9"}, "bench",
			benchArgs{clients: 8, duration: 10 * time.Second, keys: 1000, valueSize: 16, readRatio: 0.9}, ""},
		{"no command", []string{}, "", nil, "no command"},
		{"put without value", []string{"put", "x"}, "", nil, "put wants KEY VALUE, got 1 argument(s)"},
		{"cas bad version", []string{"cas", "x", "new", "v"}, "", nil, `VERSION "new" is not a version`},
		{"lock without name", []string{"lock", "-ttl", "1s"}, "", nil, "lock wants NAME"},
		{"lock tiny ttl", []string{"lock", "a", "-ttl", "1ms"}, "", nil, "want at least 100ms"},
		{"bench bad ratio", []string{"bench", "-read-ratio", "2"}, "", nil, "want 0 to 1"},
		{"bad servers", []string{"-servers", "x", "get", "k"}, "", nil, "-servers:"},
		{"bad timeout", []string{"-timeout", "0s", "get", "k"}, "", nil, "-timeout 0s"},
		{"unknown flag", []string{"-frob", "get", "k"}, "", nil, "flag provided but not defined"},
		{"members", []string{"members"}, "members", adminCmd{method: "Members", args: raft.AdminArgs{ID: -1}}, ""},
		{"add-server", []string{"add-server", "4", "127.0.0.1:7004"}, "add-server",
			adminCmd{method: "AddServer", args: raft.AdminArgs{ID: 4, Addr: "127.0.0.1:7004"}}, ""},
		{"remove-server", []string{"remove-server", "2"}, "remove-server", adminCmd{method: "RemoveServer", args: raft.AdminArgs{ID: 2}}, ""},
		{"transfer to anyone", []string{"transfer"}, "transfer", adminCmd{method: "TransferLeadership", args: raft.AdminArgs{ID: -1}}, ""},
		{"add-server without address", []string{"add-server", "4"}, "", nil, "add-server wants ID ADDRESS"},
		{"add-server bad address", []string{"add-server", "4", "nowhere"}, "", nil, `address "nowhere" is not host:port`},
		{"remove-server bad id", []string{"remove-server", "x"}, "", nil, `ID "x" is not a positive integer`},
		{"members with arguments", []string{"members", "1"}, "", nil, "members takes no arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts, cmd, args, err := parseGlobal(tc.args, io.Discard)
			var got any
			if err == nil {
				switch cmd {
				case "lock":
					got, err = parseLock(args)
				case "bench":
					got, err = parseBench(args)
				case "members", "add-server", "remove-server", "transfer":
					got, err = parseAdmin(cmd, args)
				default:
					got, err = parseOp(cmd, args)
				}
			}
			if tc.wantErr != "" {
				if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("args %q: got error %v, want a usage error containing %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil || cmd != tc.wantCmd || !reflect.DeepEqual(got, tc.want) || len(opts.servers) == 0 {
				t.Fatalf("args %q: got %q %+v, %v; want %q %+v", tc.args, cmd, got, err, tc.wantCmd, tc.want)
			}
		})
	}
}

func TestRun_ExitStatus(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		want     int
		inStderr string
	}{
		{"bad usage", []string{"frob"}, 2, "Usage: kvctl"},
		{"help", []string{"-h"}, 0, "Commands:"},
		// Nothing listens on port 1: the clerk retries until -timeout.
		{"unreachable", []string{"-servers", "1=127.0.0.1:1", "-timeout", "200ms", "put", "x", "1"}, 1, "no leader answered within 200ms (tried 1=127.0.0.1:1)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			got := run(context.Background(), tc.args, &stdout, &stderr)
			if got != tc.want || !strings.Contains(stderr.String(), tc.inStderr) {
				t.Fatalf("run(%q): got status %d, stderr %q; want %d and %q", tc.args, got, stderr.String(), tc.want, tc.inStderr)
			}
		})
	}
}

func TestFormatResult(t *testing.T) {
	v := kv.Value{Value: "hello", Version: 2, Revision: 9}
	for cmd, want := range map[string]string{"get": "hello\n", "put": "OK version=2 revision=9\n", "cas": "OK version=2 revision=9\n", "del": "deleted\n"} {
		if got := formatResult(cmd, v); got != want {
			t.Errorf("formatResult(%q, %+v): got %q, want %q", cmd, v, got, want)
		}
	}
}

func TestFormatBench(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	var out strings.Builder
	formatBench(&out, benchResult{elapsed: 2 * time.Second, latencies: lat, errors: 3})
	want := "ops: 100 in 2s (50 ops/s), errors: 3\nlatency: p50 50ms  p90 90ms  p99 99ms  max 100ms\n"
	if out.String() != want {
		t.Errorf("formatBench: got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestStatus(t *testing.T) {
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":1,"role":"leader","term":3,"leader":1,"commit":12,"applied":12,"log_bytes":2048,"ready":true}`)
	}))
	defer node.Close()
	addr := strings.TrimPrefix(node.URL, "http://")
	opts := options{servers: map[int]string{1: "127.0.0.1:7001", 2: "127.0.0.1:7002"}, timeout: 2 * time.Second}

	derived, err := parseStatus(opts, nil)
	if err != nil || derived[1] != "127.0.0.1:8001" || derived[2] != "127.0.0.1:8002" {
		t.Fatalf("parseStatus with no -http: got %v, %v; want the RPC ports + 1000", derived, err)
	}
	addrs, err := parseStatus(opts, []string{"-http", "1=" + addr + ",2=127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := runStatus(context.Background(), opts, addrs, &out); err != nil {
		t.Fatalf("runStatus with one node up: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID  HTTP") ||
		strings.Join(strings.Fields(lines[1]), " ") != "1 "+addr+" leader 3 12 12 2048 1 true" ||
		!strings.Contains(lines[2], "unreachable") {
		t.Errorf("status table: got\n%s", out.String())
	}
}
