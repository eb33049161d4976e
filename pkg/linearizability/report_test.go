package linearizability

import (
	"strings"
	"testing"
	"time"
)

func TestResult_Timeline(t *testing.T) {
	// Client 1's two operations overlap, so it gets two rows; client 2's
	// write never returned, so its bar runs off the end.
	_, ops := parse(t, `
		1  0 40 write - 1 ok
		1 10 20 read  - - 5
		2 30  ? write - 2 ?
		3 50 60 read  - - 7`)
	res := Check(RegisterModel{}, ops, time.Second)
	got := res.Timeline(40)
	want := strings.Join([]string{
		"client 1 |[#0===============]          |",
		"         |    [#1--]                   |",
		"client 2 |              [#2----------->|",
		"client 3 |                       [#3--]|",
		"         t=0                        t=60",
		"",
	}, "\n")
	if got != want {
		t.Errorf("Timeline(40):\n%s\nwant\n%s\nreport:\n%s", got, want, res.Report())
	}
}

func TestResult_ReportOfLargePart(t *testing.T) {
	ops := corrupt(genHistory(newRand(3), genConfig{clients: 8, ops: 300, keys: 1, spread: 40}))
	res := Check(KVModel{}, ops, 10*time.Second)
	if res.Verdict != Illegal {
		t.Fatalf("got %v, want illegal", res.Verdict)
	}
	report := res.Report()
	lines := strings.Count(report, "\n")
	if lines > 30 || !strings.Contains(report, "more operations not shown") || !strings.Contains(report, `!"`) {
		t.Errorf("report of a 300-operation part has %d lines, want at most 30, eliding most and naming the corrupted read:\n%s", lines, report)
	}
	if tl := res.Timeline(80); strings.Count(tl, "\n") > 30 {
		t.Errorf("timeline of a 300-operation part has %d lines, want at most 30:\n%s", strings.Count(tl, "\n"), tl)
	}
}

func TestResult_ReportOfOkAndUnknown(t *testing.T) {
	if got, want := (Result{Verdict: Ok, Partitions: 3}).Report(), "ok: linearizable (3 parts)\n"; got != want {
		t.Errorf("Report() = %q, want %q", got, want)
	}
	res := Result{Verdict: Unknown, Partitions: 3, Partition: 1, PartitionName: `key "y"`}
	if got, want := res.Report(), "unknown: gave up at the deadline while checking key \"y\" (part 2 of 3)\n"; got != want {
		t.Errorf("Report() = %q, want %q", got, want)
	}
	if got := res.Timeline(80); got != "" {
		t.Errorf("Timeline of an unknown result = %q, want empty", got)
	}
}
