package gossip

import (
	"fmt"
	"net"
	"net/rpc"
	"testing"
	"testing/synctest"
	"time"
)

// TestOverNetRPC runs three members over the standard library's net/rpc,
// each message on its own net.Pipe connection (the shape of a per-call dial
// over TCP), and checks that a fourth joins and the counter converges.
func TestOverNetRPC(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		servers := map[string]*rpc.Server{}
		dial := func(to string) (Peer, error) {
			srv, ok := servers[to]
			if !ok {
				return nil, fmt.Errorf("no member %q", to)
			}
			client, server := net.Pipe()
			go srv.ServeConn(server) // ends when the client closes the pipe
			return rpc.NewClient(client), nil
		}
		all := []string{"a", "b", "c"}
		var members []*Member
		for _, name := range append(all, "d") {
			initial := all
			if name == "d" {
				initial = nil
			}
			m := New(Config{Name: name, Dial: dial, Members: initial, PushPullInterval: 2 * time.Second})
			srv := rpc.NewServer()
			if err := srv.RegisterName(ServiceName, m); err != nil {
				t.Fatalf("register %s: %v", name, err)
			}
			servers[name] = srv
			members = append(members, m)
		}
		for _, m := range members[:3] {
			m.Start()
			m.Inc(2)
		}
		if err := members[3].Join("a"); err != nil {
			t.Fatalf("Join: %v", err)
		}
		members[3].Inc(1)
		time.Sleep(20 * time.Second)
		for _, m := range members {
			m.Stop()
		}
		synctest.Wait() // let the server goroutines see their pipes close
		for _, m := range members {
			if got := len(m.Members()); got != 4 {
				t.Errorf("%s knows %d members, want 4", m.Name(), got)
			}
			if got := m.Counter(); got != 7 {
				t.Errorf("%s: Counter() = %d, want 7", m.Name(), got)
			}
		}
	})
}
