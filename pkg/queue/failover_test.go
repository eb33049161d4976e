package queue

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestFailover_NoAcknowledgedMessageLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 4, 0)
		defer c.cleanup()
		cl := c.client()
		mustCreate(t, cl, "events", TopicConfig{Partitions: 2})
		ctx := context.Background()
		acked := map[Position]string{}
		for i := range 40 {
			if i == 15 {
				c.crash(c.leader()) // kill the leader mid-stream
			}
			if i == 30 {
				c.restart(0)
				c.restart(1)
				c.restart(2)
			}
			v := fmt.Sprintf("m%d", i)
			pos, err := cl.Produce(ctx, "events", Message{Key: fmt.Sprint(i % 3), Value: []byte(v)})
			if err != nil {
				t.Fatalf("produce %s: %v", v, err)
			}
			acked[pos[0]] = v
		}
		got := map[Position]string{}
		for _, m := range readAll(t, cl, "events", 2) {
			got[Position{m.Partition, m.Offset}] = string(m.Value)
		}
		for pos, v := range acked {
			if got[pos] != v {
				t.Errorf("acknowledged %s at %+v; read back %q", v, pos, got[pos])
			}
		}
		if len(got) != len(acked) {
			t.Errorf("read %d messages, want the %d acknowledged (the idempotent producer wrote no duplicate)", len(got), len(acked))
		}
	})
}

// TestAtLeastOnce_UnderFaults produces through batching producers and
// consumes through work-queue consumers while the network drops messages,
// partitions the leader and crashes brokers. Every acknowledged message
// must eventually be received and acked.
func TestAtLeastOnce_UnderFaults(t *testing.T) {
	for s := range *seedsFlag {
		seed := uint64(100 + s)
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				if !atLeastOnce(t, seed) {
					t.Errorf("failing seed %d: replay with -run 'AtLeastOnce/seed=%d$'", seed, seed)
				}
			})
		})
	}
}

func atLeastOnce(t *testing.T, seed uint64) bool {
	c := newCluster(t, 3, seed, 4<<10) // small snapshots: followers catch up through InstallSnapshot
	defer c.cleanup()
	c.net.SetDelay(time.Millisecond, 5*time.Millisecond)
	admin := c.client()
	mustCreate(t, admin, "jobs", TopicConfig{Partitions: 3, MaxDeliveries: 100, DeleteAcked: true})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var mu sync.Mutex
	acked := map[string]bool{}    // produced and acknowledged by the broker
	consumed := map[string]bool{} // received and acked by a consumer
	var wg sync.WaitGroup
	for w := range 2 {
		p := NewProducer(c.client(), "jobs", 8)
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 10 {
					v := fmt.Sprintf("w%d-g%d-%d", w, g, i)
					if _, err := p.Send(ctx, Message{Key: v, Value: []byte(v)}); err == nil {
						mu.Lock()
						acked[v] = true
						mu.Unlock()
					}
				}
			}()
		}
		defer p.Close()
	}
	done := make(chan struct{})
	var consumers sync.WaitGroup
	for k := range 2 {
		cl := c.client()
		consumers.Add(1)
		go func() {
			defer consumers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				ds, err := cl.Receive(ctx, "jobs", fmt.Sprint("consumer", k), 5, 300*time.Millisecond, 40*time.Millisecond)
				if err != nil {
					continue
				}
				for _, d := range ds {
					if cl.Ack(ctx, "jobs", d.Receipt) == nil {
						mu.Lock()
						consumed[string(d.Message.Value)] = true
						mu.Unlock()
					}
				}
			}
		}()
	}

	// The faults, one after another, then healing.
	rng := rand.New(rand.NewPCG(seed, 99))
	c.net.SetDropRate(0.05, 0.05)
	time.Sleep(300 * time.Millisecond)
	if l := c.leader(); l >= 0 {
		c.net.Isolate(fmt.Sprint(l)) // partition the leader
	}
	time.Sleep(time.Second)
	c.net.Heal()
	c.restart(rng.IntN(3)) // crash and restart a broker
	time.Sleep(500 * time.Millisecond)
	c.net.SetDropRate(0, 0)
	wg.Wait()

	// Wait until every acknowledged message has been consumed.
	for ctx.Err() == nil {
		mu.Lock()
		missing := 0
		for v := range acked {
			if !consumed[v] {
				missing++
			}
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(done)
	consumers.Wait()
	mu.Lock()
	defer mu.Unlock()
	ok := true
	for v := range acked {
		if !consumed[v] {
			t.Errorf("seed %d: %s acknowledged to its producer, never consumed", seed, v)
			ok = false
		}
	}
	if len(acked) == 0 {
		t.Errorf("seed %d: no message acknowledged at all", seed)
		ok = false
	}
	return ok
}

func TestConsumerGroup_RebalanceWhenMemberDies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 5, 0)
		defer c.cleanup()
		cl := c.client()
		mustCreate(t, cl, "t", TopicConfig{Partitions: 4})
		ctx := context.Background()
		deadCtx, die := context.WithCancel(ctx)
		a, err := NewConsumer(ctx, c.client(), "g", "t", "a", 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewConsumer(deadCtx, c.client(), "g", "t", "b", 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // a's heartbeat brings the two-member assignment
		if got := a.Assignment().Partitions; len(got) != 2 {
			t.Fatalf("with two members a holds %v, want two partitions", got)
		}
		die() // b dies without leaving: no LeaveGroup, no more heartbeats
		time.Sleep(time.Second)
		if got := a.Assignment().Partitions; len(got) != 4 {
			t.Errorf("after b's session ran out a holds %v, want all four partitions", got)
		}
		if _, err := cl.Produce(ctx, "t", msgs(8, "")...); err != nil {
			t.Fatal(err)
		}
		var read int
		for read < 8 {
			got, err := a.Poll(ctx, 100, 50*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			read += len(got)
		}
		if err := a.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		lag, err := cl.Lag(ctx, "t", "g")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lag {
			if l.Lag != 0 {
				t.Errorf("lag after commit %+v, want 0", l)
			}
		}
		// b's fenced fetch and commit are refused: it lost its partitions.
		err = cl.Commit(ctx, "g", "b", 2, 1, 0)
		if !errors.Is(err, ErrUnknownMember) {
			t.Errorf("commit by the expired member: %v, want ErrUnknownMember", err)
		}
		a.Close(ctx)
		b.wg.Wait()
	})
}

