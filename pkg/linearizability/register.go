// The register model: one integer that clients read and write, the smallest
// object on which linearizability says anything interesting.

package linearizability

import "fmt"

// RegisterInput is a read or a write of a register that starts at 0.
type RegisterInput struct {
	Op    string // "read" or "write"
	Value int    // write: the value written
}

// RegisterOutput is what a read returned (a write's output is ignored).
// Unknown means the client never learned the outcome; see [KVOutput] for
// what that allows.
type RegisterOutput struct {
	Value   int
	Unknown bool
}

// OutcomeUnknown implements [OutcomeReporter]: it returns o.Unknown.
func (o RegisterOutput) OutcomeUnknown() bool { return o.Unknown }

// RegisterModel is the model of one integer register, initially 0: a read
// returns the last value written. Its state is an int.
type RegisterModel struct{}

// Init returns 0, the register's value before any write.
func (RegisterModel) Init() any { return 0 }

// Step applies a read or a write. A nil output (an unknown outcome) is
// accepted for both; an input that is not a [RegisterInput] with a known Op
// is never ok.
func (RegisterModel) Step(s, in, out any) (bool, any) {
	value := s.(int)
	input, ok := in.(RegisterInput)
	if !ok {
		return false, value
	}
	switch input.Op {
	case "read":
		output, ok := out.(RegisterOutput)
		if !ok || output.Unknown {
			return true, value
		}
		return output.Value == value, value
	case "write":
		return true, input.Value
	}
	return false, value
}

// Equal reports whether two register values are the same.
func (RegisterModel) Equal(a, b any) bool { return a.(int) == b.(int) }

// DescribeOperation renders `read() -> 1` or `write(1)`.
func (RegisterModel) DescribeOperation(in, out any) string {
	input, ok := in.(RegisterInput)
	if !ok {
		return fmt.Sprintf("%v -> %v", in, out)
	}
	output, isRegister := out.(RegisterOutput)
	switch {
	case input.Op == "write" && output.Unknown:
		return fmt.Sprintf("write(%d) -> ?", input.Value)
	case input.Op == "write":
		return fmt.Sprintf("write(%d)", input.Value) // a write answers nothing
	case !isRegister || output.Unknown:
		return input.Op + "() -> ?"
	}
	return fmt.Sprintf("%s() -> %d", input.Op, output.Value)
}

// DescribeState renders the register's value.
func (RegisterModel) DescribeState(s any) string { return fmt.Sprint(s.(int)) }
