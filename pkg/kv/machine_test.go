package kv

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

// TestMachine_Apply runs short command sequences through a fresh machine
// and checks the last result: the rules of the store, without Raft.
func TestMachine_Apply(t *testing.T) {
	sec := int64(time.Second)
	tests := []struct {
		name string
		cmds []Command
		want Result
	}{
		{"get missing", []Command{{Op: OpGet, Key: "k"}}, Result{Code: CodeNoKey}},
		{"put then get", []Command{{Op: OpPut, Key: "k", Value: "v"}, {Op: OpGet, Key: "k"}},
			Result{Value: "v", Version: 1, Revision: 1}},
		{"append creates", []Command{{Op: OpAppend, Key: "k", Value: "a"}, {Op: OpAppend, Key: "k", Value: "b"}, {Op: OpGet, Key: "k"}},
			Result{Value: "ab", Version: 2, Revision: 2}},
		{"cas absent ok", []Command{{Op: OpCompareAndSwap, Key: "k", Version: 0, Value: "v"}},
			Result{Version: 1, Revision: 1}},
		{"cas wrong version", []Command{{Op: OpPut, Key: "k", Value: "v"}, {Op: OpCompareAndSwap, Key: "k", Version: 0, Value: "w"}},
			Result{Code: CodeVersionMismatch, Value: "v", Version: 1, Revision: 1}},
		{"delete resets version", []Command{{Op: OpPut, Key: "k", Value: "v"}, {Op: OpDelete, Key: "k"}, {Op: OpPut, Key: "k", Value: "w"}},
			Result{Version: 1, Revision: 3}},
		{"duplicate is not applied twice", []Command{
			{Op: OpAppend, Key: "k", Value: "a", ClientID: 7, Seq: 1},
			{Op: OpAppend, Key: "k", Value: "a", ClientID: 7, Seq: 1},
			{Op: OpGet, Key: "k"}},
			Result{Value: "a", Version: 1, Revision: 1}},
		{"duplicate gets the first result", []Command{
			{Op: OpPut, Key: "k", Value: "a", ClientID: 7, Seq: 1},
			{Op: OpPut, Key: "k", Value: "b", ClientID: 8, Seq: 1},
			{Op: OpPut, Key: "k", Value: "a", ClientID: 7, Seq: 1}},
			Result{Version: 1, Revision: 1}},
		{"older seq is stale", []Command{
			{Op: OpPut, Key: "k", Value: "a", ClientID: 7, Seq: 2},
			{Op: OpPut, Key: "k", Value: "b", ClientID: 7, Seq: 1}},
			Result{Code: CodeStale}},
		{"lease keeps key until expiry", []Command{
			{Op: OpGrant, TTL: 10 * sec, Now: 0},
			{Op: OpPut, Key: "k", Value: "v", Lease: 1, Now: 1 * sec},
			{Op: OpGet, Key: "k", Now: 9 * sec}},
			Result{Value: "v", Version: 1, Revision: 1}},
		{"lease expiry deletes key", []Command{
			{Op: OpGrant, TTL: 10 * sec, Now: 0},
			{Op: OpPut, Key: "k", Value: "v", Lease: 1, Now: 1 * sec},
			{Op: OpTick, Now: 10 * sec},
			{Op: OpGet, Key: "k", Now: 10 * sec}},
			Result{Code: CodeNoKey, Revision: 2}},
		{"keepalive extends from the machine clock", []Command{
			{Op: OpGrant, TTL: 10 * sec, Now: 0},
			{Op: OpPut, Key: "k", Value: "v", Lease: 1},
			{Op: OpKeepAlive, Lease: 1, Now: 8 * sec},
			{Op: OpGet, Key: "k", Now: 17 * sec}},
			Result{Value: "v", Version: 1, Revision: 1}},
		{"a clock behind does not turn time back", []Command{
			{Op: OpGrant, TTL: 10 * sec, Now: 20 * sec},
			{Op: OpPut, Key: "k", Value: "v", Lease: 1, Now: 5 * sec},
			{Op: OpGet, Key: "k", Now: 29 * sec}},
			Result{Value: "v", Version: 1, Revision: 1}},
		{"put with unknown lease", []Command{{Op: OpPut, Key: "k", Value: "v", Lease: 9}},
			Result{Code: CodeNoLease}},
		{"revoke deletes keys", []Command{
			{Op: OpGrant, TTL: sec}, {Op: OpPut, Key: "k", Value: "v", Lease: 1}, {Op: OpRevoke, Lease: 1}, {Op: OpGet, Key: "k"}},
			Result{Code: CodeNoKey, Revision: 2}},
		{"grant without ttl", []Command{{Op: OpGrant}}, Result{Code: CodeInvalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine()
			var got Result
			for _, c := range tt.cmds {
				got = m.apply(c)
			}
			if got != tt.want {
				t.Errorf("after %v\ngot  %+v\nwant %+v", tt.cmds, got, tt.want)
			}
		})
	}
}

func TestMachine_SnapshotRoundTrip(t *testing.T) {
	m := newMachine()
	for _, c := range []Command{
		{Op: OpGrant, TTL: int64(time.Minute), Now: 5},
		{Op: OpPut, Key: "a", Value: "1", Lease: 1, ClientID: 3, Seq: 1},
		{Op: OpPut, Key: "b", Value: "2", ClientID: 3, Seq: 2},
		{Op: OpGrant, TTL: int64(time.Minute)}, // a lease with no keys
	} {
		m.apply(c)
	}
	data, err := m.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	got, err := restoreMachine(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("restored machine differs:\ngot  %+v\nwant %+v", got, m)
	}
	// The deduplication table survives: a retry is still recognized.
	if r := got.apply(Command{Op: OpPut, Key: "b", Value: "X", ClientID: 3, Seq: 2}); r.Version != 1 {
		t.Errorf("retry after restore applied again: %+v", r)
	}
	if _, err := restoreMachine([]byte("garbage")); err == nil {
		t.Error("restoreMachine accepted garbage")
	}
}

func TestCommand_EncodeDecode(t *testing.T) {
	c := Command{Op: OpCompareAndSwap, Key: "key", Value: "välue", Version: -3, Lease: 7, TTL: 1e9, ClientID: 1 << 60, Seq: 42, Now: 1e18}
	got, err := decodeCommand(c.encode(nil))
	if err != nil || got != c {
		t.Fatalf("round trip: got %+v, %v; want %+v", got, err, c)
	}
	for _, bad := range [][]byte{nil, {0}, {99}, {byte(OpGet)}, append(c.encode(nil), 0)} {
		if _, err := decodeCommand(bad); err == nil {
			t.Errorf("decodeCommand(%v) accepted malformed input", bad)
		}
	}
}

// FuzzDecodeCommand feeds log entries as they might come off a damaged
// disk: decoding must fail cleanly or round-trip.
func FuzzDecodeCommand(f *testing.F) {
	f.Add((&Command{Op: OpPut, Key: "k", Value: "v", ClientID: 1, Seq: 1}).encode(nil))
	f.Add([]byte{byte(OpGet), 200, 200, 200, 200, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCommand(b)
		if err != nil {
			return
		}
		if again := c.encode(nil); !bytes.Equal(again, b) {
			// Varints have several encodings; re-decoding must agree.
			if c2, err := decodeCommand(again); err != nil || c2 != c {
				t.Fatalf("re-encoding %+v does not decode back: %+v, %v", c, c2, err)
			}
		}
	})
}
