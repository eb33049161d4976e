// The test cluster: leaderless nodes on a simulated network, inside
// synctest bubbles.

package leaderless

import (
	"flag"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"distkit/pkg/netsim"
	"distkit/pkg/ring"
)

var seedsFlag = flag.Int("seeds", 3, "how many seeds each randomized scenario runs")

type cluster struct {
	t     *testing.T
	net   *netsim.Network
	ring  *ring.Ring
	names []string
	nodes map[string]*Node
}

// newCluster starts size nodes n1..n<size> with N=3. With background set,
// each node runs its handoff and anti-entropy loop. Call it in a synctest
// bubble; it cleans up after itself.
func newCluster(t *testing.T, size int, seed uint64, background bool) *cluster {
	t.Helper()
	c := &cluster{t: t, net: netsim.New(seed), ring: ring.New(0), nodes: make(map[string]*Node)}
	for i := 1; i <= size; i++ {
		c.names = append(c.names, "n"+strconv.Itoa(i))
	}
	for _, name := range c.names {
		if err := c.ring.Add(name); err != nil {
			t.Fatal(err)
		}
	}
	c.net.SetDelay(time.Millisecond, 5*time.Millisecond)
	for _, name := range c.names {
		peers := make(map[string]Caller)
		for _, other := range c.names {
			if other != name {
				peers[other] = c.net.Client(name, other)
			}
		}
		n, err := NewNode(Config{Name: name, Ring: c.ring, Peers: peers, N: 3,
			Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			t.Fatal(err)
		}
		srv := netsim.NewServer()
		if err := n.Register(srv); err != nil {
			t.Fatal(err)
		}
		c.net.AddServer(name, srv)
		if background {
			n.Start()
		}
		c.nodes[name] = n
	}
	t.Cleanup(func() {
		// A client gives up on a call when its context ends, but the call
		// lives on until the network's timeout: let those end first.
		time.Sleep(2 * netsim.DefaultTimeout)
		if background {
			for _, n := range c.nodes {
				n.Stop()
			}
		}
		c.net.Close()
	})
	return c
}

// client returns a client attached to the network as its own node, talking
// to coordinator.
func (c *cluster) client(name, coordinator string) *Client {
	return NewClient(c.net.Client(name, coordinator))
}

// homes returns key's home replicas and the first node that is not one
// ("" on a cluster of 3).
func (c *cluster) homes(key string) (homes []string, stand string) {
	c.t.Helper()
	pref, err := c.ring.Preference(key, len(c.names))
	if err != nil {
		c.t.Fatal(err)
	}
	if len(pref) > 3 {
		stand = pref[3]
	}
	return pref[:3], stand
}

// values returns the values of a node's own versions of key.
func values(vs []Version) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Value)
	}
	return out
}
