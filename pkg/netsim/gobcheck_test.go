package netsim

import (
	"errors"
	"reflect"
	"testing"
	"testing/synctest"
	"time"
)

type lowerArgs struct{ term int }

type MixedArgs struct {
	Term   int
	leader string
}

type Entry struct {
	Term    int
	command []byte
}

type NestedArgs struct {
	Term    int
	Entries []Entry
}

type MapArgs struct{ ByID map[string]*Entry }

type FuncArgs struct {
	Term     int
	Callback func()
}

type ChanArgs struct{ Done chan int }

type TimeArgs struct{ At time.Time } // time.Time encodes itself

type List struct {
	Value int
	Next  *List // a cycle in the type graph
}

func TestCheckType(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string // "" for no error
	}{
		{"int", 1, ""},
		{"exported struct", &PutArgs{}, ""},
		{"time.Time inside", TimeArgs{}, ""},
		{"recursive type", &List{}, ""},
		{"all fields unexported", lowerArgs{}, `netsim: type netsim.lowerArgs has unexported field "term": gob would silently drop it`},
		{"one field unexported", &MixedArgs{}, `netsim: type netsim.MixedArgs has unexported field "leader": gob would silently drop it`},
		{"in a slice element", &NestedArgs{}, `netsim: type netsim.Entry has unexported field "command": gob would silently drop it`},
		{"in a map value", MapArgs{}, `netsim: type netsim.Entry has unexported field "command": gob would silently drop it`},
		{"func field", FuncArgs{}, `netsim: type netsim.FuncArgs has func field "Callback": gob would silently drop it`},
		{"chan field", ChanArgs{}, `netsim: type netsim.ChanArgs has chan field "Done": gob would silently drop it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second round reads the cache
				err := checkType(reflect.TypeOf(tt.v))
				got := ""
				if err != nil {
					got = err.Error()
					if !errors.Is(err, ErrCodec) {
						t.Errorf("checkType(%T) = %v, want it to wrap ErrCodec", tt.v, err)
					}
				}
				if got != tt.want {
					t.Errorf("checkType(%T) = %q, want %q", tt.v, got, tt.want)
				}
			}
		})
	}
}

// A Server whose method takes a type with an unexported field is caught on
// the server side too, even if the caller's type is fine.
type Sloppy struct{}

func (Sloppy) Append(args *MixedArgs, reply *PutReply) error { return nil }

func TestCall_UnexportedFieldFailsLoudly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newNetwork(t, 1)
		s := NewServer()
		if err := s.Register(Sloppy{}); err != nil {
			t.Fatal(err)
		}
		n.AddServer("b", s)
		c := n.Client("a", "b")
		want := `netsim: type netsim.MixedArgs has unexported field "leader": gob would silently drop it`

		// Caller side: fails before sending.
		if err := c.Call("Sloppy.Append", &MixedArgs{Term: 1}, &PutReply{}); err == nil || err.Error() != want {
			t.Errorf("call with sloppy args = %v, want %q", err, want)
		}
		if n.TotalRPCs() != 0 {
			t.Errorf("TotalRPCs = %d after a call that failed locally, want 0", n.TotalRPCs())
		}
		// Server side: the caller's type is clean, the server's is not.
		err := c.Call("Sloppy.Append", &GetArgs{Key: "x"}, &PutReply{})
		if !errors.Is(err, ErrCodec) {
			t.Errorf("call to a method with sloppy args = %v, want ErrCodec", err)
		}
	})
}
