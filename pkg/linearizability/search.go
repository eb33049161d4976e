// The search: Wing and Gong's backtracking algorithm with Lowe's two
// improvements, just-in-time linearization and a cache of configurations.
//
// Sources: Jeannette Wing and Chun Gong, "Testing and verifying concurrent
// objects", Journal of Parallel and Distributed Computing 17, 1993; Gavin
// Lowe, "Testing for linearizability", Concurrency and Computation: Practice
// and Experience 29(4), 2017.

package linearizability

import (
	"cmp"
	"context"
	"slices"
)

// entry is one event of the history, a call or a return, in a doubly linked
// list ordered by time. Linearizing an operation "lifts" its call and return
// out of the list; backtracking puts them back where they were, which the
// links of the removed entries still remember (Knuth's dancing links).
type entry struct {
	op         int    // index into the partition's operations
	call       bool   // a call event; otherwise a return event
	match      *entry // a call's return event; nil if its outcome is unknown
	prev, next *entry
}

// frame is what backtracking needs to undo one linearization step.
type frame struct {
	call  *entry // the operation linearized
	state any    // the state before it
}

// search looks for a linearization of ops, which must be sorted by call
// time. It returns Ok, Illegal or Unknown (ctx ended first); for Illegal,
// the longest prefix of a linearization it found, as indices into ops.
//
// Wing and Gong's idea: walk the events in time order. At a call, try to
// linearize that operation now (Step must accept it); at a return whose
// operation is not linearized yet, it is too late for it, so undo the most
// recent choice and try the next candidate instead. Lowe's just-in-time
// refinement is what the list gives for free: only operations called before
// the first pending return are ever tried, because any other order would
// contradict real time. His cache is the set of configurations (which
// operations are linearized, and the model's state) already explored: two
// paths reaching the same configuration have the same futures, so the
// second one is abandoned at once. That turns the exponential search into
// one bounded by the number of distinct configurations, usually small.
func search(ctx context.Context, model Model, ops []Operation) (Verdict, []int) {
	head, completed := buildList(ops)
	linearized := newBitset(len(ops))
	seen := newConfigCache(model)
	state := model.Init()
	var stack []frame

	// longest is the deepest stack seen, for the report. While the
	// search only goes deeper it grows by appending; after a backtrack
	// it is copied afresh the next time the stack beats it.
	var longest []int
	atFrontier := true

	// remaining counts operations with a known outcome not yet
	// linearized. Operations whose outcome is unknown need not be
	// linearized at all: leaving one out means it never took effect.
	remaining := completed
	e := head.next
	for steps := 0; remaining > 0; steps++ {
		if steps%1024 == 0 && ctx.Err() != nil {
			return Unknown, nil
		}
		// Invariant: every entry before e is a call, so if a return is
		// left in the list (remaining > 0) it comes after e, and e is
		// never nil here.
		if e.call {
			op := ops[e.op]
			if ok, next := model.Step(state, op.Input, outputFor(op)); ok {
				linearized.set(e.op)
				if seen.add(linearized, next) {
					stack = append(stack, frame{call: e, state: state})
					state = next
					lift(e)
					if e.match != nil {
						remaining--
					}
					if atFrontier && len(stack) == len(longest)+1 {
						longest = append(longest, e.op)
					} else if len(stack) > len(longest) {
						longest = longest[:0]
						for _, f := range stack {
							longest = append(longest, f.call.op)
						}
						atFrontier = true
					}
					// Start again from the first event: an operation
					// passed over earlier may fit the new state.
					e = head.next
					continue
				}
				// Been here before, and it did not end well.
				linearized.clear(e.op)
			}
			e = e.next
			continue
		}

		// A return event of an operation not yet linearized: every
		// order that extends the current prefix puts it too late.
		if len(stack) == 0 {
			return Illegal, slices.Clone(longest)
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		atFrontier = false
		state = top.state
		linearized.clear(top.call.op)
		unlift(top.call)
		if top.call.match != nil {
			remaining++
		}
		// Try the operations after the one just undone.
		e = top.call.next
	}
	return Ok, nil
}

// buildList links the events of ops into a list after a sentinel head, in
// time order. At equal times calls come first, so operations that touch at
// an instant count as concurrent. It also returns how many operations have
// a known outcome (and so a return event).
func buildList(ops []Operation) (head *entry, completed int) {
	events := make([]*entry, 0, 2*len(ops))
	for i, op := range ops {
		c := &entry{op: i, call: true}
		events = append(events, c)
		if op.OutcomeKnown() {
			c.match = &entry{op: i}
			events = append(events, c.match)
			completed++
		}
	}
	time := func(e *entry) int64 {
		if e.call {
			return ops[e.op].Call
		}
		return ops[e.op].Return
	}
	slices.SortStableFunc(events, func(a, b *entry) int {
		switch ta, tb := time(a), time(b); {
		case ta != tb:
			return cmp.Compare(ta, tb)
		case a.call != b.call:
			if a.call {
				return -1
			}
			return 1
		}
		return a.op - b.op
	})
	head = &entry{}
	prev := head
	for _, e := range events {
		prev.next, e.prev = e, prev
		prev = e
	}
	return head, completed
}

// lift removes a call and its return from the list. Their own links keep
// pointing at their old neighbours, ready for unlift.
func lift(call *entry) {
	unlink(call)
	if call.match != nil {
		unlink(call.match)
	}
}

// unlift undoes lift. Backtracking undoes lifts in the reverse order, so
// the neighbours each entry remembers are in the list again by then.
func unlift(call *entry) {
	if call.match != nil {
		relink(call.match)
	}
	relink(call)
}

func unlink(e *entry) {
	e.prev.next = e.next
	if e.next != nil {
		e.next.prev = e.prev
	}
}

func relink(e *entry) {
	e.prev.next = e
	if e.next != nil {
		e.next.prev = e
	}
}
