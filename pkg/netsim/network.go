// The network: named nodes, the links between them, the seeded dice that decide
// each message's fate, and the counters tests assert on.

package netsim

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Errors a [Client.Call] can return besides the server method's own error.
// Check them with errors.Is.
var (
	// ErrDisconnected means the message could not leave: the link is cut,
	// either end is crashed, the destination is unknown or has no server,
	// or the network is closed. Like a TCP
	// "connection refused" it comes back quickly, after a short random delay.
	ErrDisconnected = errors.New("netsim: disconnected")

	// ErrTimeout means no reply arrived within the timeout (see
	// [Network.SetTimeout]): the request or the reply was lost or is still
	// on its way. The caller cannot tell whether the server executed the
	// call, which is the point.
	ErrTimeout = errors.New("netsim: timeout")

	// ErrNoMethod means the destination has no such service or method.
	ErrNoMethod = errors.New("netsim: no such method")

	// ErrCodec means a value could not travel as gob: a nil reply pointer, a
	// field gob would silently drop, a type gob refuses, and so on.
	ErrCodec = errors.New("netsim: codec error")
)

// DefaultTimeout is how long a caller waits for a reply until
// [Network.SetTimeout] says otherwise.
const DefaultTimeout = 100 * time.Millisecond

// refusedMin and refusedMax bound the delay before ErrDisconnected. The delay
// is never zero so that a caller retrying in a loop lets virtual time advance
// inside a synctest bubble instead of spinning at one instant.
const (
	refusedMin = 100 * time.Microsecond
	refusedMax = time.Millisecond
)

// Network connects named nodes. It is safe for concurrent use: faults can
// change while calls are in flight, and each change applies to messages sent
// or delivered after it.
type Network struct {
	// mu guards every field but streams and inflight, which synchronize
	// themselves. It is never held while a server method runs, while a
	// message is delayed or while logging.
	mu    sync.Mutex
	log   *slog.Logger
	rng   *rand.Rand       // seeded; every random decision draws from it under mu
	nodes map[string]*node // by name; a node is created on first mention
	cut   map[link]bool    // links that do not carry messages, both ways

	streams sync.Map // streamKey -> *stream: the gob streams of codec.go; not guarded by mu

	// Fault settings, changed by the methods in faults.go.
	dropRequests, dropReplies float64
	minDelay, maxDelay        time.Duration
	longProb                  float64
	longMax                   time.Duration
	timeout                   time.Duration

	totalRPCs int

	// inflight counts carry goroutines; Close waits for it. closed is set
	// once by Close, under mu, before the wait begins.
	inflight sync.WaitGroup
	closed   bool
}

// node is one name on the network. server is nil for a name that only makes
// calls (a test driver) or has not been added yet.
type node struct {
	server  *Server
	crashed bool
	// incarnation changes on every Crash and Restart. A message remembers the
	// incarnations it was sent between; if either end has changed by the
	// time it arrives, the process it was meant for is gone and so is the
	// message.
	incarnation uint64
	stats       Stats
}

// link names an undirected link: a <= b.
type link struct{ a, b string }

func linkOf(a, b string) link {
	if b < a {
		a, b = b, a
	}
	return link{a, b}
}

// Stats counts one node's traffic since the node was first named. Counters
// survive Crash and Restart, so a test can measure a whole scenario.
type Stats struct {
	RPCsSent     int // calls this node made (every Call with a valid request, delivered or not)
	BytesSent    int // gob bytes of the arguments it sent plus the replies (or error messages) it sent back
	RPCsReceived int // requests that reached this node's server
}

// New returns a network with no nodes, no faults, and the [DefaultTimeout].
// Every random decision (drops, delays) comes from a PCG generator seeded
// with seed, so a test that makes its calls one after another sees the same
// fates in every run.
func New(seed uint64) *Network {
	return &Network{
		rng:     rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		nodes:   make(map[string]*node),
		cut:     make(map[link]bool),
		timeout: DefaultTimeout,
		log:     slog.New(slog.DiscardHandler),
	}
}

