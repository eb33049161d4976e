package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestScripts plays every scenario in testdata/raftlab on five nodes
// over net.Pipe in a synctest bubble: the elections, the timeouts and the
// workloads take virtual time, so each script runs in well under a second
// and the same way every run.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("../../testdata/raftlab/*.txt")
	if err != nil || len(files) < 3 {
		t.Fatalf("scripts: %v %v, want at least 3", files, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := parseScript(f)
			f.Close()
			if err != nil {
				t.Fatalf("parse %s: %v", file, err)
			}
			synctest.Test(t, func(t *testing.T) {
				l := newTestLab(t, newPipeNet(), 1)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				if err := runScript(ctx, l, steps); err != nil {
					t.Fatalf("%s: %v", file, err)
				}
			})
		})
	}
}

// TestScript_FailedExpectation makes sure a script whose expectation does
// not hold fails, naming the line.
func TestScript_FailedExpectation(t *testing.T) {
	steps, err := parseScript(strings.NewReader("wait-leader\nput x 1\n\nexpect value x 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		l := newTestLab(t, newPipeNet(), 1)
		err := runScript(context.Background(), l, steps)
		if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), `got "1", want "2"`) {
			t.Errorf("script expecting x=2 after put x 1: error %v, want one naming line 4 and the values", err)
		}
	})
}

func TestParseScript_Errors(t *testing.T) {
	for _, tc := range []struct{ name, script, want string }{
		{"unknown command", "wait-leader\nfly away\n", `line 2: "fly away": unknown command "fly"`},
		{"missing argument", "crash\n", "crash takes 1 argument(s), got 0"},
		{"one group", "partition 0,1\n", "at least two groups"},
		{"bad duration", "sleep soon\n", "invalid duration"},
		{"bad fault", "faults jitter=3\n", `unknown setting "jitter"`},
		{"bad check", "check vibes\n", "want linearizable or violation"},
		{"bad workload", "workload many 2s\n", "not a number"},
		{"bad expect", "expect miracles\n", "expect what?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseScript(strings.NewReader(tc.script))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parseScript(%q): error %v, want one containing %q", tc.script, err, tc.want)
			}
		})
	}
}
