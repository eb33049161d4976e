// What the demo prints: a verdict per mode with the checker's evidence, and
// the final table.

package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"distkit/pkg/linearizability"
)

// reportLines is how much of the checker's report the narration shows.
const reportLines = 14

// narrate prints one mode's verdict and, for a violation, the checker's
// report, trimmed.
func narrate(w io.Writer, out outcome) {
	fmt.Fprintf(w, "%d operations; of those called during the partition %.0f%% succeeded (c1, cut off: %.0f%%).\n",
		out.ops, 100*out.available, 100*out.cutOff)
	switch out.verdict {
	case linearizability.Ok:
		fmt.Fprintf(w, "checker: linearizable. Every answer fits one copy of the data changing at one instant per operation.\n")
	case linearizability.Unknown:
		fmt.Fprintf(w, "checker: gave up (history too tangled for its deadline); no verdict.\n")
	default:
		fmt.Fprintf(w, "checker: NOT linearizable. Its report:\n")
		lines := strings.Split(strings.TrimSpace(out.report), "\n")
		for i, l := range lines {
			if i == reportLines {
				fmt.Fprintf(w, "    ... (%d more lines)\n", len(lines)-reportLines)
				break
			}
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
	fmt.Fprintf(w, "%s\n\n", explain(out))
}

// explain says why the verdict came out as it did.
func explain(out outcome) string {
	illegal := out.verdict == linearizability.Illegal
	switch out.mode {
	case "kv (Raft)":
		return "Only the side with a majority of servers commits anything; c1, cut off with two servers, waits and times out. Safe, and unavailable there."
	case "leaderless R=W=2":
		if illegal {
			return "R+W>N, yet not linearizable: cut off from a key's home replicas, c1's coordinator used stand-ins (sloppy quorum)\n" +
				"for reads and writes alike. Its reads met replicas that never had the value, and its writes, acknowledged by W\n" +
				"stand-ins, stayed out of the majority's sight until the hints were handed off after the heal."
		}
		return "R+W>N and this run stayed linearizable: every read quorum met the last write. Sloppy quorums and\n" +
			"concurrent writes make that luck, not a guarantee (see pkg/leaderless's doc)."
	case "leaderless R=W=1":
		if illegal {
			return "R+W<=N: a read asks one replica, and the write it should see may be on another. Fast and always available; reads go back in time."
		}
		return "R+W<=N, and this run happened to stay linearizable; another seed shows the stale read."
	case "kv unsafe reads":
		if illegal {
			return "Writes still need the majority, but any replica answers reads from memory: the two servers cut off with c1 keep serving old values."
		}
		return "This run produced no stale read the checker could see; another seed shows one."
	}
	return ""
}

// table prints the summary: latency, availability during the partition,
// verdict.
func table(w io.Writer, outs []outcome) {
	fmt.Fprintf(w, "\n%-18s %5s %9s %9s %14s %14s  %s\n", "mode", "ops", "mean", "p99", "ok in split", "c1 (cut off)", "checker")
	for _, o := range outs {
		fmt.Fprintf(w, "%-18s %5d %9v %9v %13.0f%% %13.0f%%  %s\n", o.mode, o.ops,
			o.mean.Round(100*time.Microsecond), o.p99.Round(100*time.Microsecond), 100*o.available, 100*o.cutOff, verdictName(o.verdict))
	}
	fmt.Fprintf(w, "(latency of the operations that succeeded; \"ok in split\": share of the operations called after the split\nand due to end before the heal that succeeded)\n")
}

func verdictName(v linearizability.Verdict) string {
	switch v {
	case linearizability.Ok:
		return "linearizable"
	case linearizability.Illegal:
		return "NOT linearizable"
	}
	return "unknown"
}