// SetLogger makes the network tell its story to l: fault changes (crash,
// partition, heal) at Info, the fate of each lost or refused message at
// Debug. By default nothing is logged. In a test, a handler writing to
// t.Output() keeps passing tests quiet.
func (n *Network) SetLogger(l *slog.Logger) {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.log = l
}

// logger returns the current logger, for use after mu is released.
func (n *Network) logger() *slog.Logger {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.log
}

// AddServer puts server s on the network under name and starts it. If name
// already had a server, the old one is replaced as if the node had restarted:
// replies it still owes are lost (see [Network.Restart]).
func (n *Network) AddServer(name string, s *Server) {
	n.start(name, s, "add server")
}

// Client returns a handle that makes calls from node from to node to. Neither
// node needs a server yet; the destination is looked up on every call, so a
// Client keeps working across restarts of either end. A Client is safe for
// concurrent use.
func (n *Network) Client(from, to string) *Client {
	n.mu.Lock()
	n.nodeLocked(from)
	n.mu.Unlock()
	return &Client{net: n, from: from, to: to}
}

// Clients returns a Client from from to each name in to, keyed by name: the
// peer table of one node in a cluster test.
func (n *Network) Clients(from string, to []string) map[string]*Client {
	m := make(map[string]*Client, len(to))
	for _, name := range to {
		m[name] = n.Client(from, name)
	}
	return m
}

// Close shuts the network down and waits until no message is in flight.
// Calls made after Close are refused with [ErrDisconnected], requests still
// on the wire are lost on arrival, and a method already running finishes but
// its reply is lost. Close is safe to call more than once.
//
// A synctest bubble cannot end while a goroutine sleeps on a message's
// delay, and virtual time only moves while the bubble's test function runs.
// So a test that leaves calls in flight registers Close inside the bubble:
//
//	net := netsim.New(seed)
//	t.Cleanup(net.Close) // runs inside the bubble, before it ends
//
// Create the network inside the bubble it is used in: Close waits on a
// sync.WaitGroup, which belongs to the bubble where the first call was made.
func (n *Network) Close() {
	n.mu.Lock()
	first := !n.closed
	n.closed = true
	n.mu.Unlock()
	if first {
		n.logger().Info("close")
	}
	n.inflight.Wait()
}

// Stats returns the counters of node name (all zero for an unknown name).
func (n *Network) Stats(name string) Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	if nd := n.nodes[name]; nd != nil {
		return nd.stats
	}
	return Stats{}
}

// TotalRPCs returns the number of calls made on the whole network, counted
// like [Stats.RPCsSent].
func (n *Network) TotalRPCs() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.totalRPCs
}

// nodeLocked returns the node called name, creating it on first mention.
func (n *Network) nodeLocked(name string) *node {
	nd := n.nodes[name]
	if nd == nil {
		nd = &node{}
		n.nodes[name] = nd
	}
	return nd
}

// delayLocked draws one message's one-way delay: uniform in [minDelay,
// maxDelay], plus, with probability longProb, up to longMax more.
func (n *Network) delayLocked() time.Duration {
	d := n.minDelay
	if n.maxDelay > n.minDelay {
		d += time.Duration(n.rng.Int64N(int64(n.maxDelay-n.minDelay) + 1))
	}
	if n.longProb > 0 && n.longMax > 0 && n.rng.Float64() < n.longProb {
		d += time.Duration(n.rng.Int64N(int64(n.longMax) + 1))
	}
	return d
}

// refusedDelayLocked draws how long a refused connection takes to report.
func (n *Network) refusedDelayLocked() time.Duration {
	return refusedMin + time.Duration(n.rng.Int64N(int64(refusedMax-refusedMin)+1))
}

// lostLocked flips the coin for one message dropped with probability p.
func (n *Network) lostLocked(p float64) bool {
	return p > 0 && n.rng.Float64() < p
}
