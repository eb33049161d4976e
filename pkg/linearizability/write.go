// Writing a history in the text format ParseHistory reads, so that a test
// can save what its clients saw for a reader (or a later run) to replay.

package linearizability

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// formatHeader is the column line WriteHistory starts with.
const formatHeader = "# client call return op key value output"

// WriteHistory writes ops in the text format [ParseHistory] reads, one line
// per operation in the order given, after a line naming the columns. Every
// input must be a [KVInput] or every input a [RegisterInput]. Outputs that
// are not of the model's type are written as "?" (unknown), except a
// register write's, which says nothing anyway.
func WriteHistory(w io.Writer, ops []Operation) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, formatHeader)
	model := ""
	for i, op := range ops {
		ret := "?"
		if op.Return != NoReturn {
			ret = strconv.FormatInt(op.Return, 10)
		}
		var name, key, value, output, opModel string
		switch in := op.Input.(type) {
		case KVInput:
			if !kvOps[in.Op] {
				return fmt.Errorf("write history: operation %d: unknown op %q", i, in.Op)
			}
			name, opModel, key, value = in.Op, "kv", word(in.Key), "-"
			switch in.Op {
			case "put", "append":
				value = word(in.Value)
			case "cas":
				value = word(in.Value) + "@" + strconv.FormatInt(in.Version, 10)
			}
			output = kvOutputField(in.Op, op.Output)
		case RegisterInput:
			if !registerOps[in.Op] {
				return fmt.Errorf("write history: operation %d: unknown op %q", i, in.Op)
			}
			name, opModel, key, value = in.Op, "register", "-", "-"
			if in.Op == "write" {
				value = strconv.Itoa(in.Value)
			}
			output = registerOutputField(in.Op, op.Output)
		default:
			return fmt.Errorf("write history: operation %d: input %T is neither KVInput nor RegisterInput", i, op.Input)
		}
		if model != "" && opModel != model {
			return fmt.Errorf("write history: operation %d: a %s operation in a %s history", i, opModel, model)
		}
		model = opModel
		fmt.Fprintf(bw, "%d %d %s %s %s %s %s\n", op.ClientID, op.Call, ret, name, key, value, output)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}

// kvOutputField renders a key-value output as the format's output field.
func kvOutputField(name string, o any) string {
	out, ok := o.(KVOutput)
	if !ok || out.Unknown {
		return "?"
	}
	version := ""
	if out.Version != 0 {
		version = "@" + strconv.FormatInt(out.Version, 10)
	}
	switch name {
	case "get":
		if !out.Ok {
			return "absent"
		}
		return word(out.Value) + version
	case "delete":
		if out.Ok {
			return "ok"
		}
		return "absent"
	case "cas":
		if !out.Ok {
			return "fail" + version
		}
	}
	return "ok" + version
}

// registerOutputField renders a register output as the output field.
func registerOutputField(name string, o any) string {
	out, ok := o.(RegisterOutput)
	switch {
	case name == "write" && !out.Unknown:
		return "ok"
	case !ok || out.Unknown:
		return "?"
	}
	return strconv.Itoa(out.Value)
}

// word renders a key or value bare when ParseHistory would read it back as
// the same string, and quoted otherwise.
func word(s string) string {
	switch s {
	case "", "-", "?", "ok", "fail", "absent":
		return strconv.Quote(s)
	}
	if s[0] == '#' {
		return strconv.Quote(s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '@' {
			return strconv.Quote(s)
		}
	}
	return s
}
