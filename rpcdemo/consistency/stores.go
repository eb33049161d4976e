// The four stores of the demo behind one small interface, each on its own
// simulated network: servers s1..s5, clients c1..c3.

package main

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/leaderless"
	"distkit/pkg/netsim"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
	"distkit/pkg/ring"
)

// store is what the workload needs from a mode: a read and a write by a
// given client, and a way to shut everything down.
type store interface {
	// get returns the value of key as client sees it; found is false for
	// an absent key. An error means the outcome is unknown.
	get(ctx context.Context, client int, key string) (value string, found bool, err error)
	// put writes key; an error means the outcome is unknown.
	put(ctx context.Context, client int, key, value string) error
	stop()
}

// The cluster's names on the network. Client i (0-based) is "c<i+1>".
var servers = []string{"s1", "s2", "s3", "s4", "s5"}

func clientName(i int) string { return "c" + strconv.Itoa(i+1) }

// kvStore is pkg/kv: five Raft-replicated servers and one clerk per client.
type kvStore struct {
	servers []*kv.Server
	clerks  []*kv.Clerk
}

func startKV(net *netsim.Network, seed uint64, clients int, unsafe bool) (*kvStore, error) {
	st := &kvStore{}
	for i, name := range servers {
		peers := make(map[int]raft.Peer)
		for j, other := range servers {
			if j != i {
				peers[j] = net.Client(name, other)
			}
		}
		s, err := kv.NewServer(kv.Config{
			Raft: raft.Config{ID: i, Peers: peers, Storage: raft.NewMemoryStorage(),
				ElectionTimeoutMin: 150 * time.Millisecond, ElectionTimeoutMax: 300 * time.Millisecond,
				HeartbeatInterval: 50 * time.Millisecond, Rand: rand.New(rand.NewPCG(seed, uint64(i)))},
			UnsafeStaleReads: unsafe,
			RequestTimeout:   200 * time.Millisecond,
			Logger:           slog.New(slog.DiscardHandler),
		})
		if err != nil {
			st.stop()
			return nil, err
		}
		srv := netsim.NewServer()
		if err := s.Register(srv); err != nil {
			return nil, err
		}
		net.AddServer(name, srv)
		st.servers = append(st.servers, s)
	}
	for c := range clients {
		peers := make(map[int]raft.Peer)
		for j, name := range servers {
			peers[j] = net.Client(clientName(c), name)
		}
		policy := retry.Policy{BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond,
			Rand: rand.New(rand.NewPCG(seed, uint64(100+c)))}
		st.clerks = append(st.clerks, kv.NewClerk(peers, rand.New(rand.NewPCG(seed, uint64(200+c))), policy))
	}
	return st, nil
}

func (st *kvStore) get(ctx context.Context, client int, key string) (string, bool, error) {
	v, err := st.clerks[client].Get(ctx, key)
	if errors.Is(err, kv.ErrNotFound) {
		return "", false, nil
	}
	return v.Value, err == nil, err
}

func (st *kvStore) put(ctx context.Context, client int, key, value string) error {
	_, err := st.clerks[client].Put(ctx, key, value)
	return err
}

func (st *kvStore) stop() {
	for _, s := range st.servers {
		s.Stop()
	}
}

// leaderlessStore is pkg/leaderless with N=3 and the mode's R and W. Each
// client sends its requests to one coordinator on its side of the
// partition.
type leaderlessStore struct {
	nodes   []*leaderless.Node
	clients []*leaderless.Client
	r, w    int
}

// coordinators: client i talks to servers[coordinators[i]].
var coordinators = []int{0, 2, 4}

func startLeaderless(net *netsim.Network, clients, r, w int) (*leaderlessStore, error) {
	st := &leaderlessStore{r: r, w: w}
	rg := ring.New(0)
	for _, name := range servers {
		rg.Add(name)
	}
	for _, name := range servers {
		peers := make(map[string]leaderless.Caller)
		for _, other := range servers {
			if other != name {
				peers[other] = net.Client(name, other)
			}
		}
		n, err := leaderless.NewNode(leaderless.Config{Name: name, Ring: rg, Peers: peers, N: 3,
			HandoffInterval: 100 * time.Millisecond, AntiEntropyInterval: 200 * time.Millisecond})
		if err != nil {
			return nil, err
		}
		srv := netsim.NewServer()
		if err := n.Register(srv); err != nil {
			return nil, err
		}
		net.AddServer(name, srv)
		n.Start()
		st.nodes = append(st.nodes, n)
	}
	for c := range clients {
		st.clients = append(st.clients, leaderless.NewClient(net.Client(clientName(c), servers[coordinators[c%len(coordinators)]])))
	}
	return st, nil
}

// get returns the last-writer-wins value of the siblings: every client
// resolves the same way, so that is the value the store "has". (The
// alternative, recording a read with siblings as an unknown outcome, would
// hide exactly the anomalies the demo is about.)
func (st *leaderlessStore) get(ctx context.Context, client int, key string) (string, bool, error) {
	res, err := st.clients[client].Get(ctx, key, st.r)
	if err != nil {
		return "", false, err
	}
	win, _ := leaderless.LWW(res.Siblings)
	return win.Value, len(res.Siblings) > 0, nil
}

// put reads first for the context, then writes, so the new value replaces
// everything the client saw: the usual Dynamo read-modify-write.
func (st *leaderlessStore) put(ctx context.Context, client int, key, value string) error {
	res, err := st.clients[client].Get(ctx, key, st.r)
	if err != nil {
		return err
	}
	_, err = st.clients[client].Put(ctx, key, value, res.Context, st.w)
	return err
}

func (st *leaderlessStore) stop() {
	for _, n := range st.nodes {
		n.Stop()
	}
}
