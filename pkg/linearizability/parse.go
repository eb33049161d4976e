// The text format of a history: one operation per line, readable and
// writable by hand, so fixtures, bug reports and recorded histories can be
// diffed and discussed.

package linearizability

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ErrFormat is wrapped by every error ParseHistory returns for bad input.
var ErrFormat = errors.New("bad history")

// kvOps and registerOps are the operation names of each model.
var (
	kvOps       = map[string]bool{"get": true, "put": true, "append": true, "cas": true, "delete": true}
	registerOps = map[string]bool{"read": true, "write": true}
)

// ParseHistory reads a history in the text format and returns it with the
// name of its model for [ModelByName]: "kv" or "register". Each line holds
// seven fields separated by spaces or tabs:
//
//	client call return op key value output
//
// Blank lines, and everything from a '#' that starts a field to the end of
// its line, are comments. Fields are:
//
//   - client: the client ID, an integer.
//   - call, return: integer times, call <= return. A return of ? means the
//     client never got an answer (the operation's outcome is unknown).
//   - op: get, put, append, cas or delete for the key-value model; read or
//     write for the register. One history uses one model.
//   - key: the key; a single dash for the register, which has none.
//   - value: the value written (put, append, write); for cas,
//     value@version, where version 0 means "the key must not exist"; a
//     single dash for operations that write nothing.
//   - output: ? for an unknown outcome (even if return is a time: the
//     client gave up then). Otherwise, by op: get: value@version, value
//     (version not recorded) or absent; put, append: ok or ok@version;
//     cas: ok@version when it swapped, fail@version when it did not (the
//     key's current version), or either without a version; delete: ok
//     (the key existed) or absent; read: the value read; write: ok.
//     See [KVOutput] for what versions count.
//
// Keys and values are bare words without spaces, quotes, '@' or a leading
// '#', or Go-quoted strings ("a b", "", "-", "absent"), which are also how to
// write a value that would read as a keyword. For example:
//
//	# A read sees a write that completed before it.
//	1  0 10 put    x 1     ok@1
//	2 20 30 get    x -     1@1
//	3 25  ? append x "2 3" ?
//
// Errors wrap [ErrFormat] and name the line. ParseHistory never panics.
func ParseHistory(r io.Reader) (model string, ops []Operation, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20) // values up to pkg/kv's 1 MiB, with room to spare
	for n := 1; sc.Scan(); n++ {
		fields, err := splitFields(sc.Text())
		if err != nil {
			return "", nil, fmt.Errorf("%w: line %d: %v", ErrFormat, n, err)
		}
		if len(fields) == 0 {
			continue
		}
		op, opModel, err := parseOperation(fields)
		if err != nil {
			return "", nil, fmt.Errorf("%w: line %d: %v", ErrFormat, n, err)
		}
		if model != "" && opModel != model {
			return "", nil, fmt.Errorf("%w: line %d: a %s operation in a %s history", ErrFormat, n, opModel, model)
		}
		model = opModel
		ops = append(ops, op)
	}
	if err := sc.Err(); err != nil {
		return "", nil, fmt.Errorf("read history: %w", err)
	}
	if len(ops) == 0 {
		return "", nil, fmt.Errorf("%w: no operations", ErrFormat)
	}
	return model, ops, nil
}

// token is one field: its text (unquoted), and the version written after
// an '@', if any.
type token struct {
	text       string
	quoted     bool
	version    int64
	hasVersion bool
}

// splitFields cuts a line into tokens, stopping at a comment.
func splitFields(line string) ([]token, error) {
	var toks []token
	for i := 0; i < len(line); {
		if c := line[i]; c == ' ' || c == '\t' || c == '\r' {
			i++
			continue
		}
		if line[i] == '#' {
			break
		}
		var t token
		start := i
		if line[i] == '"' {
			// A Go string literal: find its closing quote,
			// skipping escaped characters.
			for i++; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' {
					i++
				}
			}
			if i >= len(line) {
				return nil, errors.New("unterminated quoted string")
			}
			i++
			s, err := strconv.Unquote(line[start:i])
			if err != nil {
				return nil, fmt.Errorf("bad quoted string %s", line[start:i])
			}
			t.text, t.quoted = s, true
		} else {
			for i < len(line) && line[i] != ' ' && line[i] != '\t' && line[i] != '"' && line[i] != '@' {
				i++
			}
			t.text = line[start:i]
			if t.text == "" {
				return nil, fmt.Errorf("empty word before %q", line[i])
			}
		}
		if i < len(line) && line[i] == '@' {
			vstart := i + 1
			for i++; i < len(line) && line[i] != ' ' && line[i] != '\t'; i++ {
			}
			v, err := strconv.ParseInt(line[vstart:i], 10, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("bad version %q", line[vstart:i])
			}
			t.version, t.hasVersion = v, true
		}
		if i < len(line) && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' {
			return nil, fmt.Errorf("unexpected %q after %q", line[i], line[start:i])
		}
		toks = append(toks, t)
	}
	return toks, nil
}

