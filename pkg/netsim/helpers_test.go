package netsim

import (
	"errors"
	"sync"
	"testing"
)

// The services the tests serve. KV mimics a tiny store; its methods count
// how often they ran, so a test can tell "never executed" from "reply lost".

type PutArgs struct {
	Key   string
	Value string
	Tags  []string
}

type PutReply struct {
	Old string
	Seq int
}

type GetArgs struct{ Key string }

type GetReply struct {
	Value string
	Found bool
}

type KV struct {
	mu    sync.Mutex
	data  map[string]string
	calls int
	seen  []int // Seq arguments of Order calls, in arrival order
}

func newKV() *KV { return &KV{data: make(map[string]string)} }

func (kv *KV) Put(args *PutArgs, reply *PutReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.calls++
	reply.Old = kv.data[args.Key]
	reply.Seq = kv.calls
	kv.data[args.Key] = args.Value
	// Scribble on the arguments: the caller's copy must not change.
	args.Value = "scribbled"
	if len(args.Tags) > 0 {
		args.Tags[0] = "scribbled"
	}
	return nil
}

// Get takes its argument by value, which net/rpc allows too.
func (kv *KV) Get(args GetArgs, reply *GetReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.calls++
	reply.Value, reply.Found = kv.data[args.Key]
	return nil
}

func (kv *KV) Fail(args *GetArgs, reply *GetReply) error {
	kv.mu.Lock()
	kv.calls++
	kv.mu.Unlock()
	return errors.New("no key " + args.Key)
}

// Order records the order in which requests arrive.
func (kv *KV) Order(seq int, reply *int) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.calls++
	kv.seen = append(kv.seen, seq)
	*reply = seq
	return nil
}

func (kv *KV) Calls() int {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	return kv.calls
}

// newNetwork returns a network that is closed when the test ends, inside the
// bubble, so that no message is left sleeping on the wire.
func newNetwork(t *testing.T, seed uint64) *Network {
	t.Helper()
	n := New(seed)
	t.Cleanup(n.Close)
	return n
}

// newKVServer returns a Server with a fresh KV registered as "KV".
func newKVServer(t testing.TB) (*Server, *KV) {
	t.Helper()
	kv := newKV()
	s := NewServer()
	if err := s.Register(kv); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return s, kv
}

// put makes one Put call and returns its error.
func put(c *Client, key, value string) error {
	var reply PutReply
	return c.Call("KV.Put", &PutArgs{Key: key, Value: value}, &reply)
}
