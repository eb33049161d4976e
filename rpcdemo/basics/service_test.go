package main

import (
	"errors"
	"testing"
)

func TestArith_Multiply(t *testing.T) {
	tests := []struct {
		name string
		args Args
		want int
	}{
		{"positive", Args{A: 6, B: 7}, 42},
		{"by zero", Args{A: 6, B: 0}, 0},
		{"negative", Args{A: -3, B: 4}, -12},
		{"both negative", Args{A: -3, B: -4}, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got int
			if err := new(Arith).Multiply(&tt.args, &got); err != nil {
				t.Fatalf("Multiply(%+v): unexpected error %v", tt.args, err)
			}
			if got != tt.want {
				t.Errorf("Multiply(%+v) = %d, want %d", tt.args, got, tt.want)
			}
		})
	}
}

func TestArith_Divide(t *testing.T) {
	tests := []struct {
		name    string
		args    Args
		want    Quotient
		wantErr error
	}{
		{"exact", Args{A: 42, B: 7}, Quotient{Quo: 6}, nil},
		{"with remainder", Args{A: 7, B: 2}, Quotient{Quo: 3, Rem: 1}, nil},
		// Go truncates toward zero, so the remainder takes the dividend's sign.
		{"negative dividend", Args{A: -7, B: 2}, Quotient{Quo: -3, Rem: -1}, nil},
		{"zero divisor", Args{A: 7, B: 0}, Quotient{}, ErrDivideByZero},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Quotient
			err := new(Arith).Divide(&tt.args, &got)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Divide(%+v) error = %v, want %v", tt.args, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Divide(%+v) = %+v, want %+v", tt.args, got, tt.want)
			}
		})
	}
}

func TestOrNextPort(t *testing.T) {
	tests := []struct {
		name, addr, base, want string
		wantErr                bool
	}{
		{"explicit address wins", "127.0.0.1:9000", "127.0.0.1:7000", "127.0.0.1:9000", false},
		{"next port", "", "127.0.0.1:7000", "127.0.0.1:7001", false},
		{"IPv6", "", "[::1]:7000", "[::1]:7001", false},
		{"no port", "", "127.0.0.1", "", true},
		{"port 0 has no next", "", "127.0.0.1:0", "", true},
		{"last port has no next", "", "127.0.0.1:65535", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := orNextPort(tt.addr, tt.base)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("orNextPort(%q, %q) = %q, %v; want %q, error %t", tt.addr, tt.base, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
