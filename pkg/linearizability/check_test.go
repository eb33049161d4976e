package linearizability

import (
	"context"
	"strings"
	"testing"
	"time"
)

// parse reads a history written in the text format, failing the test on
// a syntax error.
func parse(t *testing.T, text string) (Model, []Operation) {
	t.Helper()
	name, ops, err := ParseHistory(strings.NewReader(text))
	if err != nil {
		t.Fatalf("ParseHistory(%q): %v", text, err)
	}
	return ModelByName(name), ops
}

func TestCheck_SmallHistories(t *testing.T) {
	tests := []struct {
		name    string
		history string
		want    Verdict
	}{
		{"one get of an absent key", `1 0 10 get x - absent`, Ok},
		{"sequential put then get", `
			1  0 10 put x a ok@1
			1 20 30 get x - a@1`, Ok},
		{"read from the future", `
			1  0 10 get x - a
			2 20 30 put x a ok`, Illegal},
		{"read overlapping a write sees the new value", `
			1  0 30 put x a ok
			2 10 20 get x - a`, Ok},
		{"calls and returns at the same instant overlap", `
			1  0 10 put x a ok
			2 10 20 get x - absent`, Ok},
		{"a value flips back", `
			1  0 10 put x a ok
			2 20 30 put x b ok
			3 10 40 get x - b
			3 50 60 get x - a`, Illegal},
		{"a write that timed out never took effect", `
			1  0 10 put x a ok@1
			2 20 30 put x b ?
			3 40 50 get x - a@1`, Ok},
		{"a write that timed out took effect after the client gave up", `
			1  0 10 put x a ok@1
			2 20 30 put x b ?
			3 40 50 get x - a@1
			3 60 70 get x - b@2`, Ok},
		{"a write that never returned cannot take effect before its call", `
			3  0 10 get x - b
			2 20  ? put x b ?`, Illegal},
		{"a read that never returned says nothing", `
			1  0 10 write - 1 ok
			2  5  ? read  - - 42`, Ok},
		{"versions count writes since creation", `
			1  0 10 put    x a ok@1
			1 20 30 delete x - ok
			1 40 50 append x b ok@1
			1 60 70 get    x - b@1`, Ok},
		{"a version that skips a write", `
			1  0 10 put x a ok@1
			1 20 30 put x b ok@3`, Illegal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			model, ops := parse(t, tt.history)
			res := Check(model, ops, time.Second)
			if res.Verdict != tt.want {
				t.Errorf("Check of\n%s\ngot %v, want %v\n%s", tt.history, res.Verdict, tt.want, res.Report())
			}
		})
	}
}

func TestCheck_StructForm(t *testing.T) {
	// The same stale read as testdata/histories/bad-kv-stale-read.txt,
	// built by hand, with a key that is fine alongside.
	ops := []Operation{
		{ClientID: 1, Input: KVInput{Op: "put", Key: "x", Value: "1"}, Output: KVOutput{Ok: true}, Call: 0, Return: 10},
		{ClientID: 3, Input: KVInput{Op: "put", Key: "a", Value: "1"}, Output: KVOutput{Ok: true}, Call: 0, Return: 10},
		{ClientID: 1, Input: KVInput{Op: "put", Key: "x", Value: "2"}, Output: KVOutput{Ok: true}, Call: 20, Return: 30},
		{ClientID: 2, Input: KVInput{Op: "get", Key: "x"}, Output: KVOutput{Value: "1", Ok: true}, Call: 40, Return: 50},
		{ClientID: 4, Input: KVInput{Op: "put", Key: "z", Value: "9"}, Output: KVOutput{Unknown: true}, Call: 45, Return: NoReturn},
	}
	res := Check(KVModel{}, ops, time.Second)
	if res.Verdict != Illegal || res.Partitions != 3 || res.Partition != 1 || res.PartitionName != `key "x"` {
		t.Fatalf("got %v in part %d (%s) of %d, want illegal in part 1 (key \"x\") of 3\n%s",
			res.Verdict, res.Partition, res.PartitionName, res.Partitions, res.Report())
	}
	if len(res.Ops) != 3 || len(res.Linearized) != 2 || len(res.Next) != 1 || res.Next[0].Op != 2 {
		t.Errorf("got ops %d, prefix %v, next %+v; want 3 ops, a prefix of 2, next #2 (the get)",
			len(res.Ops), res.Linearized, res.Next)
	}
	if want := `impossible when the state is "2" (version 2)`; res.Next[0].Reason != want {
		t.Errorf("got reason %q, want %q", res.Next[0].Reason, want)
	}
}

// pathological is a register history whose refutation visits every subset
// of n concurrent writes: a read after them all returns a value none wrote.
func pathological(n int) []Operation {
	var ops []Operation
	for i := range n {
		ops = append(ops, Operation{ClientID: i, Input: RegisterInput{Op: "write", Value: i + 1}, Call: 0, Return: 100})
	}
	return append(ops, Operation{ClientID: n, Input: RegisterInput{Op: "read"}, Output: RegisterOutput{Value: 0}, Call: 200, Return: 210})
}

func TestCheck_DeadlineGivesUnknown(t *testing.T) {
	res := Check(RegisterModel{}, pathological(30), time.Millisecond)
	if res.Verdict != Unknown {
		t.Fatalf("Check of 30 concurrent writes with 1ms: got %v, want unknown", res.Verdict)
	}
	if got := res.Report(); !strings.HasPrefix(got, "unknown: gave up at the deadline") {
		t.Errorf("Report() = %q, want it to say it gave up", got)
	}

	// A small instance of the same shape is refuted quickly.
	if res := Check(RegisterModel{}, pathological(6), time.Minute); res.Verdict != Illegal {
		t.Errorf("Check of 6 concurrent writes: got %v, want illegal", res.Verdict)
	}
}

func TestCheckContext_Canceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res := CheckContext(ctx, RegisterModel{}, pathological(30)); res.Verdict != Unknown {
		t.Errorf("CheckContext with a canceled context: got %v, want unknown", res.Verdict)
	}
}

func TestCheck_EmptyHistory(t *testing.T) {
	for _, m := range []Model{KVModel{}, RegisterModel{}} {
		if res := Check(m, nil, time.Second); res.Verdict != Ok {
			t.Errorf("Check(%T, nil): got %v, want ok", m, res.Verdict)
		}
	}
}

func TestCheck_ReturnBeforeCall(t *testing.T) {
	// Bad input from a hand-built history: no panic, and no linearization
	// can put an operation after its call and before its return.
	ops := []Operation{{ClientID: 1, Input: KVInput{Op: "get", Key: "x"}, Output: KVOutput{}, Call: 50, Return: 10}}
	res := Check(KVModel{}, ops, time.Second)
	if res.Verdict != Illegal {
		t.Errorf("got %v, want illegal", res.Verdict)
	}
	_ = res.Report() + res.Timeline(80)
}
