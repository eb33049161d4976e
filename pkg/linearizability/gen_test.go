// Random histories for tests and benchmarks: a sequential execution
// stretched into overlapping intervals, so the result is linearizable by
// construction.

package linearizability

import (
	"fmt"
	"math/rand/v2"
)

// genConfig shapes a generated history.
type genConfig struct {
	clients int
	ops     int
	keys    int      // 0 for a register history
	opNames []string // KV operations to draw from; default get, put, append
	spread  int64    // how far (in time units) a call may precede, and a return follow, its effect
}

// genHistory runs cfg.ops random operations one at a time against a plain
// map (not the model under test), giving operation k its effect at time
// 10k, then widens each into an interval around that instant that does not
// overlap its client's previous operation. The effect times are a
// linearization, so the history is linearizable.
func genHistory(r *rand.Rand, cfg genConfig) []Operation {
	type item struct {
		value   string
		version int64
	}
	store := make(map[string]item)
	register := 0
	lastReturn := make([]int64, cfg.clients)
	for i := range lastReturn {
		lastReturn[i] = -1 << 62
	}
	names := cfg.opNames
	if len(names) == 0 {
		names = []string{"get", "put", "append"}
	}

	var ops []Operation
	for t := int64(0); len(ops) < cfg.ops; t += 10 {
		// A client is free at t if its previous operation returned.
		var free []int
		for c, ret := range lastReturn {
			if ret < t {
				free = append(free, c)
			}
		}
		if len(free) == 0 {
			continue
		}
		c := free[r.IntN(len(free))]
		call := t - r.Int64N(cfg.spread+1)
		call = max(call, lastReturn[c]+1)
		ret := t + r.Int64N(cfg.spread+1)
		lastReturn[c] = ret
		op := Operation{ClientID: c, Call: call, Return: ret}

		if cfg.keys == 0 {
			if r.IntN(2) == 0 {
				op.Input, op.Output = RegisterInput{Op: "read"}, RegisterOutput{Value: register}
			} else {
				register = r.IntN(5)
				op.Input = RegisterInput{Op: "write", Value: register}
			}
			ops = append(ops, op)
			continue
		}

		key := fmt.Sprintf("k%d", r.IntN(cfg.keys))
		in := KVInput{Op: names[r.IntN(len(names))], Key: key}
		it, exists := store[key]
		var out KVOutput
		switch in.Op {
		case "get":
			out = KVOutput{Value: it.value, Version: it.version, Ok: exists}
		case "put":
			in.Value = fmt.Sprintf("v%d", r.IntN(100))
			it = item{in.Value, it.version + 1}
			store[key], out = it, KVOutput{Version: it.version, Ok: true}
		case "append":
			in.Value = string(rune('a' + r.IntN(26)))
			it = item{it.value + in.Value, it.version + 1}
			store[key], out = it, KVOutput{Version: it.version, Ok: true}
		case "cas":
			in.Value, in.Version = fmt.Sprintf("c%d", r.IntN(100)), int64(r.IntN(3))
			if in.Version == it.version {
				it = item{in.Value, it.version + 1}
				store[key], out = it, KVOutput{Version: it.version, Ok: true}
			} else {
				out = KVOutput{Version: it.version}
			}
		case "delete":
			out = KVOutput{Ok: exists}
			delete(store, key)
		}
		op.Input, op.Output = in, out
		ops = append(ops, op)
	}
	return ops
}

// newRand returns a PCG source seeded with seed, the one way tests make
// randomness.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5EED)) }
