package netsim

import (
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestStress_ChaosUnderLoad runs callers on every node while another goroutine
// cuts links, partitions, crashes and restarts nodes. Run it under -race. It
// checks that every call ends with a reply that matches its request or one of
// the documented errors, and that the counters add up.
func TestStress_ChaosUnderLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const seed = 11
		names := []string{"n1", "n2", "n3", "n4", "n5"}
		n := newNetwork(t, seed)
		cluster(t, n, names...)
		n.SetDelay(time.Millisecond, 5*time.Millisecond)
		n.SetDropRate(0.05, 0.05)
		n.SetLongDelays(0.02, 300*time.Millisecond)
		n.SetTimeout(50 * time.Millisecond)

		stop := make(chan struct{})
		var wg sync.WaitGroup
		var calls, ok atomic.Int64
		for i, from := range names {
			for j := range 4 {
				rng := rand.New(rand.NewPCG(seed, uint64(10*i+j)))
				wg.Go(func() {
					for seq := 0; ; seq++ {
						select {
						case <-stop:
							return
						default:
						}
						to := names[rng.IntN(len(names))]
						var reply int
						calls.Add(1)
						err := n.Client(from, to).Call("KV.Order", seq, &reply)
						switch {
						case err == nil && reply == seq:
							ok.Add(1)
						case err == nil:
							t.Errorf("%s>%s: reply %d to request %d", from, to, reply, seq)
						case !errors.Is(err, ErrTimeout) && !errors.Is(err, ErrDisconnected):
							t.Errorf("%s>%s: unexpected error %v", from, to, err)
						}
					}
				})
			}
		}

		// The chaos monkey: one fault every few milliseconds.
		rng := rand.New(rand.NewPCG(seed, 99))
		pick := func() string { return names[rng.IntN(len(names))] }
		for range 300 {
			time.Sleep(time.Duration(rng.IntN(5)+1) * time.Millisecond)
			switch rng.IntN(7) {
			case 0:
				n.Disconnect(pick(), pick())
			case 1:
				n.Connect(pick(), pick())
			case 2:
				n.Isolate(pick())
			case 3:
				n.Partition(names[:2], names[2:])
			case 4:
				n.Heal()
			case 5:
				n.Crash(pick())
			case 6:
				s, _ := newKVServer(t)
				n.Restart(pick(), s)
			}
		}
		close(stop)
		wg.Wait()
		n.Close() // wait for the stragglers

		received := 0
		for _, name := range names {
			received += n.Stats(name).RPCsReceived
		}
		total := n.TotalRPCs()
		if int64(total) != calls.Load() || ok.Load() == 0 || int64(received) < ok.Load() || received > total {
			t.Errorf("seed %d: %d calls made, TotalRPCs %d, %d received, %d succeeded: want TotalRPCs = calls >= received >= succeeded > 0",
				seed, calls.Load(), total, received, ok.Load())
		}
	})
}