func TestFetch_LongPollWakesOnProduce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 6, 0)
		defer c.cleanup()
		cl := c.client()
		mustCreate(t, cl, "t", TopicConfig{})
		ctx := context.Background()
		produced := make(chan struct{})
		go func() {
			defer close(produced)
			time.Sleep(10 * time.Millisecond)
			cl.Produce(ctx, "t", Message{Value: []byte("hi")})
		}()
		// The fetch may return before the produce has its reply: wait for
		// it before the cluster stops (deferred calls run last first), or
		// it is left blocked in the bubble.
		defer func() { <-produced }()
		start := time.Now()
		got, err := cl.Fetch(ctx, "t", map[int]int64{0: 0}, 10, 45*time.Millisecond)
		if err != nil || len(got) != 1 {
			t.Fatalf("long poll: %v, %v; want the one message", got, err)
		}
		if waited := time.Since(start); waited >= 45*time.Millisecond {
			t.Errorf("long poll returned after %v, its whole wait: not woken by the produce", waited)
		}
	})
}

func TestClient_ClearErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 7, 0)
		defer c.cleanup()
		cl := c.client()
		ctx := context.Background()
		mustCreate(t, cl, "t", TopicConfig{MaxMessages: 2, DiscardNew: true})
		big := Message{Value: make([]byte, MaxMessageBytes+1)}
		tests := []struct {
			name string
			err  error
			want error
		}{
			{"produce to unknown topic", errOf(cl.Produce(ctx, "nope", Message{})), ErrUnknownTopic},
			{"oversized message", errOf(cl.Produce(ctx, "t", big)), ErrTooLarge},
			{"full topic", errOf(cl.Produce(ctx, "t", msgs(3, "k")...)), ErrTopicFull},
			{"fetch past the end", errOf(cl.Fetch(ctx, "t", map[int]int64{0: 5}, 1, 0)), ErrOutOfRange},
			{"lag of unknown group", errOf(cl.Lag(ctx, "t", "nope")), ErrUnknownGroup},
			{"topic exists", cl.CreateTopic(ctx, "t", TopicConfig{}), ErrTopicExists},
		}
		for _, tt := range tests {
			if !errors.Is(tt.err, tt.want) {
				t.Errorf("%s: error %v, want %v", tt.name, tt.err, tt.want)
			}
		}
	})
}

func errOf[T any](_ T, err error) error { return err }
