// Checking a history: split it into independent parts, search each part for
// a linearization, and turn a failed search into an explanation.

package linearizability

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"
)

// Verdict is the outcome of a check.
type Verdict int

// The verdicts. The zero Verdict is none of them.
const (
	Ok      Verdict = iota + 1 // the history is linearizable
	Illegal                    // it is not: no order of its operations fits the model
	Unknown                    // the checker gave up at its deadline
)

// String returns "ok", "illegal" or "unknown".
func (v Verdict) String() string {
	switch v {
	case Ok:
		return "ok"
	case Illegal:
		return "illegal"
	case Unknown:
		return "unknown"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Result is what [Check] found. When Verdict is Illegal, the other fields
// describe the first part of the history (in the model's partition order)
// that is not linearizable; when it is Unknown, Partition and
// PartitionName say which part the deadline interrupted. [Result.Report]
// renders it all as text, [Result.Timeline] as a picture; a dashboard can
// draw its own from Ops and Linearized.
type Result struct {
	Verdict    Verdict
	Partitions int // how many independent parts the history split into

	Partition     int    // index of the failing part, in the model's partition order
	PartitionName string // what that part is about, such as `key "x"`; "" without a Partitioner

	// Ops are the failing part's operations sorted by call time (ties by
	// return time). Linearized and Next refer to them by index.
	Ops []Operation
	// Linearized is the longest prefix of a linearization the search
	// found, as indices into Ops in linearization order: every
	// operation in it returned a legal output, but none of the
	// operations that could come next works after it.
	Linearized []int
	// State describes the model's state after Linearized.
	State string
	// Next lists the operations that could come right after Linearized
	// in real-time order, and why none of them can.
	Next []Candidate

	model Model // to describe Ops in Report and Timeline
}

// Candidate is an operation that real time allows next after a prefix, and
// the reason it cannot be.
type Candidate struct {
	Op     int    // index into Result.Ops
	Reason string // such as `impossible when the state is "2" (version 3)`
}

// Check reports whether history is linearizable with respect to model,
// giving up with Unknown once timeout has passed (timeout <= 0 means no
// limit). The search is exponential in the worst case, so tests should
// always pass a timeout. Check is safe for concurrent use; it does not
// modify history.
//
// The deadline is measured on time.Now, which stands still inside a
// testing/synctest bubble while Check computes, so check histories after
// the bubble ends, or with timeout 0.
func Check(model Model, history []Operation, timeout time.Duration) Result {
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return CheckContext(ctx, model, history)
}

// CheckContext is [Check] with a context instead of a timeout: it returns
// Unknown soon after ctx is done.
func CheckContext(ctx context.Context, model Model, history []Operation) Result {
	parts := [][]Operation{history}
	partitioner, canSplit := model.(Partitioner)
	if canSplit {
		parts = partitioner.Partition(history)
	}
	res := Result{Verdict: Ok, Partitions: len(parts)}
	// The parts are independent (Herlihy and Wing's locality), so the
	// first one that fails decides the verdict and the rest need not run.
	for i, part := range parts {
		ops := sortByCall(part)
		verdict, longest := search(ctx, model, ops)
		if verdict == Ok {
			continue
		}
		res.Verdict = verdict
		res.Partition = i
		if canSplit {
			res.PartitionName = partitioner.PartitionName(part)
		}
		if verdict == Illegal {
			res.Ops, res.Linearized, res.model = ops, longest, model
			res.State, res.Next = explain(model, ops, longest)
		}
		return res
	}
	return res
}

// sortByCall returns a copy of ops sorted by call time, then return time,
// so that reports list operations in the order a reader expects.
func sortByCall(ops []Operation) []Operation {
	sorted := slices.Clone(ops)
	slices.SortStableFunc(sorted, func(a, b Operation) int {
		return cmp.Or(cmp.Compare(a.Call, b.Call), cmp.Compare(returnTime(a), returnTime(b)))
	})
	return sorted
}

// explain replays the longest linearized prefix and says, for each
// operation that could come next in real time, why it cannot.
func explain(model Model, ops []Operation, prefix []int) (state string, next []Candidate) {
	s := model.Init()
	done := make([]bool, len(ops))
	for _, i := range prefix {
		_, s = model.Step(s, ops[i].Input, outputFor(ops[i]))
		done[i] = true
	}
	state = model.DescribeState(s)

	// An operation can come next unless some other pending operation
	// returned before it was called: real time forces that one first.
	firstReturn := NoReturn
	for i, op := range ops {
		if !done[i] {
			firstReturn = min(firstReturn, returnTime(op))
		}
	}
	for i, op := range ops {
		if done[i] || op.Call > firstReturn {
			continue
		}
		c := Candidate{Op: i, Reason: "impossible when the state is " + state}
		if ok, _ := model.Step(s, op.Input, outputFor(op)); ok {
			// The search tried this and everything after it.
			c.Reason = "possible here, but no order of the remaining operations works after it"
		}
		next = append(next, c)
	}
	return state, next
}

// returnTime is the time by which an operation must have taken effect:
// NoReturn (never) when its outcome is unknown.
func returnTime(op Operation) int64 {
	if op.OutcomeKnown() {
		return op.Return
	}
	return NoReturn
}

// outputFor is the output Model.Step sees: nil for an unknown outcome.
func outputFor(op Operation) any {
	if op.OutcomeKnown() {
		return op.Output
	}
	return nil
}
