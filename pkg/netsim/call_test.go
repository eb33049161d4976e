package netsim

import (
	"errors"
	"net/rpc"
	"testing"
	"testing/synctest"
)

func TestCall_CopiesValuesBothWays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newNetwork(t, 1)
		s, kv := newKVServer(t)
		n.AddServer("b", s)
		c := n.Client("a", "b")

		args := &PutArgs{Key: "k", Value: "v1", Tags: []string{"t"}}
		var reply PutReply
		if err := c.Call("KV.Put", args, &reply); err != nil {
			t.Fatalf("Call(KV.Put): %v", err)
		}
		// The server scribbled on its copy of the arguments.
		if args.Value != "v1" || args.Tags[0] != "t" {
			t.Errorf("caller's args changed to %+v, want them untouched", args)
		}
		if reply != (PutReply{Old: "", Seq: 1}) {
			t.Errorf("reply = %+v, want {Old: Seq:1}", reply)
		}
		var get GetReply
		if err := c.Call("KV.Get", GetArgs{Key: "k"}, &get); err != nil {
			t.Fatalf("Call(KV.Get) with value args: %v", err)
		}
		if get != (GetReply{Value: "v1", Found: true}) {
			t.Errorf("Get reply = %+v, want {Value:v1 Found:true}", get)
		}
		if kv.Calls() != 2 {
			t.Errorf("server ran %d calls, want 2", kv.Calls())
		}
	})
}

func TestCall_ServerErrorKeepsMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newNetwork(t, 1)
		s, _ := newKVServer(t)
		n.AddServer("b", s)
		var reply GetReply
		err := n.Client("a", "b").Call("KV.Fail", &GetArgs{Key: "x"}, &reply)
		var se rpc.ServerError
		if !errors.As(err, &se) || err.Error() != "no key x" {
			t.Fatalf("Call(KV.Fail) = %v (%T), want rpc.ServerError \"no key x\"", err, err)
		}
	})
}

func TestCall_BadInputs(t *testing.T) {
	tests := []struct {
		name          string
		to            string
		serviceMethod string
		args, reply   any
		want          error
		ran           int // calls the server executes: a bad reply type shows only on the way back
	}{
		{"unknown method", "b", "KV.Nope", &GetArgs{}, &GetReply{}, ErrNoMethod, 0},
		{"unknown service", "b", "Nope.Get", &GetArgs{}, &GetReply{}, ErrNoMethod, 0},
		{"no dot", "b", "Get", &GetArgs{}, &GetReply{}, ErrNoMethod, 0},
		{"nil reply", "b", "KV.Get", &GetArgs{}, nil, ErrCodec, 0},
		{"nil reply pointer", "b", "KV.Get", &GetArgs{}, (*GetReply)(nil), ErrCodec, 0},
		{"reply not a pointer", "b", "KV.Get", &GetArgs{}, GetReply{}, ErrCodec, 0},
		{"reused reply", "b", "KV.Get", &GetArgs{}, &GetReply{Found: true}, ErrCodec, 0},
		{"nil args", "b", "KV.Get", nil, &GetReply{}, ErrCodec, 0},
		{"nil args pointer", "b", "KV.Get", (*GetArgs)(nil), &GetReply{}, ErrCodec, 0},
		{"args gob cannot send", "b", "KV.Get", make(chan int), &GetReply{}, ErrCodec, 0},
		{"args of the wrong shape", "b", "KV.Get", 42, &GetReply{}, ErrCodec, 0},
		{"reply of the wrong shape", "b", "KV.Get", &GetArgs{}, new(int), ErrCodec, 1},
		{"unknown node", "nowhere", "KV.Get", &GetArgs{}, &GetReply{}, ErrDisconnected, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				n := newNetwork(t, 1)
				s, kv := newKVServer(t)
				n.AddServer("b", s)
				err := n.Client("a", tt.to).Call(tt.serviceMethod, tt.args, tt.reply)
				if !errors.Is(err, tt.want) {
					t.Errorf("Call(%q, %#v, %#v) = %v, want %v", tt.serviceMethod, tt.args, tt.reply, err, tt.want)
				}
				if kv.Calls() != tt.ran {
					t.Errorf("server ran %d calls, want %d", kv.Calls(), tt.ran)
				}
			})
		})
	}
}

func TestCall_NilClient(t *testing.T) {
	var c *Client
	if err := c.Call("KV.Get", &GetArgs{}, &GetReply{}); err == nil {
		t.Errorf("Call on a nil *Client = nil, want an error")
	}
}
