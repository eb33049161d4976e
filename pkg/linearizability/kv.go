// The key-value model: get, put, append, compare-and-swap and delete on
// string keys, each key with a version, the shape of pkg/kv.

package linearizability

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// KVInput is what a client asked a key-value store.
//
//   - "get" reads Key.
//   - "put" sets Key to Value, creating it if absent.
//   - "append" appends Value to Key's value, creating the key (as if its
//     value were "") if absent.
//   - "cas" (compare-and-swap) sets Key to Value only if Key's version is
//     Version; Version 0 means "only if Key does not exist".
//   - "delete" removes Key.
type KVInput struct {
	Op      string // "get", "put", "append", "cas" or "delete"
	Key     string
	Value   string // put, append, cas: the value written or appended
	Version int64  // cas: the version expected; 0 means the key must not exist
}

// KVOutput is what the store answered.
//
// A key's version counts the writes (put, append, successful cas) to it
// since it was created: the write that creates a key gives it version 1.
// Delete makes the key absent, version 0, so the next write creates it
// again with version 1. A zero Version in an output means "not recorded"
// wherever a real version cannot be 0, so clients that do not see
// versions can still be checked. Field by operation:
//
//   - get: Ok reports whether the key exists. If it does, Value is its value
//     and Version, unless 0, its version. If it does not, Value and
//     Version are ignored.
//   - put, append: Ok is ignored (they always succeed). Version, unless 0,
//     is the key's version after the write.
//   - cas: Ok reports whether the swap happened. If it did, Version, unless
//     0, is the new version. If not, Version, unless 0, is the key's
//     current version (which differs from the input's); Value is ignored.
//   - delete: Ok reports whether the key existed (and now does not).
//
// Unknown means the client never learned the outcome (a timeout, a lost
// connection): the operation may have taken effect at any time after its
// call, or never, and every other field is ignored. A nil output counts as
// unknown too: the checker passes nil to [KVModel.Step] for every
// operation whose outcome is unknown.
type KVOutput struct {
	Value   string
	Version int64
	Ok      bool // cas: swapped; get: found; delete: existed
	Unknown bool
}

// OutcomeUnknown implements [OutcomeReporter]: it returns o.Unknown.
func (o KVOutput) OutcomeUnknown() bool { return o.Unknown }

// KVModel is the model of a key-value store with the semantics documented
// on [KVInput] and [KVOutput]. Keys are independent objects, so it
// implements [Partitioner] and its state is the state of one key: a
// history mixing keys must be partitioned first, which [Check] does.
type KVModel struct{}

// kvState is one key: Version 0 means absent (and then Value is "").
type kvState struct {
	Value   string
	Version int64
}

// Init returns the state of a key that does not exist yet.
func (KVModel) Init() any { return kvState{} }

// Step applies in to one key's state s and checks out against it.
// Inputs that are not a [KVInput] with a known Op are never ok.
func (KVModel) Step(s, in, out any) (bool, any) {
	st := s.(kvState)
	input, ok := in.(KVInput)
	if !ok {
		return false, st
	}
	output, isKV := out.(KVOutput)
	// An unknown outcome takes effect without checking the output: the
	// client did not see one.
	unknown := !isKV || output.Unknown
	// versionOK checks a recorded version; 0 means none was recorded.
	versionOK := func(v int64) bool { return unknown || output.Version == 0 || output.Version == v }

	switch input.Op {
	case "get":
		if unknown {
			return true, st
		}
		if st.Version == 0 {
			return !output.Ok, st
		}
		return output.Ok && output.Value == st.Value && versionOK(st.Version), st
	case "put":
		next := kvState{Value: input.Value, Version: st.Version + 1}
		return versionOK(next.Version), next
	case "append":
		next := kvState{Value: st.Value + input.Value, Version: st.Version + 1}
		return versionOK(next.Version), next
	case "cas":
		if st.Version != input.Version {
			// No swap: the only legal answer is a failure that
			// reports the version the key really has.
			return unknown || (!output.Ok && versionOK(st.Version)), st
		}
		next := kvState{Value: input.Value, Version: st.Version + 1}
		return unknown || (output.Ok && versionOK(next.Version)), next
	case "delete":
		existed := st.Version != 0
		return unknown || output.Ok == existed, kvState{}
	}
	return false, st
}

// Equal reports whether two key states are the same.
func (KVModel) Equal(a, b any) bool { return a.(kvState) == b.(kvState) }

// DescribeOperation renders an operation the way the text format's
// readers think of it, such as `cas("x", "b", version 1) -> swapped (version 2)`.
func (KVModel) DescribeOperation(in, out any) string {
	input, ok := in.(KVInput)
	if !ok {
		return fmt.Sprintf("%v -> %v", in, out)
	}
	var call string
	switch input.Op {
	case "get", "delete":
		call = fmt.Sprintf("%s(%q)", input.Op, input.Key)
	case "cas":
		call = fmt.Sprintf("cas(%q, %q, version %d)", input.Key, input.Value, input.Version)
	default:
		call = fmt.Sprintf("%s(%q, %q)", input.Op, input.Key, input.Value)
	}
	output, isKV := out.(KVOutput)
	if !isKV || output.Unknown {
		return call + " -> ?"
	}
	withVersion := func(s string) string {
		if output.Version == 0 {
			return s
		}
		return s + " (version " + strconv.FormatInt(output.Version, 10) + ")"
	}
	switch input.Op {
	case "get":
		if !output.Ok {
			return call + " -> absent"
		}
		return call + " -> " + withVersion(strconv.Quote(output.Value))
	case "cas":
		if output.Ok {
			return call + " -> " + withVersion("swapped")
		}
		return call + " -> " + withVersion("failed")
	case "delete":
		if output.Ok {
			return call + " -> deleted"
		}
		return call + " -> absent"
	}
	return call + " -> " + withVersion("ok")
}

// DescribeState renders one key's state: `absent` or `"1" (version 2)`.
func (KVModel) DescribeState(s any) string {
	st := s.(kvState)
	if st.Version == 0 {
		return "absent"
	}
	return fmt.Sprintf("%q (version %d)", st.Value, st.Version)
}

// Partition splits a history by key, in key order. Operations whose input
// is not a [KVInput] go together in a part of their own (key ""), where
// Step rejects them.
func (KVModel) Partition(history []Operation) [][]Operation {
	byKey := make(map[string][]Operation)
	for _, op := range history {
		in, _ := op.Input.(KVInput)
		byKey[in.Key] = append(byKey[in.Key], op)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare)
	parts := make([][]Operation, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, byKey[k])
	}
	return parts
}

// PartitionName returns `key "x"` for the part of key x.
func (KVModel) PartitionName(part []Operation) string {
	if len(part) == 0 {
		return "no operations"
	}
	in, _ := part[0].Input.(KVInput)
	return fmt.Sprintf("key %q", in.Key)
}