// parseOperation turns the seven fields of a line into an Operation.
func parseOperation(f []token) (Operation, string, error) {
	if len(f) != 7 {
		return Operation{}, "", fmt.Errorf("want 7 fields (client call return op key value output), got %d", len(f))
	}
	for _, i := range []int{0, 1, 2, 3, 4} {
		if f[i].hasVersion {
			return Operation{}, "", fmt.Errorf("field %d takes no @version", i+1)
		}
	}
	var op Operation
	client, err := strconv.Atoi(f[0].text)
	if err != nil {
		return op, "", fmt.Errorf("bad client %q", f[0].text)
	}
	op.ClientID = client
	if op.Call, err = strconv.ParseInt(f[1].text, 10, 64); err != nil {
		return op, "", fmt.Errorf("bad call time %q", f[1].text)
	}
	op.Return = NoReturn
	if f[2].text != "?" || f[2].quoted {
		if op.Return, err = strconv.ParseInt(f[2].text, 10, 64); err != nil {
			return op, "", fmt.Errorf("bad return time %q", f[2].text)
		}
		if op.Return < op.Call {
			return op, "", fmt.Errorf("returns at %d before its call at %d", op.Return, op.Call)
		}
	}
	name := f[3].text
	switch {
	case kvOps[name]:
		op.Input, op.Output, err = parseKV(name, f[4], f[5], f[6])
		return op, "kv", err
	case registerOps[name]:
		op.Input, op.Output, err = parseRegister(name, f[4], f[5], f[6])
		return op, "register", err
	}
	return op, "", fmt.Errorf("unknown operation %q", name)
}

// parseKV reads the key, value and output fields of a key-value operation.
func parseKV(name string, key, value, output token) (KVInput, KVOutput, error) {
	in := KVInput{Op: name, Key: key.text}
	var out KVOutput
	if is(key, "-") {
		return in, out, fmt.Errorf("%s needs a key (quote it to use %q)", name, "-")
	}
	writes := name == "put" || name == "append" || name == "cas"
	switch {
	case writes && is(value, "-"):
		return in, out, fmt.Errorf("%s needs a value (quote it to write %q)", name, "-")
	case !writes && !is(value, "-"):
		return in, out, fmt.Errorf("%s takes no value, want -", name)
	case name == "cas" && !value.hasVersion:
		return in, out, errors.New("cas needs value@version")
	case name != "cas" && value.hasVersion:
		return in, out, fmt.Errorf("%s takes no @version in its value", name)
	}
	if writes {
		in.Value, in.Version = value.text, value.version
	}

	if is(output, "?") {
		return in, KVOutput{Unknown: true}, nil
	}
	out.Version = output.version
	switch {
	case name == "get" && is(output, "absent"):
		if output.hasVersion {
			return in, out, errors.New("absent takes no @version")
		}
	case name == "get":
		out.Ok, out.Value = true, output.text
	case name == "delete" && (is(output, "ok") || is(output, "absent")):
		if output.hasVersion {
			return in, out, errors.New("delete's output takes no @version")
		}
		out.Ok = is(output, "ok")
	case name == "cas" && (is(output, "ok") || is(output, "fail")):
		out.Ok = is(output, "ok")
	case (name == "put" || name == "append") && is(output, "ok"):
		out.Ok = true
	default:
		return in, out, fmt.Errorf("bad output %q for %s", output.text, name)
	}
	return in, out, nil
}

// parseRegister reads the key, value and output fields of a register
// operation.
func parseRegister(name string, key, value, output token) (RegisterInput, RegisterOutput, error) {
	in := RegisterInput{Op: name}
	var out RegisterOutput
	if !is(key, "-") {
		return in, out, errors.New("a register has no key, want -")
	}
	if value.hasVersion || output.hasVersion {
		return in, out, errors.New("a register has no versions")
	}
	if name == "write" {
		v, err := strconv.Atoi(value.text)
		if err != nil || value.quoted {
			return in, out, fmt.Errorf("bad register value %q", value.text)
		}
		in.Value = v
	} else if !is(value, "-") {
		return in, out, errors.New("read takes no value, want -")
	}

	switch {
	case is(output, "?"):
		out.Unknown = true
	case name == "write" && is(output, "ok"):
	case name == "read":
		v, err := strconv.Atoi(output.text)
		if err != nil || output.quoted {
			return in, out, fmt.Errorf("bad value read %q", output.text)
		}
		out.Value = v
	default:
		return in, out, fmt.Errorf("bad output %q for write, want ok or ?", output.text)
	}
	return in, out, nil
}

// is reports whether t is the bare word w (a quoted "w" is a value).
func is(t token, w string) bool { return !t.quoted && t.text == w }
