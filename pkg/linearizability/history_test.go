package linearizability

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// memStore is a key-value store behind a mutex: linearizable, because each
// operation takes effect at one instant while it holds the lock. With
// staleReads set, gets come from a copy refreshed only every 50ms, the
// classic bug of serving reads from a lagging replica.
type memStore struct {
	mu         sync.Mutex
	data       map[string]string
	replica    map[string]string
	staleReads bool
}

func (s *memStore) put(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[key] = value
}

func (s *memStore) get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staleReads {
		v, ok := s.replica[key]
		return v, ok
	}
	v, ok := s.data[key]
	return v, ok
}

func (s *memStore) refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replica = make(map[string]string, len(s.data))
	for k, v := range s.data {
		s.replica[k] = v
	}
}

// runClients has 5 clients put and get two keys for a virtual second,
// each operation taking a few virtual milliseconds, and returns what the
// recorder saw.
func runClients(t *testing.T, staleReads bool) []Operation {
	t.Helper()
	var history []Operation
	synctest.Test(t, func(t *testing.T) {
		store := &memStore{data: map[string]string{}, replica: map[string]string{}, staleReads: staleReads}
		rec := NewRecorder()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					store.refresh()
				}
			}
		})
		var clients sync.WaitGroup
		for c := range 5 {
			clients.Go(func() {
				for i := range 20 {
					key := fmt.Sprintf("k%d", (c+i)%2)
					if (c+i)%3 == 0 {
						value := fmt.Sprintf("%d.%d", c, i)
						done := rec.Begin(c, KVInput{Op: "put", Key: key, Value: value})
						time.Sleep(time.Duration(1+c) * time.Millisecond)
						store.put(key, value)
						time.Sleep(2 * time.Millisecond)
						done(KVOutput{Ok: true})
						continue
					}
					done := rec.Begin(c, KVInput{Op: "get", Key: key})
					time.Sleep(time.Duration(1+i%3) * time.Millisecond)
					v, ok := store.get(key)
					time.Sleep(time.Millisecond)
					done(KVOutput{Value: v, Ok: ok})
				}
			})
		}
		clients.Wait()
		close(stop)
		wg.Wait()
		history = rec.History()
	})
	return history
}

func TestRecorder_ConcurrentClients(t *testing.T) {
	history := runClients(t, false)
	if len(history) != 100 {
		t.Fatalf("recorded %d operations, want 100", len(history))
	}
	for i, op := range history {
		if op.Return == NoReturn || op.Return < op.Call || (i > 0 && op.Call < history[i-1].Call) {
			t.Fatalf("operation %d: call %d return %d (previous call %d): want returned, in call order", i, op.Call, op.Return, history[max(i-1, 0)].Call)
		}
	}
	if res := Check(KVModel{}, history, time.Second); res.Verdict != Ok {
		t.Errorf("history of a mutex-guarded map: got %v, want ok\n%s", res.Verdict, res.Report())
	}

	stale := runClients(t, true)
	if res := Check(KVModel{}, stale, time.Second); res.Verdict != Illegal {
		t.Errorf("history of a store with stale reads: got %v, want illegal", res.Verdict)
	}
}

func TestRecorder_UnfinishedAndRepeatedDone(t *testing.T) {
	now := int64(100)
	rec := NewRecorderClock(func() int64 { now += 10; return now })
	done1 := rec.Begin(1, KVInput{Op: "put", Key: "x", Value: "a"})
	rec.Begin(2, KVInput{Op: "put", Key: "x", Value: "b"}) // its client crashed: never done
	done1(KVOutput{Ok: true})
	done1(KVOutput{Value: "ignored"})
	got := rec.History()
	want := []Operation{
		{ClientID: 1, Input: KVInput{Op: "put", Key: "x", Value: "a"}, Output: KVOutput{Ok: true}, Call: 110, Return: 130},
		{ClientID: 2, Input: KVInput{Op: "put", Key: "x", Value: "b"}, Call: 120, Return: NoReturn},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("History() = %+v, want %+v", got, want)
	}
	if got[1].OutcomeKnown() {
		t.Errorf("an operation never done: OutcomeKnown() = true, want false")
	}
}
