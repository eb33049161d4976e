package linearizability

import (
	"math/rand/v2"
	"testing"
	"time"
)

// bigHistory is the benchmark's history: 10,000 operations of 50 clients
// on 10 keys, each operation overlapping a few dozen others.
func bigHistory() []Operation {
	r := rand.New(rand.NewPCG(1, 2))
	return genHistory(r, genConfig{clients: 50, ops: 10000, keys: 10, spread: 150})
}

// corrupt changes the output of the first get after the middle of the
// history that found its key, so that it reads a value never written.
func corrupt(ops []Operation) []Operation {
	ops = append([]Operation(nil), ops...)
	for i := len(ops) / 2; i < len(ops); i++ {
		if in := ops[i].Input.(KVInput); in.Op == "get" && ops[i].Output.(KVOutput).Ok {
			out := ops[i].Output.(KVOutput)
			out.Value += "!"
			ops[i].Output = out
			return ops
		}
	}
	panic("no get to corrupt")
}

func BenchmarkCheck_10kLinearizable(b *testing.B) {
	ops := bigHistory()
	b.ResetTimer()
	for b.Loop() {
		if res := Check(KVModel{}, ops, time.Minute); res.Verdict != Ok {
			b.Fatalf("got %v, want ok", res.Verdict)
		}
	}
}

func BenchmarkCheck_10kOneBadRead(b *testing.B) {
	ops := corrupt(bigHistory())
	b.ResetTimer()
	for b.Loop() {
		if res := Check(KVModel{}, ops, time.Minute); res.Verdict != Illegal {
			b.Fatalf("got %v, want illegal", res.Verdict)
		}
	}
}

// BenchmarkCheck_10kSomeUnknown makes one write in a hundred a timeout:
// the client never learns the outcome, so the checker must consider the
// write at every point after its call.
func BenchmarkCheck_10kSomeUnknown(b *testing.B) {
	ops := bigHistory()
	r := rand.New(rand.NewPCG(3, 4))
	for i := range ops {
		if in := ops[i].Input.(KVInput); in.Op != "get" && r.IntN(100) == 0 {
			ops[i].Output = KVOutput{Unknown: true}
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if res := Check(KVModel{}, ops, time.Minute); res.Verdict != Ok {
			b.Fatalf("got %v, want ok", res.Verdict)
		}
	}
}
