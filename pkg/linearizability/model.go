// Models: the sequential specification a history is checked against.
//
// A model says what one object does when operations reach it one at a time.
// Linearizability asks whether the concurrent history could have come from
// that object: whether there is one order of the operations, consistent with
// real time, in which every output is what the model would have answered.

package linearizability

// Model is the sequential specification of an object. States are values:
// Step must not modify the state it is given, because the checker keeps old
// states to backtrack to. A Model must be safe for concurrent use by several
// Check calls; the models of this package have no fields at all.
type Model interface {
	// Init returns the state before any operation.
	Init() any

	// Step applies one operation to state. It reports whether output is
	// an answer the object could have given in that state, and the state
	// after the operation. For an operation whose outcome is unknown
	// (see [Operation.OutcomeKnown]) the checker passes a nil output:
	// Step must then say ok and return the state as if the operation took
	// effect. The checker takes care of "or it never did".
	Step(state, input, output any) (ok bool, next any)

	// Equal reports whether two states are the same. The checker uses
	// it to notice that it has been somewhere before (see search.go).
	Equal(a, b any) bool

	// DescribeOperation renders an operation for a report, such as
	// `get("x") -> "1" (version 2)`.
	DescribeOperation(input, output any) string

	// DescribeState renders a state for a report, such as `"1" (version 2)`.
	DescribeState(state any) string
}

// Partitioner is implemented by models whose objects are independent, such
// as the keys of a key-value store. Linearizability is local (Herlihy and
// Wing 1990, "Linearizability: a correctness condition for concurrent
// objects"): a history is linearizable exactly when the sub-history of each
// object is, so the checker checks each part on its own.
// Ten parts of 1,000 operations are far cheaper than one of 10,000, because
// the search is exponential in the worst case.
type Partitioner interface {
	// Partition splits a history into the sub-histories of independent
	// objects. Every operation must land in exactly one part, and each
	// part keeps the operations' relative order.
	Partition(history []Operation) [][]Operation

	// PartitionName names the object one part is about, for reports,
	// such as `key "x"`.
	PartitionName(part []Operation) string
}

// ModelByName returns the model the text format (see [ParseHistory]) calls
// name: "kv" ([KVModel]) or "register" ([RegisterModel]). It returns nil
// for any other name.
func ModelByName(name string) Model {
	switch name {
	case "kv":
		return KVModel{}
	case "register":
		return RegisterModel{}
	}
	return nil
}
