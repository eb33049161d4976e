package main

import (
	"bytes"
	"io"
	"testing"
	"testing/synctest"

	"distkit/pkg/linearizability"
)

// TestStory plays the whole demo in a synctest bubble (virtual time, the
// default seed) and checks each mode's verdict: Raft is linearizable, the
// stale-read modes are caught. For leaderless R=W=2 the expected verdict is
// also "caught": with this seed the cut-off client's sloppy-quorum reads
// return values the majority has overwritten (see explain).
func TestStory(t *testing.T) {
	var out bytes.Buffer
	var outs []outcome
	synctest.Test(t, func(t *testing.T) {
		var err error
		outs, err = story(&out, 1)
		if err != nil {
			t.Fatalf("story: %v\n%s", err, out.String())
		}
	})
	t.Log("\n" + out.String())
	want := map[string]linearizability.Verdict{
		"kv (Raft)":        linearizability.Ok,
		"leaderless R=W=2": linearizability.Illegal,
		"leaderless R=W=1": linearizability.Illegal,
		"kv unsafe reads":  linearizability.Illegal,
	}
	for _, o := range outs {
		if o.mode == "kv unsafe reads" && o.verdict == linearizability.Ok {
			// Whether a stranded replica gets asked a read before the
			// heal depends on goroutine scheduling as well as the seed,
			// and the demo says so when it misses. Another seed must
			// catch one.
			o.verdict = unsafeReadsVerdict(t)
		}
		if o.verdict != want[o.mode] {
			t.Errorf("%s: verdict %v, want %v", o.mode, o.verdict, want[o.mode])
		}
	}
	for _, o := range outs {
		if o.mode == "kv (Raft)" && o.cutOff != 0 {
			t.Errorf("kv: c1, cut off with a minority, succeeded %.0f%% of the time, want 0%%", 100*o.cutOff)
		}
		if o.mode == "leaderless R=W=1" && o.cutOff != 1 {
			t.Errorf("leaderless R=W=1: c1 succeeded %.0f%% of the time during the partition, want 100%%", 100*o.cutOff)
		}
	}
}

// unsafeReadsVerdict replays the story with seeds 2 to 6 and returns the
// unsafe-reads mode's verdict from the first seed that catches a stale read.
func unsafeReadsVerdict(t *testing.T) linearizability.Verdict {
	for seed := uint64(2); seed <= 6; seed++ {
		var outs []outcome
		synctest.Test(t, func(t *testing.T) {
			var err error
			if outs, err = story(io.Discard, seed); err != nil {
				t.Fatalf("story, seed %d: %v", seed, err)
			}
		})
		for _, o := range outs {
			if o.mode == "kv unsafe reads" && o.verdict == linearizability.Illegal {
				return o.verdict
			}
		}
	}
	return linearizability.Ok
}
