package linearizability

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseHistory(t *testing.T) {
	text := `
# a comment line
1 0 10 put x "a b" ok@1   # a trailing comment
2 5 ? cas x "@"@1 ?
3 20 30 get "" - absent
4 20 30 delete x - ok
5 40 50 get x - "absent"@2
`
	model, ops, err := ParseHistory(strings.NewReader(text))
	if err != nil {
		t.Fatalf("ParseHistory: %v", err)
	}
	want := []Operation{
		{ClientID: 1, Call: 0, Return: 10, Input: KVInput{Op: "put", Key: "x", Value: "a b"}, Output: KVOutput{Version: 1, Ok: true}},
		{ClientID: 2, Call: 5, Return: NoReturn, Input: KVInput{Op: "cas", Key: "x", Value: "@", Version: 1}, Output: KVOutput{Unknown: true}},
		{ClientID: 3, Call: 20, Return: 30, Input: KVInput{Op: "get", Key: ""}, Output: KVOutput{}},
		{ClientID: 4, Call: 20, Return: 30, Input: KVInput{Op: "delete", Key: "x"}, Output: KVOutput{Ok: true}},
		{ClientID: 5, Call: 40, Return: 50, Input: KVInput{Op: "get", Key: "x"}, Output: KVOutput{Value: "absent", Version: 2, Ok: true}},
	}
	if model != "kv" || !reflect.DeepEqual(ops, want) {
		t.Errorf("ParseHistory:\ngot  %s %+v\nwant kv %+v", model, ops, want)
	}
}

func TestParseHistory_Errors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"empty", "# nothing\n", "no operations"},
		{"too few fields", "1 0 10 get x -", "want 7 fields"},
		{"bad client", "a 0 10 get x - absent", `bad client "a"`},
		{"return before call", "1 10 5 get x - absent", "before its call"},
		{"unknown op", "1 0 10 increment x - ok", `unknown operation "increment"`},
		{"mixed models", "1 0 10 get x - absent\n1 20 30 read - - 0", "line 2: a register operation in a kv history"},
		{"cas without version", "1 0 10 cas x a ok", "cas needs value@version"},
		{"put without value", "1 0 10 put x - ok", "put needs a value"},
		{"get with value", "1 0 10 get x a absent", "get takes no value"},
		{"bad get output", "1 0 10 put x a maybe", `bad output "maybe" for put`},
		{"unterminated quote", `1 0 10 put x "a ok`, "unterminated"},
		{"quote inside word", `1 0 10 put x a"b ok`, "unexpected"},
		{"negative version", "1 0 10 cas x a@-1 ok", "bad version"},
		{"register with key", "1 0 10 read x - 0", "no key"},
		{"register value not a number", "1 0 10 write - a ok", "bad register value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseHistory(strings.NewReader(tt.text))
			if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseHistory(%q): got error %v, want ErrFormat mentioning %q", tt.text, err, tt.want)
			}
		})
	}
}

func TestWriteHistory_RoundTrip(t *testing.T) {
	for _, cfg := range []genConfig{
		{clients: 5, ops: 200, keys: 3, opNames: []string{"get", "put", "append", "cas", "delete"}, spread: 30},
		{clients: 5, ops: 200, spread: 30},
	} {
		ops := genHistory(newRand(1), cfg)
		ops[3].Return, ops[3].Output = NoReturn, nil
		var b strings.Builder
		if err := WriteHistory(&b, ops); err != nil {
			t.Fatalf("WriteHistory: %v", err)
		}
		_, got, err := ParseHistory(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("ParseHistory(WriteHistory(ops)): %v\n%s", err, b.String())
		}
		// Outputs come back in their canonical form, so compare what
		// matters: the same verdict and the same text again.
		var again strings.Builder
		if err := WriteHistory(&again, got); err != nil || again.String() != b.String() {
			t.Errorf("second round trip differs (err %v):\n%s\nwant\n%s", err, again.String(), b.String())
		}
	}
}

func FuzzParseHistory(f *testing.F) {
	files, _ := filepath.Glob(fixtures)
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(string(data))
		}
	}
	f.Add("1 0 ? cas \"\\x00\"@0 \"\\\"\"@12 fail@3")
	f.Fuzz(func(t *testing.T, text string) {
		model, ops, err := ParseHistory(strings.NewReader(text))
		if err != nil {
			return
		}
		// Whatever parses must write back and parse to the same thing,
		// and be checkable.
		var b strings.Builder
		if err := WriteHistory(&b, ops); err != nil {
			t.Fatalf("WriteHistory of a parsed history: %v", err)
		}
		model2, ops2, err := ParseHistory(strings.NewReader(b.String()))
		if err != nil || model2 != model || !reflect.DeepEqual(ops2, ops) {
			t.Fatalf("round trip: got %s %+v, %v; want %s %+v\ntext:\n%s", model2, ops2, err, model, ops, b.String())
		}
		if len(ops) <= 20 {
			Check(ModelByName(model), ops, 10*time.Millisecond)
		}
	})
}
