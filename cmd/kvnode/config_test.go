package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParsePeers(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[int]string
		wantErr  string
	}{
		{"three", "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003",
			map[int]string{1: "127.0.0.1:7001", 2: "127.0.0.1:7002", 3: "127.0.0.1:7003"}, ""},
		{"spaces and trailing comma", " 1=a:1 , 2=b:2,", map[int]string{1: "a:1", 2: "b:2"}, ""},
		{"empty", "", nil, "empty"},
		{"no equals", "1:127.0.0.1:7001", nil, "want id=host:port"},
		{"zero ID", "0=a:1", nil, "not a positive integer"},
		{"word ID", "one=a:1", nil, "not a positive integer"},
		{"no port", "1=localhost", nil, "not host:port"},
		{"duplicate ID", "1=a:1,1=b:2", nil, "ID 1 appears twice"},
		{"duplicate address", "1=a:1,2=a:1", nil, "given to both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parsePeers(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parsePeers(%q): got error %v, want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("parsePeers(%q): got %v, %v, want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		check   func(config) bool
		wantErr string
	}{
		{"defaults fill in from -peers", []string{"-id", "2"}, func(c config) bool {
			return c.Listen == "127.0.0.1:7002" && c.HTTP == "127.0.0.1:8002" && c.Data == filepath.Join("data", "node-2")
		}, ""},
		{"http off", []string{"-id", "1", "-http", "off"}, func(c config) bool { return c.HTTP == "" }, ""},
		{"explicit http and listen", []string{"-id", "1", "-listen", "0.0.0.0:7001", "-http", "127.0.0.1:9999"},
			func(c config) bool { return c.Listen == "0.0.0.0:7001" && c.HTTP == "127.0.0.1:9999" }, ""},
		{"local", []string{"-local", "3"}, func(c config) bool { return c.Local == 3 && c.BasePort == 7001 }, ""},
		{"id missing", []string{}, nil, "-id is required"},
		{"id not in peers", []string{"-id", "4"}, nil, "-id 4 is not in -peers (IDs there: 1, 2, 3)"},
		{"malformed peers", []string{"-id", "1", "-peers", "1=a"}, nil, "-peers:"},
		{"heartbeat too slow", []string{"-id", "1", "-heartbeat", "200ms"}, nil, "must be below -election-timeout"},
		{"bad log format", []string{"-id", "1", "-log-format", "xml"}, nil, "want text or json"},
		{"stray argument", []string{"-id", "1", "extra"}, nil, "unexpected argument"},
		{"too many local nodes", []string{"-local", "12"}, nil, "want 1 to 9"},
		{"http auto without room", []string{"-id", "1", "-peers", "1=127.0.0.1:65000"}, nil, "set -http explicitly"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseFlags(%q): got error %v, want one containing %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(got) {
				t.Fatalf("parseFlags(%q): got %+v, %v", tc.args, got, err)
			}
		})
	}
}

func TestListen_AddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = listen("RPC", ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("listen on a busy address %s: got %v, want an error saying it is in use", ln.Addr(), err)
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if err := checkWritable(filepath.Join(dir, "new", "node-1")); err != nil {
		t.Fatalf("checkWritable on a new directory: got %v, want nil", err)
	}
	// A regular file where the directory should be fails for any user,
	// root included.
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkWritable(file); err == nil {
		t.Fatalf("checkWritable(%s), a regular file: got nil, want an error", file)
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		if err := checkWritable(ro); err == nil || !strings.Contains(err.Error(), "not writable") {
			t.Fatalf("checkWritable on a read-only directory: got %v, want \"not writable\"", err)
		}
	}
}
