package linearizability

import (
	"slices"
	"testing"
)

func TestKVModel_Step(t *testing.T) {
	absent := kvState{}
	a1 := kvState{Value: "a", Version: 1}
	tests := []struct {
		name   string
		state  kvState
		in     any
		out    any
		wantOk bool
		want   kvState
	}{
		{"get absent", absent, KVInput{Op: "get", Key: "x"}, KVOutput{}, true, absent},
		{"get absent but found", absent, KVInput{Op: "get", Key: "x"}, KVOutput{Ok: true}, false, absent},
		{"get value and version", a1, KVInput{Op: "get", Key: "x"}, KVOutput{Value: "a", Version: 1, Ok: true}, true, a1},
		{"get value, version not recorded", a1, KVInput{Op: "get", Key: "x"}, KVOutput{Value: "a", Ok: true}, true, a1},
		{"get wrong value", a1, KVInput{Op: "get", Key: "x"}, KVOutput{Value: "b", Ok: true}, false, a1},
		{"get wrong version", a1, KVInput{Op: "get", Key: "x"}, KVOutput{Value: "a", Version: 2, Ok: true}, false, a1},
		{"get present but not found", a1, KVInput{Op: "get", Key: "x"}, KVOutput{}, false, a1},
		{"get unknown", a1, KVInput{Op: "get", Key: "x"}, KVOutput{Value: "zz", Unknown: true}, true, a1},
		{"put creates", absent, KVInput{Op: "put", Key: "x", Value: "a"}, KVOutput{Version: 1}, true, a1},
		{"put bumps version", a1, KVInput{Op: "put", Key: "x", Value: "b"}, KVOutput{Version: 2, Ok: true}, true, kvState{"b", 2}},
		{"put wrong version", a1, KVInput{Op: "put", Key: "x", Value: "b"}, KVOutput{Version: 1}, false, kvState{"b", 2}},
		{"append creates", absent, KVInput{Op: "append", Key: "x", Value: "a"}, KVOutput{}, true, a1},
		{"append appends", a1, KVInput{Op: "append", Key: "x", Value: "b"}, KVOutput{Version: 2}, true, kvState{"ab", 2}},
		{"cas swaps", a1, KVInput{Op: "cas", Key: "x", Value: "b", Version: 1}, KVOutput{Version: 2, Ok: true}, true, kvState{"b", 2}},
		{"cas swaps but says failed", a1, KVInput{Op: "cas", Key: "x", Value: "b", Version: 1}, KVOutput{}, false, kvState{"b", 2}},
		{"cas mismatch", a1, KVInput{Op: "cas", Key: "x", Value: "b", Version: 3}, KVOutput{Version: 1}, true, a1},
		{"cas mismatch, wrong current version", a1, KVInput{Op: "cas", Key: "x", Value: "b", Version: 3}, KVOutput{Version: 2}, false, a1},
		{"cas mismatch but says swapped", a1, KVInput{Op: "cas", Key: "x", Value: "b", Version: 3}, KVOutput{Ok: true}, false, a1},
		{"cas 0 creates", absent, KVInput{Op: "cas", Key: "x", Value: "a"}, KVOutput{Version: 1, Ok: true}, true, a1},
		{"cas 0 on present key fails", a1, KVInput{Op: "cas", Key: "x", Value: "b"}, KVOutput{Version: 1}, true, a1},
		{"cas unknown, version matches", a1, KVInput{Op: "cas", Key: "x", Value: "b", Version: 1}, nil, true, kvState{"b", 2}},
		{"cas unknown, version differs", a1, KVInput{Op: "cas", Key: "x", Value: "b", Version: 5}, nil, true, a1},
		{"delete present", a1, KVInput{Op: "delete", Key: "x"}, KVOutput{Ok: true}, true, absent},
		{"delete present but says absent", a1, KVInput{Op: "delete", Key: "x"}, KVOutput{}, false, absent},
		{"delete absent", absent, KVInput{Op: "delete", Key: "x"}, KVOutput{}, true, absent},
		{"delete unknown", a1, KVInput{Op: "delete", Key: "x"}, KVOutput{Unknown: true}, true, absent},
		{"put unknown", a1, KVInput{Op: "put", Key: "x", Value: "c"}, nil, true, kvState{"c", 2}},
		{"unknown op", a1, KVInput{Op: "increment", Key: "x"}, KVOutput{}, false, a1},
		{"not a KVInput", a1, RegisterInput{Op: "read"}, KVOutput{}, false, a1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, next := KVModel{}.Step(tt.state, tt.in, tt.out)
			if ok != tt.wantOk || (ok && next != tt.want) {
				t.Errorf("Step(%+v, %+v, %+v) = %v, %+v; want %v, %+v", tt.state, tt.in, tt.out, ok, next, tt.wantOk, tt.want)
			}
		})
	}
}

func TestKVModel_DescribeOperation(t *testing.T) {
	tests := []struct {
		in   KVInput
		out  any
		want string
	}{
		{KVInput{Op: "get", Key: "x"}, KVOutput{Value: "1", Version: 2, Ok: true}, `get("x") -> "1" (version 2)`},
		{KVInput{Op: "get", Key: "x"}, KVOutput{}, `get("x") -> absent`},
		{KVInput{Op: "get", Key: "x"}, nil, `get("x") -> ?`},
		{KVInput{Op: "put", Key: "x", Value: "1"}, KVOutput{Ok: true}, `put("x", "1") -> ok`},
		{KVInput{Op: "append", Key: "x", Value: "1"}, KVOutput{Version: 3}, `append("x", "1") -> ok (version 3)`},
		{KVInput{Op: "cas", Key: "x", Value: "b", Version: 1}, KVOutput{Ok: true, Version: 2}, `cas("x", "b", version 1) -> swapped (version 2)`},
		{KVInput{Op: "cas", Key: "x", Value: "b", Version: 1}, KVOutput{Version: 4}, `cas("x", "b", version 1) -> failed (version 4)`},
		{KVInput{Op: "delete", Key: "x"}, KVOutput{Ok: true}, `delete("x") -> deleted`},
		{KVInput{Op: "put", Key: "x", Value: "1"}, KVOutput{Unknown: true}, `put("x", "1") -> ?`},
	}
	for _, tt := range tests {
		if got := (KVModel{}).DescribeOperation(tt.in, tt.out); got != tt.want {
			t.Errorf("DescribeOperation(%+v, %+v) = %s, want %s", tt.in, tt.out, got, tt.want)
		}
	}
}

func TestKVModel_Partition(t *testing.T) {
	ops := []Operation{
		{ClientID: 1, Input: KVInput{Op: "put", Key: "y"}},
		{ClientID: 2, Input: KVInput{Op: "put", Key: "x"}},
		{ClientID: 3, Input: KVInput{Op: "get", Key: "y"}},
	}
	m := KVModel{}
	parts := m.Partition(ops)
	var got [][]int
	var names []string
	for _, p := range parts {
		var clients []int
		for _, op := range p {
			clients = append(clients, op.ClientID)
		}
		got = append(got, clients)
		names = append(names, m.PartitionName(p))
	}
	want := [][]int{{2}, {1, 3}}
	if !slices.EqualFunc(got, want, slices.Equal) || !slices.Equal(names, []string{`key "x"`, `key "y"`}) {
		t.Errorf("Partition: got clients %v named %q, want %v named key x, key y", got, names, want)
	}
}
