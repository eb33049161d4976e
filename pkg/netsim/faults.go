// The fault menu: lossy links, slow links, cut links, partitions, crashes and
// restarts. Every setting can change while calls are in flight.

package netsim

import "time"

// SetDropRate sets the fraction of requests and of replies that are lost,
// each in [0, 1] (values outside are clamped). A lost request never reaches
// the server; a lost reply is lost after the server executed the call. Either
// way the caller sees [ErrTimeout] once the timeout expires.
func (n *Network) SetDropRate(requests, replies float64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.dropRequests, n.dropReplies = clamp01(requests), clamp01(replies)
}

// SetDelay makes every message (request or reply) take a one-way delay drawn
// uniformly from [min, max]. Messages sent one after another can overtake
// each other when max > min, as on a real network. Negative values count as
// zero, and max below min counts as min.
func (n *Network) SetDelay(min, max time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.minDelay, n.maxDelay = max0(min), max0(max)
}

// SetLongDelays adds, with probability prob per message, an extra delay
// drawn uniformly from [0, max]. Such stragglers usually outlive the caller's
// timeout: the caller has given up, yet the request still reaches the server
// late, which is how stale messages from an old term reach a Raft node.
func (n *Network) SetLongDelays(prob float64, max time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.longProb, n.longMax = clamp01(prob), max0(max)
}

// SetTimeout sets how long [Client.Call] waits, from the moment it sends, for
// a reply before it returns [ErrTimeout]. A non-positive d restores
// [DefaultTimeout]. The timeout covers the whole call, so a reply that is
// merely very late counts as lost, as it would for a real client with a
// deadline.
func (n *Network) SetTimeout(d time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if d <= 0 {
		d = DefaultTimeout
	}
	n.timeout = d
}

// Disconnect cuts the link between a and b in both directions. Calls between
// them fail with [ErrDisconnected]. Replies on their way are lost; a request
// already on the wire still arrives and runs, but its reply is lost.
func (n *Network) Disconnect(a, b string) {
	n.logger().Info("disconnect", "a", a, "b", b)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nodeLocked(a)
	n.nodeLocked(b)
	if a != b {
		n.cut[linkOf(a, b)] = true
	}
}

// Connect restores the link between a and b, whatever cut it (Disconnect,
// Isolate or Partition). It does not revive a crashed node.
func (n *Network) Connect(a, b string) {
	n.logger().Info("connect", "a", a, "b", b)
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.cut, linkOf(a, b))
}

// Isolate cuts name from every node the network knows now. A node named
// later starts connected to everyone, name included.
func (n *Network) Isolate(name string) {
	n.logger().Info("isolate", "node", name)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nodeLocked(name)
	for other := range n.nodes {
		if other != name {
			n.cut[linkOf(name, other)] = true
		}
	}
}

// Partition splits the network so that only links inside a group carry
// messages: it cuts every link between two known nodes (or listed names)
// that share no group, and restores every link inside a group. A node in no
// group is cut from all the others. A node listed in two groups talks to both,
// which models a partial partition: a "bridge" that sees both halves while
// the halves cannot see each other.
func (n *Network) Partition(groups ...[]string) {
	n.logger().Info("partition", "groups", groups)
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, g := range groups {
		for _, name := range g {
			n.nodeLocked(name)
		}
	}
	for a := range n.nodes {
		for b := range n.nodes {
			if a < b {
				n.cut[link{a, b}] = true
			}
		}
	}
	for _, g := range groups {
		for _, a := range g {
			for _, b := range g {
				if a != b {
					delete(n.cut, linkOf(a, b))
				}
			}
		}
	}
}

// Heal restores every link. Crashed nodes stay crashed.
func (n *Network) Heal() {
	n.logger().Info("heal")
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.cut)
}

// Crash stops node name as if its process died. Calls to it and from it fail
// with [ErrDisconnected], requests on their way to it are lost, and replies it
// owes are lost even if a method is still running: the method runs to the
// end (the network cannot stop a goroutine) but its answer goes nowhere.
// Crash never blocks.
func (n *Network) Crash(name string) {
	n.logger().Info("crash", "node", name)
	n.mu.Lock()
	defer n.mu.Unlock()
	nd := n.nodeLocked(name)
	nd.crashed = true
	nd.incarnation++
}

// Restart brings node name back with server s, a fresh server built from the
// node's persisted state. Messages sent to or from an earlier incarnation
// stay lost. Restart on a running node acts as a crash followed by a restart.
// The node's links keep their state: a node isolated before its crash is
// still isolated. A nil s leaves the node up without a server, so calls to it
// are refused.
func (n *Network) Restart(name string, s *Server) {
	n.start(name, s, "restart")
}

// start runs server s as a new incarnation of node name.
func (n *Network) start(name string, s *Server, event string) {
	n.logger().Info(event, "node", name)
	n.mu.Lock()
	defer n.mu.Unlock()
	nd := n.nodeLocked(name)
	nd.server = s
	nd.crashed = false
	nd.incarnation++
}

// connectedLocked reports whether a message can travel from "from" to "to"
// now. Both must be alive and the link between them intact.
func (n *Network) connectedLocked(from, to string) bool {
	f, t := n.nodes[from], n.nodes[to]
	if f == nil || t == nil || f.crashed || t.crashed {
		return false
	}
	return !n.cut[linkOf(from, to)]
}

func clamp01(p float64) float64 {
	if !(p > 0) { // also catches NaN
		return 0
	}
	return min(p, 1)
}

func max0(d time.Duration) time.Duration { return max(d, 0) }
