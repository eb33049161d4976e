package main

import (
	"io"
	"strings"
	"testing"
)

// TestParseFlags_Environment runs the real flag set: a container gives a
// node its identity through KVNODE_ID and KVNODE_PEERS.
func TestParseFlags_Environment(t *testing.T) {
	t.Setenv("KVNODE_ID", "2")
	t.Setenv("KVNODE_PEERS", "1=kvnode-0.kvnode:7001,2=kvnode-1.kvnode:7001,3=kvnode-2.kvnode:7001")
	t.Setenv("KVNODE_HTTP", "0.0.0.0:8001")
	t.Setenv("KVNODE_LOG_FORMAT", "json")
	cfg, err := parseFlags([]string{"-listen", "0.0.0.0:7001"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ID != 2 || cfg.Peers[3] != "kvnode-2.kvnode:7001" || cfg.HTTP != "0.0.0.0:8001" || cfg.LogFormat != "json" || cfg.Listen != "0.0.0.0:7001" {
		t.Errorf("parseFlags with KVNODE_* set: got %+v", cfg)
	}

	t.Setenv("KVNODE_REQUEST_TIMEOUT", "forever")
	_, err = parseFlags(nil, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "KVNODE_REQUEST_TIMEOUT") {
		t.Errorf("KVNODE_REQUEST_TIMEOUT=forever: got error %v, want one naming the variable", err)
	}
}

func TestParseFlags_IDFromPodName(t *testing.T) {
	const peers = "1=kvnode-0.kvnode:7001,2=kvnode-1.kvnode:7001,3=kvnode-2.kvnode:7001"
	tests := []struct {
		name    string
		args    []string
		wantID  int
		wantErr string
	}{
		{"first pod", []string{"-id-from", "kvnode-0"}, 1, ""},
		{"third pod", []string{"-id-from", "kvnode-2"}, 3, ""},
		{"-id wins", []string{"-id", "2", "-id-from", "kvnode-0"}, 2, ""},
		{"no ordinal", []string{"-id-from", "kvnode"}, 0, "want a name ending in -N"},
		{"outside the cluster", []string{"-id-from", "kvnode-3"}, 0, "-id 4 is not in -peers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseFlags(append(tc.args, "-peers", peers), io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseFlags(%q): got error %v, want one containing %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil || cfg.ID != tc.wantID {
				t.Fatalf("parseFlags(%q): got ID %d, err %v, want ID %d", tc.args, cfg.ID, err, tc.wantID)
			}
		})
	}
}
