package gossip

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"distkit/pkg/netsim"
)

// fastNet is a light in-package transport for the scaling test: it calls the
// destination's handlers directly after a random delay, with no gob copy, so
// a thousand members fit in a few seconds of CPU. Arguments and replies are
// built fresh for every call and never changed afterwards, so sharing them
// is safe. Faults: message loss and crashed members.
type fastNet struct {
	mu      sync.Mutex
	rng     *rand.Rand
	members map[string]*Member
	down    map[string]bool
	drop    float64
}

var errLost = errors.New("fastnet: message lost")

func newFastNet(seed uint64) *fastNet {
	return &fastNet{rng: rand.New(rand.NewPCG(seed, 1)), members: map[string]*Member{}, down: map[string]bool{}}
}

func (n *fastNet) dial(from string) func(string) (Peer, error) {
	return func(to string) (Peer, error) { return fastPeer{n, from, to}, nil }
}

type fastPeer struct {
	n        *fastNet
	from, to string
}

func (p fastPeer) Call(method string, args, reply any) error {
	n := p.n
	n.mu.Lock()
	lostReq, lostRep := n.rng.Float64() < n.drop, n.rng.Float64() < n.drop
	// Whole milliseconds: many messages land at the same virtual instant,
	// so synctest's clock takes few steps (each step checks every goroutine).
	d1 := time.Duration(1+n.rng.IntN(4)) * time.Millisecond
	d2 := time.Duration(1+n.rng.IntN(4)) * time.Millisecond
	dst := n.members[p.to]
	n.mu.Unlock()
	time.Sleep(d1)
	if lostReq || n.isDown(p.from) || n.isDown(p.to) || dst == nil {
		return errLost
	}
	var err error
	switch method {
	case "Gossip.Ping":
		err = dst.Ping(args.(*PingArgs), reply.(*PingReply))
	case "Gossip.PingReq":
		err = dst.PingReq(args.(*PingReqArgs), reply.(*PingReqReply))
	case "Gossip.PushPull":
		err = dst.PushPull(args.(*PushPullArgs), reply.(*PushPullReply))
	default:
		return fmt.Errorf("fastnet: no method %s", method)
	}
	time.Sleep(d2)
	if lostRep || n.isDown(p.from) || n.isDown(p.to) {
		return errLost
	}
	return err
}

func (n *fastNet) isDown(name string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.down[name]
}

// watcher records events and tells the test when every member it waits for
// has seen about reach state.
type watcher struct {
	mu      sync.Mutex
	seen    map[string]map[string]State // member -> about -> state
	waitFor func(e Event) bool
	need    int
	got     map[string]bool
	done    chan struct{}
	// Suspicions: distinct (about, incarnation) pairs ever suspected, and
	// members ever declared dead, anywhere.
	suspicions map[Update]bool
	deaths     map[string]bool
}

func newWatcher() *watcher {
	return &watcher{seen: map[string]map[string]State{}, suspicions: map[Update]bool{}, deaths: map[string]bool{}}
}

func (w *watcher) onEvent(e Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch e.State {
	case Suspect:
		w.suspicions[Update{Name: e.About, Incarnation: e.Incarnation}] = true
	case Dead:
		w.deaths[e.About] = true
	}
	if w.waitFor != nil && w.waitFor(e) && !w.got[e.Member] {
		w.got[e.Member] = true
		if len(w.got) == w.need {
			close(w.done)
		}
	}
}

// expect arms the watcher: the returned channel closes once need distinct
// members have reported an event matching match.
func (w *watcher) expect(need int, match func(Event) bool) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waitFor, w.need, w.got, w.done = match, need, map[string]bool{}, make(chan struct{})
	return w.done
}

// waitOrFail waits for ch in virtual time, failing after limit.
func waitOrFail(t *testing.T, ch <-chan struct{}, limit time.Duration, what string) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case <-ch:
		return time.Since(start)
	case <-time.After(limit):
		t.Fatalf("%s: not done after %v", what, limit)
		return 0
	}
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("m%03d", i)
	}
	return out
}

// simCluster is a group of members on a netsim network.
type simCluster struct {
	net     *netsim.Network
	members map[string]*Member
	w       *watcher
}

// newSimCluster starts n members that all know each other, on a netsim
// network with small delays. Call inside a synctest bubble.
func newSimCluster(t *testing.T, seed uint64, n int, tweak func(*Config)) *simCluster {
	t.Helper()
	c := &simCluster{net: netsim.New(seed), members: map[string]*Member{}, w: newWatcher()}
	c.net.SetDelay(time.Millisecond, 5*time.Millisecond)
	all := names(n)
	for i, name := range all {
		c.add(t, name, all, uint64(i)+seed*1000, tweak)
	}
	for _, m := range c.members {
		m.Start()
	}
	t.Cleanup(func() {
		for _, m := range c.members {
			m.Stop()
		}
		c.net.Close()
	})
	return c
}

func (c *simCluster) add(t *testing.T, name string, initial []string, seed uint64, tweak func(*Config)) *Member {
	t.Helper()
	cfg := Config{
		Name:    name,
		Dial:    func(to string) (Peer, error) { return c.net.Client(name, to), nil },
		Members: initial,
		Rand:    rand.New(rand.NewPCG(seed, 7)),
		Logger:  slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		OnEvent: c.w.onEvent,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	m := New(cfg)
	srv := netsim.NewServer()
	if err := srv.RegisterName(ServiceName, m); err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	c.net.AddServer(name, srv)
	c.members[name] = m
	return m
}
