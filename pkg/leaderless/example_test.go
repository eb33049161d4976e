package leaderless_test

import (
	"context"
	"fmt"
	"net"
	"net/rpc"

	"distkit/pkg/leaderless"
	"distkit/pkg/ring"
)

// Three nodes over real net/rpc (on in-memory pipes), N=3: two clients write
// without reading first, so the read that follows returns both values as
// siblings, and last-writer-wins shows which one it throws away.
func Example() {
	r := ring.New(0)
	names := []string{"a", "b", "c"}
	servers := map[string]*rpc.Server{}
	for _, name := range names {
		r.Add(name)
		servers[name] = rpc.NewServer()
	}
	dial := func(to string) *rpc.Client {
		client, server := net.Pipe()
		go servers[to].ServeConn(server)
		return rpc.NewClient(client)
	}
	var nodes []*leaderless.Node
	for _, name := range names {
		peers := map[string]leaderless.Caller{}
		for _, other := range names {
			if other != name {
				peers[other] = dial(other)
			}
		}
		n, _ := leaderless.NewNode(leaderless.Config{Name: name, Ring: r, Peers: peers, N: 3, AntiEntropyInterval: -1})
		n.Register(servers[name])
		nodes = append(nodes, n)
	}
	ctx := context.Background()
	alice, bob := leaderless.NewClient(dial("a")), leaderless.NewClient(dial("b"))
	alice.Put(ctx, "cart", "milk", nil, 3)
	bob.Put(ctx, "cart", "eggs", nil, 3)

	res, err := alice.Get(ctx, "cart", 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("siblings:", len(res.Siblings))
	win, lost := leaderless.LWW(res.Siblings)
	fmt.Printf("last writer wins: %q, losing %q\n", win.Value, lost[0].Value)

	_, err = alice.Get(ctx, "cart", 4)
	fmt.Println(err)
	// Output:
	// siblings: 2
	// last writer wins: "eggs", losing "milk"
	// get "cart": leaderless: bad request: R=4 with N=3: R must be between 1 and N
}
