// The event hub: every node's raft.Event arrives here, is summed up into
// one frame every 50ms, and goes to every open page (Server-Sent Events),
// to the terminal (as sentences) and to scripts waiting for a condition.

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"distkit/pkg/raft"
)

// frameEvery is how often the page hears from the cluster. Under load the
// nodes emit tens of thousands of events a second; a browser animates a
// few hundred. So events are counted into flows (node a sent node b three
// AppendEntries carrying 40 entries) and the flows go out 20 times a
// second, with the whole cluster state, which makes a lost frame harmless.
const frameEvery = 50 * time.Millisecond

// flow is the RPCs of one kind from one node to another within a frame.
type flow struct {
	From    int    `json:"from"`
	To      int    `json:"to"`
	RPC     string `json:"rpc"`
	N       int    `json:"n"`
	Entries int    `json:"entries"`
}

// vote is a granted vote travelling from voter to candidate.
type vote struct {
	From int `json:"from"`
	To   int `json:"to"`
	Term int `json:"term"`
}

// line is one sentence of narration.
type line struct {
	T    int64  `json:"t"` // milliseconds since raftlab started
	Text string `json:"text"`
}

// frame is one message to the page: what happened in the last 50ms and
// the state of the cluster now.
type frame struct {
	Seq    int64 `json:"seq"`
	Events int   `json:"events"` // raft events summed up in this frame
	state
	Flows []flow `json:"flows,omitempty"`
	Votes []vote `json:"votes,omitempty"`
	Lines []line `json:"lines,omitempty"`
}

type flowKey struct {
	from, to int
	rpc      string
}

// hub collects events and fans frames out. Safe for concurrent use;
// record never blocks a node for longer than one map update.
type hub struct {
	lab   *lab
	start time.Time

	mu      sync.Mutex
	events  int
	flows   map[flowKey]*flow
	order   []flowKey
	votes   []vote
	lines   []line
	roles   map[int]raft.Role
	commits map[int]int
	seq     int64
	last    []byte                     // the latest frame, for a page that just connected
	subs    map[chan []byte]struct{}   // pages
	waiters map[chan struct{}]struct{} // scripts and tests waiting for a condition

	// Commit narration: one summary a second, not one line per entry.
	saidCommit int
	saidAt     time.Time

	stopOnce sync.Once
	done     chan struct{}
	wg       sync.WaitGroup
}

func newHub(l *lab) *hub {
	return &hub{
		lab: l, start: time.Now(), flows: map[flowKey]*flow{}, roles: map[int]raft.Role{},
		commits: map[int]int{}, subs: map[chan []byte]struct{}{}, waiters: map[chan struct{}]struct{}{},
		done: make(chan struct{}), saidAt: time.Now(),
	}
}

// run starts the goroutine that sends a frame every frameEvery.
func (h *hub) run() {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tick := time.NewTicker(frameEvery)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				h.flush()
			case <-h.done:
				h.flush() // the last words reach the terminal
				return
			}
		}
	}()
}

// stop ends the frame loop and disconnects every page.
func (h *hub) stop() {
	h.stopOnce.Do(func() {
		close(h.done)
		h.wg.Wait()
		h.mu.Lock()
		for ch := range h.subs {
			close(ch)
			delete(h.subs, ch)
		}
		h.mu.Unlock()
	})
}

// record is every node's raft.Config.OnEvent.
func (h *hub) record(e raft.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events++
	switch e.Kind {
	case raft.EventSend:
		k := flowKey{e.Node, e.Peer, e.RPC}
		f := h.flows[k]
		if f == nil {
			f = &flow{From: e.Node, To: e.Peer, RPC: e.RPC}
			h.flows[k] = f
			h.order = append(h.order, k)
		}
		f.N++
		f.Entries += e.Entries
	case raft.EventVote:
		h.votes = append(h.votes, vote{From: e.Peer, To: e.Node, Term: e.Term})
		h.sayLocked("node %d got a vote from node %d (term %d)", e.Node, e.Peer, e.Term)
	case raft.EventRole:
		before, known := h.roles[e.Node]
		h.roles[e.Node] = e.Role
		switch e.Role {
		case raft.Candidate:
			h.sayLocked("node %d heard no leader within its election timeout: CANDIDATE for term %d, asks for votes", e.Node, e.Term)
		case raft.Leader:
			h.sayLocked("node %d won a majority: LEADER of term %d", e.Node, e.Term)
		case raft.Follower:
			if known && before != raft.Follower {
				h.sayLocked("node %d saw term %d and stepped down to follower", e.Node, e.Term)
			}
		}
	case raft.EventCommit:
		h.commits[e.Node] = max(h.commits[e.Node], e.Index)
	case raft.EventSnapshot:
		// Frequent under load (every 64 KiB of commands); the page shows
		// each node's snapshot index, the terminal stays quiet.
	}
}

// say narrates one sentence: on the terminal and on every page.
func (h *hub) say(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sayLocked(format, args...)
}

func (h *hub) sayLocked(format string, args ...any) {
	h.lines = append(h.lines, line{T: time.Since(h.start).Milliseconds(), Text: fmt.Sprintf(format, args...)})
}

// flush turns what was recorded since the last frame into a frame.
func (h *hub) flush() {
	st := h.lab.state() // outside h.mu: it takes every node's mutex
	h.mu.Lock()
	f := frame{Events: h.events, state: st, Votes: h.votes, Lines: h.lines}
	for _, k := range h.order {
		f.Flows = append(f.Flows, *h.flows[k])
	}
	h.events, h.votes, h.lines, h.order = 0, nil, nil, h.order[:0]
	clear(h.flows)
	if top := h.commits[st.Leader]; st.Leader >= 0 && top > h.saidCommit && time.Since(h.saidAt) >= time.Second {
		f.Lines = append(f.Lines, line{T: time.Since(h.start).Milliseconds(),
			Text: fmt.Sprintf("leader %d committed entries %d to %d", st.Leader, h.saidCommit+1, top)})
		h.saidCommit, h.saidAt = top, time.Now()
	}
	h.seq++
	f.Seq = h.seq
	data, err := json.Marshal(f)
	if err != nil {
		panic(fmt.Sprintf("raftlab: frame does not encode: %v", err)) // a programming mistake
	}
	h.last = data
	for ch := range h.subs {
		select {
		case ch <- data:
		default: // a slow page misses a frame; the next one carries the full state again
		}
	}
	for ch := range h.waiters {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	h.mu.Unlock()
	for _, ln := range f.Lines {
		h.lab.narrate(ln)
	}
}

// subscribe returns a channel of frames, starting with the latest one; it
// is closed by unsubscribe or when the hub stops.
func (h *hub) subscribe() chan []byte {
	ch := make(chan []byte, 16)
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.done:
		close(ch)
		return ch
	default:
	}
	if h.last != nil {
		ch <- h.last
	}
	h.subs[ch] = struct{}{}
	return ch
}

func (h *hub) unsubscribe(ch chan []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// wait returns once cond holds, checking it now and after every frame,
// or with ctx's error.
func (h *hub) wait(ctx context.Context, cond func() bool) error {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	h.waiters[ch] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.waiters, ch)
		h.mu.Unlock()
	}()
	for !cond() {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-h.done:
			return fmt.Errorf("raftlab is shutting down")
		}
	}
	return nil
}
