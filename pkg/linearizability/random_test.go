package linearizability

import (
	"flag"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var seeds = flag.Int("seeds", 1000, "how many random histories the randomized tests check")

// TestCheck_RandomSmallAgainstBruteForce generates small linearizable
// histories, checks them, then corrupts or blurs one operation and compares
// the checker's verdict with an exhaustive search over every order.
func TestCheck_RandomSmallAgainstBruteForce(t *testing.T) {
	illegal := 0
	for seed := range uint64(*seeds) {
		r := rand.New(rand.NewPCG(seed, 0xC0FFEE))
		cfg := genConfig{
			clients: 2 + r.IntN(3),
			ops:     1 + r.IntN(8),
			keys:    r.IntN(3), // 0: a register
			opNames: []string{"get", "put", "append", "cas", "delete"},
			spread:  int64(r.IntN(40)),
		}
		var model Model = KVModel{}
		if cfg.keys == 0 {
			model = RegisterModel{}
		}
		ops := genHistory(r, cfg)
		if res := Check(model, ops, time.Second); res.Verdict != Ok {
			t.Fatalf("seed %d: generated history: got %v, want ok\n%s%s", seed, res.Verdict, dump(ops), res.Report())
		}

		mutated := mutate(r, ops)
		want := Illegal
		if bruteForce(model, mutated) {
			want = Ok
		}
		if want == Illegal {
			illegal++
		}
		if res := Check(model, mutated, time.Second); res.Verdict != want {
			t.Fatalf("seed %d: mutated history: got %v, brute force says %v\n%s%s", seed, res.Verdict, want, dump(mutated), res.Report())
		}
	}
	t.Logf("%d of %d mutated histories were illegal", illegal, *seeds)
	// The test means little if the mutations never break anything.
	if *seeds >= 100 && illegal < *seeds/5 {
		t.Errorf("only %d of %d mutated histories were illegal, want at least a fifth", illegal, *seeds)
	}
}

// TestCheck_RandomLarge checks generated histories of hundreds of
// operations, then the same with one read corrupted.
func TestCheck_RandomLarge(t *testing.T) {
	for seed := range uint64(max(*seeds/100, 1)) {
		r := rand.New(rand.NewPCG(seed, 7))
		ops := genHistory(r, genConfig{clients: 10, ops: 600, keys: 3, spread: 60})
		if res := Check(KVModel{}, ops, 10*time.Second); res.Verdict != Ok {
			t.Fatalf("seed %d: generated history: got %v, want ok\n%s", seed, res.Verdict, res.Report())
		}
		if res := Check(KVModel{}, corrupt(ops), 10*time.Second); res.Verdict != Illegal {
			t.Fatalf("seed %d: history with a corrupted read: got %v, want illegal", seed, res.Verdict)
		}
	}
}

// mutate returns a copy of ops with one output changed. Most changes make
// the history illegal; some (making an outcome unknown, say) cannot, and
// some happen to describe another legal order.
func mutate(r *rand.Rand, ops []Operation) []Operation {
	ops = append([]Operation(nil), ops...)
	i := r.IntN(len(ops))
	op := &ops[i]
	switch out := op.Output.(type) {
	case KVOutput:
		switch r.IntN(5) {
		case 0:
			out.Value += "x"
		case 1:
			out.Ok = !out.Ok
		case 2:
			out.Version += int64(1 + r.IntN(2))
		case 3:
			out.Version = max(out.Version-1, 0)
		case 4:
			out.Unknown = true
		}
		op.Output = out
	case RegisterOutput:
		if r.IntN(4) == 0 {
			op.Return = NoReturn
		} else {
			out.Value = r.IntN(5)
		}
		op.Output = out
	default: // a register write, whose output means nothing: shift it
		op.Call, op.Return = op.Call+20, op.Return+20
	}
	return ops
}

// bruteForce reports whether ops is linearizable by trying every order
// that real time allows, with no cleverness at all. Only for tiny
// histories.
func bruteForce(model Model, ops []Operation) bool {
	parts := [][]Operation{ops}
	if p, ok := model.(Partitioner); ok {
		parts = p.Partition(ops)
	}
	for _, part := range parts {
		if !bruteForcePart(model, part) {
			return false
		}
	}
	return true
}

func bruteForcePart(model Model, ops []Operation) bool {
	done := make([]bool, len(ops))
	left := 0 // operations with a known outcome still to place
	for _, op := range ops {
		if op.OutcomeKnown() {
			left++
		}
	}
	var try func(state any, left int) bool
	try = func(state any, left int) bool {
		if left == 0 {
			return true // the rest had unknown outcomes: they never happened
		}
		for i, op := range ops {
			if done[i] || !mayGoNext(ops, done, i) {
				continue
			}
			ok, next := model.Step(state, op.Input, outputFor(op))
			if !ok {
				continue
			}
			done[i] = true
			l := left
			if op.OutcomeKnown() {
				l--
			}
			if try(next, l) {
				return true
			}
			done[i] = false
		}
		return false
	}
	return try(model.Init(), left)
}

// mayGoNext reports whether no other unplaced operation returned before
// operation i was called.
func mayGoNext(ops []Operation, done []bool, i int) bool {
	for j, op := range ops {
		if !done[j] && j != i && op.OutcomeKnown() && op.Return < ops[i].Call {
			return false
		}
	}
	return true
}

// dump renders a history in the text format for a failure message.
func dump(ops []Operation) string {
	var b strings.Builder
	if err := WriteHistory(&b, ops); err != nil {
		return err.Error() + "\n"
	}
	return b.String()
}
