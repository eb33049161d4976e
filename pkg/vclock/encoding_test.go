package vclock

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestBinaryRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		v    VC
	}{
		{"empty", VC{}},
		{"one node", VC{"a": 1}},
		{"large counters", VC{"node-1": 1 << 40, "node-2": ^uint64(0)}},
		{"zero entries dropped", VC{"a": 3, "b": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.v.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary(%v): %v", tt.v, err)
			}
			var got VC
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatalf("UnmarshalBinary(%x): %v", data, err)
			}
			if Compare(got, tt.v) != Equal || got.String() != tt.v.String() {
				t.Errorf("round trip of %v gave %v", tt.v, got)
			}
		})
	}
}

func TestMarshalRejectsBadNodeIDs(t *testing.T) {
	for _, v := range []VC{{"": 1}, {strings.Repeat("x", MaxNodeIDLen+1): 1}} {
		if _, err := v.MarshalBinary(); err == nil {
			t.Errorf("MarshalBinary with a node ID of %d bytes: no error", len(v.nodes()[0]))
		}
	}
}

func TestUnmarshalRejectsMalformed(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string // a substring of the error
	}{
		{"empty", nil, "empty input"},
		{"unknown version", []byte{2, 0}, "unknown version"},
		{"no count", []byte{1}, "truncated entry count"},
		{"huge count", []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f}, "cannot fit"},
		{"count too big for the rest", []byte{1, 2, 1, 'a', 1}, "cannot fit"},
		{"zero-length node ID", []byte{1, 1, 0, 1, 1}, "node ID length 0"},
		{"node ID past the end", []byte{1, 1, 5, 'a', 1}, "only 2 left"},
		{"missing counter", []byte{1, 1, 2, 'a', 'b'}, "truncated counter"},
		{"zero counter", []byte{1, 1, 1, 'a', 0}, "zero counter"},
		{"duplicate node", []byte{1, 2, 1, 'a', 1, 1, 'a', 2}, "not after"},
		{"unsorted nodes", []byte{1, 2, 1, 'b', 1, 1, 'a', 2}, "not after"},
		{"trailing bytes", []byte{1, 1, 1, 'a', 1, 9}, "trailing"},
		{"non-minimal varint", []byte{1, 1, 1, 'a', 0x81, 0x00}, "non-minimal"},
		{"overflowing varint", append([]byte{1, 1, 1, 'a'}, bytes.Repeat([]byte{0xff}, 11)...), "overflows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := VC{"keep": 1}
			err := v.UnmarshalBinary(tt.data)
			if err == nil {
				t.Fatalf("UnmarshalBinary(%x) = nil error, want one containing %q", tt.data, tt.want)
			}
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("UnmarshalBinary(%x) = %v, want ErrMalformed containing %q", tt.data, err, tt.want)
			}
			if v.String() != "{keep:1}" {
				t.Errorf("UnmarshalBinary(%x) changed the clock to %v on error", tt.data, v)
			}
		})
	}
}

// FuzzUnmarshalBinary feeds the decoder arbitrary bytes: it must never
// panic, and whatever it accepts must re-encode to exactly the input (the
// encoding is canonical). Run longer with
// go test -fuzz FuzzUnmarshalBinary ./pkg/vclock.
func FuzzUnmarshalBinary(f *testing.F) {
	for _, v := range []VC{{}, {"a": 1}, {"a": 2, "b": 300, "node-17": 1 << 33}} {
		data, err := v.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{1, 2, 1, 'b', 1, 1, 'a', 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		var v VC
		if err := v.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("UnmarshalBinary(%x) = %v, want an ErrMalformed", data, err)
			}
			return
		}
		again, err := v.MarshalBinary()
		if err != nil {
			t.Fatalf("re-encoding %v decoded from %x: %v", v, data, err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("decoded %x as %v, which re-encodes as %x", data, v, again)
		}
	})
}
