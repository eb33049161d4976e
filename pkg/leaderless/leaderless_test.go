package leaderless

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// Two writes that did not see each other come back as siblings; LWW picks
// the later one and reports the other as lost; a write with the read's
// context replaces both.
func TestSiblings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 1, false)
		ctx := context.Background()
		a, b := c.client("alice", "n1"), c.client("bob", "n2")
		if _, err := a.Put(ctx, "cart", "milk", nil, 2); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
		if _, err := b.Put(ctx, "cart", "eggs", nil, 2); err != nil { // blind: bob never read
			t.Fatal(err)
		}
		res, err := a.Get(ctx, "cart", 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := values(res.Siblings); !slices.Equal(got, []string{"milk", "eggs"}) {
			t.Fatalf("after two blind writes: siblings %v, want [milk eggs]", got)
		}
		win, lost := LWW(res.Siblings)
		if win.Value != "eggs" || len(lost) != 1 || lost[0].Value != "milk" {
			t.Errorf("LWW: winner %v, lost %v; want eggs winning over milk", win, lost)
		}
		if _, err := a.Put(ctx, "cart", "milk,eggs", res.Context, 2); err != nil {
			t.Fatal(err)
		}
		res, err = b.Get(ctx, "cart", 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := values(res.Siblings); !slices.Equal(got, []string{"milk,eggs"}) {
			t.Errorf("after a write with the read's context: %v, want [milk,eggs]", got)
		}
	})
}

// A home replica is down: the write goes to the next node on the ring with
// a hint, and reaches the replica once it is back.
func TestHintedHandoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 5, 1, true)
		homes, stand := c.homes("k")
		down := homes[2]
		c.net.Isolate(down)
		cl := c.client("client", homes[0])
		c.net.Connect("client", homes[0])
		if _, err := cl.Put(context.Background(), "k", "v1", nil, 3); err != nil {
			t.Fatalf("W=3 with one home replica down: %v (want the sloppy quorum to accept it)", err)
		}
		synctest.Wait()
		if got := c.nodes[stand].Hints(); got != 1 {
			t.Fatalf("stand-in %s holds %d hints, want 1", stand, got)
		}
		if got := values(c.nodes[down].Versions("k")); len(got) != 0 {
			t.Fatalf("isolated %s already has %v", down, got)
		}
		c.net.Heal()
		time.Sleep(time.Second) // two handoff rounds
		if got := values(c.nodes[down].Versions("k")); !slices.Equal(got, []string{"v1"}) {
			t.Errorf("after the heal: %s has %v, want [v1] (handed off)", down, got)
		}
		if got := c.nodes[stand].Hints(); got != 0 {
			t.Errorf("after handoff: stand-in %s still holds %d hints, want 0", stand, got)
		}
	})
}

// A replica that missed a write is repaired by the next read that meets it.
func TestReadRepair(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 1, false) // no background loop: only read repair can fix it
		homes, _ := c.homes("k")
		c.net.Isolate(homes[2])
		c.net.Connect(homes[0], homes[1])
		cl := c.client("client", homes[0])
		c.net.Connect("client", homes[0])
		if _, err := cl.Put(context.Background(), "k", "v1", nil, 2); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		c.net.Heal()
		if _, err := cl.Get(context.Background(), "k", 3); err != nil {
			t.Fatal(err)
		}
		if got := values(c.nodes[homes[2]].Versions("k")); !slices.Equal(got, []string{"v1"}) {
			t.Errorf("after a read with R=3: %s has %v, want [v1] (repaired)", homes[2], got)
		}
	})
}

// A replica that missed writes to keys nobody reads again converges through
// Merkle-tree anti-entropy, and a second exchange finds nothing to do.
func TestAntiEntropy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 1, false)
		c.net.Isolate("n3")
		c.net.Connect("n1", "n2")
		cl := c.client("client", "n1")
		c.net.Connect("client", "n1")
		for i := range 40 {
			if _, err := cl.Put(context.Background(), "cold"+string(rune('A'+i)), "v", nil, 2); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		c.net.Heal()
		changed, err := c.nodes["n3"].SyncWith("n1")
		if err != nil {
			t.Fatal(err)
		}
		if changed != 40 {
			t.Errorf("first exchange changed %d keys, want 40", changed)
		}
		for i := range 40 {
			key := "cold" + string(rune('A'+i))
			if got := values(c.nodes["n3"].Versions(key)); !slices.Equal(got, []string{"v"}) {
				t.Fatalf("after anti-entropy: n3 has %v for %s, want [v]", got, key)
			}
		}
		if !slices.Equal(c.nodes["n3"].tree("n1"), c.nodes["n1"].tree("n3")) {
			t.Error("after anti-entropy the trees of n1 and n3 still differ")
		}
		if changed, err := c.nodes["n3"].SyncWith("n1"); changed != 0 || err != nil {
			t.Errorf("second exchange: changed %d, %v; want 0, nil", changed, err)
		}
	})
}

// Bad requests get clear errors, never a panic.
func TestBadInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, 3, 1, false)
		cl := c.client("client", "n1")
		ctx := context.Background()
		tests := []struct {
			name string
			do   func() error
			want error
		}{
			{"R > N", func() error { _, err := cl.Get(ctx, "k", 4); return err }, ErrBadRequest},
			{"R = 0", func() error { _, err := cl.Get(ctx, "k", 0); return err }, ErrBadRequest},
			{"W > N", func() error { _, err := cl.Put(ctx, "k", "v", nil, 4); return err }, ErrBadRequest},
			{"empty key", func() error { _, err := cl.Put(ctx, "", "v", nil, 1); return err }, ErrBadRequest},
			{"malformed context", func() error { _, err := cl.Put(ctx, "k", "v", []byte{0xff, 0x01}, 1); return err }, ErrMalformed},
			{"version without a dot", func() error {
				return c.net.Client("client", "n1").Call("Node.Write", &WriteArgs{Key: "k", Versions: []Version{{Value: "x"}}}, &WriteReply{})
			}, nil},
			{"version that saw itself", func() error {
				return c.net.Client("client", "n1").Call("Node.Write", &WriteArgs{Key: "k", Versions: []Version{{Value: "x", Node: "n1", Counter: 1, Seen: map[string]uint64{"n1": 1}}}}, &WriteReply{})
			}, nil},
			{"leaf out of range", func() error {
				return c.net.Client("client", "n1").Call("Node.Bucket", &BucketArgs{Peer: "n2", Leaf: 1 << 20}, &BucketReply{})
			}, nil},
		}
		for _, tc := range tests {
			err := tc.do()
			if err == nil {
				t.Errorf("%s: got nil error, want one", tc.name)
				continue
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
			}
		}
		if got := c.nodes["n1"].Versions("k"); len(got) != 0 {
			t.Errorf("after bad requests n1 stores %v, want nothing", got)
		}
	})
	// A node on an empty ring answers ErrQuorum, naming the empty ring.
	if _, err := NewNode(Config{Name: "x"}); err == nil {
		t.Error("NewNode without a ring: got nil error")
	}
}
