// Package linearizability checks whether what concurrent clients saw of a
// system is consistent with a single copy of the data: whether the system
// behaved as if each operation took effect at one instant between its call
// and its return (Herlihy and Wing, "Linearizability: a correctness
// condition for concurrent objects", 1990).
//
// A test of a replicated store (pkg/kv on pkg/raft) starts clients, lets
// them run while the network misbehaves, records every operation with the
// time it was called and the time it returned, and hands the history to
// [Check]. If no order of the operations both respects real time (an
// operation that returned before another was called comes first) and
// explains every answer, some client saw something a single copy could
// never have shown it: a stale read, a lost write, two winners of one
// compare-and-swap.
//
// # How it works
//
//	clients ──Begin/done──► Recorder ──History()──► []Operation
//	                                                     │
//	                             Model.Partition (one part per key)
//	                                                     │
//	                        search each part: Wing & Gong + Lowe's cache
//	                                                     │
//	                       Result: Ok | Illegal (+ explanation) | Unknown
//
// A [Model] is the sequential specification: [KVModel] for a key-value
// store with versions, [RegisterModel] for one integer. Keys are
// independent, so a key-value history is split by key and each part is
// checked alone: locality makes this exact, and it keeps the search small.
//
// The search (search.go) is Wing and Gong's: walk the calls and returns in
// time order, linearize an operation at its call if the model accepts its
// output, and backtrack when some operation's return goes by unlinearized.
// Gavin Lowe's improvements ("Testing for linearizability", 2017) make it
// fast: only operations whose calls come before the first pending return
// are tried, and a cache of configurations (the set of operations
// linearized so far, as a bitset, plus the model's state) stops the search
// from exploring the same situation twice. The worst case stays exponential
// (NP-complete, Gibbons and Korach 1997), which is why Check takes a
// timeout and answers [Unknown] rather than run forever.
//
// # Operations with an unknown outcome
//
// A client that timed out does not know whether its write happened: the
// leader may commit it a second later, or never. Record such an operation
// with [KVOutput].Unknown set (or never call its done function, or set its
// Return to [NoReturn]). The checker lets it take effect at any point after
// its call, or not at all, and ignores its output.
//
// # When a history is illegal
//
// [Result.Report] names the key whose history fails, lists its operations
// by call time, marks the longest prefix of a linearization the search
// found, and explains why each operation that could come next cannot:
//
//	illegal: key "x" (part 1 of 2) is not linearizable
//	operations by call time (* = in the longest linearized prefix):
//	  * #0  client 1  0..10   put("x", "1") -> ok (version 1)
//	  * #1  client 1  20..30  put("x", "2") -> ok (version 2)
//	    #2  client 2  35..50  get("x") -> "1" (version 1)
//	longest linearized prefix: #0 #1 (2 of 3 operations)
//	state after it: "2" (version 2)
//	none of the operations that could come next fits:
//	    #2 get("x") -> "1" (version 1): impossible when the state is "2" (version 2)
//
// [Result.Timeline] draws the same operations as bars per client, and the
// fields Ops, Linearized and Next carry the same facts for a program that
// draws its own picture.
//
// # Usage
//
//	rec := linearizability.NewRecorder()
//	// in each client goroutine:
//	done := rec.Begin(clientID, linearizability.KVInput{Op: "put", Key: "x", Value: "1"})
//	version, err := client.Put(ctx, "x", "1")
//	// An error leaves the outcome open (a put that timed out may still
//	// commit), and "unknown" is always a safe thing to record.
//	done(linearizability.KVOutput{Version: version, Unknown: err != nil})
//	// after the clients stop:
//	res := linearizability.Check(linearizability.KVModel{}, rec.History(), 10*time.Second)
//	if res.Verdict == linearizability.Illegal {
//		t.Fatalf("%s\n%s", res.Report(), res.Timeline(80))
//	}
//
// Histories also have a text form, one operation per line ([ParseHistory],
// [WriteHistory]), for fixtures and bug reports. The shared fixtures in
// testdata/histories at the top of the module are small classic examples,
// each named for its verdict (ok-*.txt, bad-*.txt).
//
// # Figures
//
// A history of 10,000 operations by 50 clients on 10 keys (get, put and
// append; each operation overlapping 27 others on average, at most 48),
// generated from a sequential execution so that it is linearizable.
// Command: go test -run '^$' -bench . -benchmem -count 5
// ./pkg/linearizability, on 2 cores, 2026-11-29 (median of 5):
//
//	BenchmarkCheck_10kLinearizable   15 ms   8.0 MB   60k allocs   Ok
//	BenchmarkCheck_10kOneBadRead      9 ms   5.2 MB   36k allocs   Illegal: one get reads a value never written
//	BenchmarkCheck_10kSomeUnknown    23 ms   8.0 MB   60k allocs   Ok, with 1% of the writes' outcomes unknown
//
// The machine was busy with other builds (load average about 10), and
// single runs of the first line ranged from 13 to 44 ms: either way far
// below the target of a second. The bad read is found sooner than the
// whole history is accepted, because checking stops at the first part
// (key) that fails. The parts are checked one after another, on one core.
//
// # Reading order
//
// history.go (operations and the recorder), model.go, kv.go, register.go,
// check.go (the entry point), search.go (the algorithm), cache.go,
// report.go, then parse.go and write.go for the text format.
package linearizability
