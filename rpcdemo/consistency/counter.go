// A PN-Counter replicated on the five servers: every client increments the
// replica on its side, replicas gossip their whole state, and after the
// heal every replica counts every increment. No quorum, no conflicts.

package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"distkit/pkg/crdt"
	"distkit/pkg/netsim"
)

// counterReplica is one server's copy of the counter, served as "Counter".
type counterReplica struct {
	name string
	mu   sync.Mutex
	c    crdt.PNCounter
}

// MergeArgs carries a whole counter state.
type MergeArgs struct{ State crdt.PNCounter }

// MergeReply carries the receiver's state back (push-pull).
type MergeReply struct{ State crdt.PNCounter }

// Merge folds the sender's state in and answers with the merged state.
func (r *counterReplica) Merge(args *MergeArgs, reply *MergeReply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.c.Merge(args.State)
	reply.State = r.c.Copy()
	return nil
}

func (r *counterReplica) inc() {
	r.mu.Lock()
	r.c.Inc(r.name, 1)
	r.mu.Unlock()
}

func (r *counterReplica) value() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.c.Value()
}

// counterStory runs the counter under the same schedule and prints what
// each side counted during the partition and after the heal.
func counterStory(w io.Writer, seed uint64) error {
	net := netsim.New(seed)
	defer net.Close()
	net.SetDelay(time.Millisecond, 5*time.Millisecond)
	replicas := make(map[string]*counterReplica)
	for _, name := range servers {
		replicas[name] = &counterReplica{name: name}
		srv := netsim.NewServer()
		if err := srv.RegisterName("Counter", replicas[name]); err != nil {
			return err
		}
		net.AddServer(name, srv)
	}
	rng := rand.New(rand.NewPCG(seed, 77))
	gossip := func() {
		// Each replica pushes its state to one random other and merges
		// the answer; a round across the partition fails and is simply
		// skipped. The state is the whole history, so nothing is lost.
		for _, name := range servers {
			to := servers[rng.IntN(len(servers))]
			if to == name {
				continue
			}
			r := replicas[name]
			r.mu.Lock()
			args := &MergeArgs{State: r.c.Copy()}
			r.mu.Unlock()
			var reply MergeReply
			if err := net.Client(name, to).Call("Counter.Merge", args, &reply); err == nil {
				r.mu.Lock()
				r.c.Merge(reply.State)
				r.mu.Unlock()
			}
		}
	}
	increments := 0
	step := 20 * time.Millisecond
	for t := time.Duration(0); t < runFor; t += step {
		if t == partitionAt {
			net.Partition(minority, majority)
		}
		if t == healAt {
			fmt.Fprintf(w, "during the partition, replicas count: %s (each side only its own increments)\n", counts(replicas))
			net.Heal()
		}
		for c := range clients {
			replicas[servers[coordinators[c]]].inc() // c1 on s1, c2 on s3, c3 on s5
			increments++
		}
		gossip()
		time.Sleep(step)
	}
	// A few more rounds after the load stops, for the last increments.
	for range 10 {
		gossip()
		time.Sleep(step)
	}
	fmt.Fprintf(w, "after the heal and a few gossip rounds:  %s (increments made: %d)\n", counts(replicas), increments)
	converged := true
	for _, r := range replicas {
		converged = converged && r.value() == int64(increments)
	}
	if !converged {
		return fmt.Errorf("counter did not converge: %s, want %d everywhere", counts(replicas), increments)
	}
	fmt.Fprintf(w, "every replica counts every increment: converged, with no coordination at all.\n")
	return nil
}

// counts renders each replica's value in server order.
func counts(replicas map[string]*counterReplica) string {
	s := ""
	for i, name := range servers {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s=%d", name, replicas[name].value())
	}
	return s
}
