package linearizability

import "testing"

func TestRegisterModel_Step(t *testing.T) {
	tests := []struct {
		name   string
		state  int
		in     any
		out    any
		wantOk bool
		want   int
	}{
		{"read the value", 3, RegisterInput{Op: "read"}, RegisterOutput{Value: 3}, true, 3},
		{"read another value", 3, RegisterInput{Op: "read"}, RegisterOutput{Value: 4}, false, 3},
		{"read the initial zero", 0, RegisterInput{Op: "read"}, RegisterOutput{}, true, 0},
		{"read unknown", 3, RegisterInput{Op: "read"}, nil, true, 3},
		{"write", 3, RegisterInput{Op: "write", Value: 7}, RegisterOutput{}, true, 7},
		{"write unknown", 3, RegisterInput{Op: "write", Value: 7}, nil, true, 7},
		{"unknown op", 3, RegisterInput{Op: "swap"}, nil, false, 3},
		{"not a RegisterInput", 3, KVInput{Op: "get"}, nil, false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, next := RegisterModel{}.Step(tt.state, tt.in, tt.out)
			if ok != tt.wantOk || (ok && next != tt.want) {
				t.Errorf("Step(%d, %+v, %+v) = %v, %v; want %v, %d", tt.state, tt.in, tt.out, ok, next, tt.wantOk, tt.want)
			}
		})
	}
}
