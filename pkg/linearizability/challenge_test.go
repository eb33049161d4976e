//go:build challenge

package linearizability

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Exercise "A FIFO queue model": ModelByName("queue") returns a model of a
// queue, and the text format reads enqueue and dequeue operations.
func TestChallenge_QueueModel(t *testing.T) {
	model := ModelByName("queue")
	if model == nil {
		t.Fatal(`ModelByName("queue") = nil, want a FIFO queue model`)
	}
	tests := []struct {
		name, history string
		want          Verdict
	}{
		{"first in, first out", `
			1  0 10 enqueue - a ok
			1 20 30 enqueue - b ok
			2 40 50 dequeue - - a
			2 60 70 dequeue - - b
			2 80 90 dequeue - - empty`, Ok},
		{"last in, first out is wrong", `
			1  0 10 enqueue - a ok
			1 20 30 enqueue - b ok
			2 40 50 dequeue - - b`, Illegal},
		{"concurrent enqueues in either order", `
			1  0 30 enqueue - a ok
			2  0 30 enqueue - b ok
			3 40 50 dequeue - - b
			3 60 70 dequeue - - a`, Ok},
		{"empty after a completed enqueue", `
			1  0 10 enqueue - a ok
			2 20 30 dequeue - - empty`, Illegal},
		{"one element dequeued twice", `
			1  0 10 enqueue - a ok
			2 20 30 dequeue - - a
			3 20 30 dequeue - - a`, Illegal},
		{"an enqueue that timed out took effect", `
			1  0 10 enqueue - a ?
			2 20 30 dequeue - - a`, Ok},
		{"an empty string is a value", `
			1  0 10 enqueue - "" ok
			2 20 30 dequeue - - ""`, Ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, ops, err := ParseHistory(strings.NewReader(tt.history))
			if err != nil || name != "queue" {
				t.Fatalf("ParseHistory(%q) = model %q, error %v; want model \"queue\"", tt.history, name, err)
			}
			res := Check(ModelByName(name), ops, time.Second)
			if res.Verdict != tt.want {
				t.Errorf("Check of\n%s\ngot %v, want %v\n%s", tt.history, res.Verdict, tt.want, res.Report())
			}
		})
	}
}

// Exercise "Check the parts in parallel": Check runs independent parts
// of a history at the same time, and still reports the first failing part.
func TestChallenge_ParallelParts(t *testing.T) {
	// Two keys, each linearizable. The model's first step on key "a"
	// waits until a step on key "b" has begun: checking the keys one
	// after the other, the wait can only end by timing out.
	history := []Operation{
		{ClientID: 1, Input: KVInput{Op: "put", Key: "a", Value: "1"}, Output: KVOutput{Ok: true}, Call: 0, Return: 10},
		{ClientID: 2, Input: KVInput{Op: "put", Key: "b", Value: "1"}, Output: KVOutput{Ok: true}, Call: 0, Return: 10},
		{ClientID: 1, Input: KVInput{Op: "get", Key: "a"}, Output: KVOutput{Value: "1", Ok: true}, Call: 20, Return: 30},
		{ClientID: 2, Input: KVInput{Op: "get", Key: "b"}, Output: KVOutput{Value: "1", Ok: true}, Call: 20, Return: 30},
	}
	synctest.Test(t, func(t *testing.T) {
		m := &rendezvousModel{bStarted: make(chan struct{})}
		res := Check(m, history, 0) // no deadline: time in a bubble stands still while Check computes
		if res.Verdict != Ok {
			t.Errorf("got %v, want ok", res.Verdict)
		}
		if m.timedOut.Load() {
			t.Errorf("the check of key \"a\" waited in vain for the check of key \"b\" to start: parts ran one after the other")
		}
	})

	// Keys k1 and k2 both fail; whichever finishes first, the report is
	// about the first of them in partition order.
	ops := genHistory(newRand(5), genConfig{clients: 8, ops: 400, keys: 3, spread: 40})
	var bad []Operation
	for _, op := range ops {
		in := op.Input.(KVInput)
		if in.Key == "k1" || in.Key == "k2" {
			if out := op.Output.(KVOutput); in.Op == "get" && out.Ok {
				out.Value += "?"
				op.Output = out
			}
		}
		bad = append(bad, op)
	}
	for range 20 {
		res := Check(KVModel{}, bad, 10*time.Second)
		if res.Verdict != Illegal || res.PartitionName != `key "k1"` {
			t.Fatalf("got %v in %s, want illegal in key \"k1\", the first failing part", res.Verdict, res.PartitionName)
		}
	}
}

// rendezvousModel is the key-value model, except that its first step on
// key "a" waits for a step on key "b" to begin, or for a virtual second.
type rendezvousModel struct {
	KVModel
	bStarted chan struct{}
	bOnce    sync.Once
	aOnce    sync.Once
	timedOut atomic.Bool
}

func (m *rendezvousModel) Step(s, in, out any) (bool, any) {
	switch in.(KVInput).Key {
	case "a":
		m.aOnce.Do(func() {
			select {
			case <-m.bStarted:
			case <-time.After(time.Second):
				m.timedOut.Store(true)
			}
		})
	case "b":
		m.bOnce.Do(func() { close(m.bStarted) })
	}
	return m.KVModel.Step(s, in, out)
}
