package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Every Send must get the position of its own message, also when the
// pendings Send recycles were used by earlier calls, and when a caller gave
// up on a Send whose batch was already in flight (its pending must not be
// recycled: the producer still answers on it).
func TestProducer_EachSendGetsItsOwnPosition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 7, 0)
		defer c.cleanup()
		cl := c.client()
		mustCreate(t, cl, "t", TopicConfig{Partitions: 2})
		p := NewProducer(c.client(), "t", 16)
		defer p.Close()
		ctx := context.Background()

		// Give up on a Send while its batch is on the network: every
		// message takes 1-2ms, the caller waits 1µs.
		c.net.SetDelay(time.Millisecond, 2*time.Millisecond)
		short, cancel := context.WithTimeout(ctx, time.Microsecond)
		defer cancel()
		if _, err := p.Send(short, Message{Key: "gone", Value: []byte("abandoned")}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("send with a 1µs deadline: %v, want context.DeadlineExceeded", err)
		}

		c.net.SetDelay(0, 0)

		const senders, rounds = 8, 10
		type sent struct {
			value string
			pos   Position
		}
		var mu sync.Mutex
		var all []sent
		var wg sync.WaitGroup
		for s := range senders {
			wg.Go(func() {
				for r := range rounds {
					v := fmt.Sprintf("s%d-r%d", s, r)
					pos, err := p.Send(ctx, Message{Key: fmt.Sprint(s), Value: []byte(v)})
					if err != nil {
						t.Errorf("send %s: %v", v, err)
						return
					}
					mu.Lock()
					all = append(all, sent{v, pos})
					mu.Unlock()
				}
			})
		}
		wg.Wait()

		stored := map[Position]string{}
		for _, m := range readAll(t, cl, "t", 2) {
			stored[Position{m.Partition, m.Offset}] = string(m.Value)
		}
		if len(all) != senders*rounds {
			t.Fatalf("%d sends succeeded, want %d", len(all), senders*rounds)
		}
		for _, s := range all {
			if got := stored[s.pos]; got != s.value {
				t.Errorf("Send(%q) returned %+v, which holds %q", s.value, s.pos, got)
			}
		}
	})
}
