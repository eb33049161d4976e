package netsim

import (
	"bytes"
	"encoding/gob"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestStats_CountCallsAndBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newNetwork(t, 1)
		cluster(t, n, "a", "b", "c")
		ab, ac := n.Client("a", "b"), n.Client("a", "c")

		args := &PutArgs{Key: "k", Value: "v"}
		// What a long-lived gob stream carries: the type description once,
		// then values.
		argBytes := gobSize(t, args, args, args)
		replyBytes := gobSize(t, &PutReply{Seq: 1}, &PutReply{Old: "v", Seq: 2}, &PutReply{Old: "v", Seq: 3})

		for range 3 {
			var reply PutReply
			if err := ab.Call("KV.Put", args, &reply); err != nil {
				t.Fatal(err)
			}
		}
		n.Disconnect("a", "c")
		if err := put(ac, "k", "v"); !errors.Is(err, ErrDisconnected) {
			t.Fatalf("call over cut link = %v, want ErrDisconnected", err)
		}

		// A refused call counts as sent (the caller tried) but carries no bytes.
		want := map[string]Stats{
			"a": {RPCsSent: 4, BytesSent: argBytes},
			"b": {RPCsReceived: 3, BytesSent: replyBytes},
			"c": {},
		}
		for name, w := range want {
			if got := n.Stats(name); got != w {
				t.Errorf("Stats(%q) = %+v, want %+v", name, got, w)
			}
		}
		if got := n.TotalRPCs(); got != 4 {
			t.Errorf("TotalRPCs() = %d, want 4", got)
		}
		if got := n.Stats("nobody"); got != (Stats{}) {
			t.Errorf("Stats(unknown) = %+v, want zero", got)
		}
	})
}

func TestClients_PeerTable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newNetwork(t, 1)
		peers := []string{"b", "c"}
		kvs := cluster(t, n, "a", "b", "c")
		for name, c := range n.Clients("a", peers) {
			if err := put(c, "k", name); err != nil {
				t.Errorf("Clients()[%q]: %v", name, err)
			}
		}
		for _, p := range peers {
			if kvs[p].Calls() != 1 {
				t.Errorf("%s ran %d calls, want 1", p, kvs[p].Calls())
			}
		}
	})
}

// gobSize returns the bytes one gob stream needs to carry values in order.
func gobSize(t *testing.T, values ...any) int {
	t.Helper()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for _, v := range values {
		if err := enc.Encode(v); err != nil {
			t.Fatalf("encode %T: %v", v, err)
		}
	}
	return buf.Len()
}

func TestClose_WaitsAndRefuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1)
		kvs := cluster(t, n, "a", "b")
		n.SetDelay(10*time.Millisecond, 10*time.Millisecond)
		errc := make(chan error)
		go func() { errc <- put(n.Client("a", "b"), "k", "v") }()
		time.Sleep(5 * time.Millisecond) // the request is halfway
		start := time.Now()
		n.Close()
		if waited := time.Since(start); waited != 5*time.Millisecond {
			t.Errorf("Close waited %v, want 5ms: until the request in flight landed", waited)
		}
		if err := <-errc; !errors.Is(err, ErrTimeout) {
			t.Errorf("call in flight during Close = %v, want ErrTimeout", err)
		}
		if err := put(n.Client("a", "b"), "k", "v"); !errors.Is(err, ErrDisconnected) {
			t.Errorf("call after Close = %v, want ErrDisconnected", err)
		}
		if kvs["b"].Calls() != 0 {
			t.Errorf("server ran %d calls, want 0: requests landing after Close are lost", kvs["b"].Calls())
		}
		n.Close() // twice is fine
	})
}
