// The client side: one net/rpc connection per replica, each call made
// cancellable, and the read shapes of the demo built on pkg/fanout.

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"sync/atomic"
	"time"

	"distkit/pkg/fanout"
)

// replicaConn is the client's handle on one replica.
type replicaConn struct {
	name string
	addr string
	rpc  *rpc.Client // nil when the replica could not be reached
	err  error       // why the dial failed; its calls then fail at once
}

// Client reads from and writes to a set of replicas. HedgeDelay may be
// changed only before the first call; after that a Client is safe for
// concurrent use.
type Client struct {
	// HedgeDelay is how long readHedged waits for a replica before it asks
	// the next one as well.
	HedgeDelay time.Duration

	replicas []replicaConn
	sent     atomic.Int64 // RPCs sent, backups included: the load the replicas saw
}

// defaultHedgeDelay sits just above the 95th percentile of a normal answer:
// up to 3ms of injected delay plus the round trip. Only answers stuck in the
// tail, about 5% of them, then get a backup request.
const defaultHedgeDelay = 4 * time.Millisecond

// dialFunc opens a connection to addr: TCP in main, net.Pipe in the tests.
type dialFunc func(ctx context.Context, addr string) (net.Conn, error)

// connect dials every replica in order. A replica that cannot be reached
// does not stop the others: its slot keeps the error, and each call to it
// fails with that error at once, so the fan-out shapes can show how they
// cope with a dead replica.
func connect(ctx context.Context, addrs []string, dial dialFunc) *Client {
	c := &Client{HedgeDelay: defaultHedgeDelay}
	for i, addr := range addrs {
		rc := replicaConn{name: fmt.Sprintf("replica-%d", i), addr: addr}
		conn, err := dial(ctx, addr)
		if err != nil {
			rc.err = err
		} else {
			rc.rpc = rpc.NewClient(conn)
		}
		c.replicas = append(c.replicas, rc)
	}
	return c
}

// Close closes every connection. Calls still in flight fail.
func (c *Client) Close() error {
	var errs []error
	for _, rc := range c.replicas {
		if rc.rpc != nil {
			errs = append(errs, rc.rpc.Close())
		}
	}
	return errors.Join(errs...)
}

// call makes one RPC to replica i and honours ctx, as fanout.Call requires.
//
// A bare rpc.Client.Call cannot be cancelled, so the call goes out with Go
// and we wait for whichever comes first, the reply or ctx. A cancelled call
// still runs to the end on the replica (net/rpc has no way to tell it), and
// the rpc.Client drops the late reply into the Done channel nobody reads.
func (c *Client) call(ctx context.Context, i int, method string, args, reply any) error {
	rc := c.replicas[i]
	if rc.rpc == nil {
		return fmt.Errorf("%s unreachable: %w", rc.name, rc.err)
	}
	c.sent.Add(1)
	done := rc.rpc.Go(method, args, reply, make(chan *rpc.Call, 1)).Done
	select {
	case call := <-done:
		if call.Error != nil {
			return fmt.Errorf("%s: %w", rc.name, call.Error)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", rc.name, ctx.Err())
	}
}

// answer is one replica's copy of a key, labelled with the replica that gave it.
type answer struct {
	Replica string
	Entry   Entry
	Found   bool
}

// lookup is the read of key from replica i, as a fanout.Call.
func (c *Client) lookup(i int, key string) fanout.Call[answer] {
	return func(ctx context.Context) (answer, error) {
		var reply LookupReply
		if err := c.call(ctx, i, "Replica.Lookup", &LookupArgs{Key: key}, &reply); err != nil {
			return answer{}, err
		}
		return answer{Replica: c.replicas[i].name, Entry: reply.Entry, Found: reply.Found}, nil
	}
}

// store is the write of key=e to replica i, as a fanout.Call.
func (c *Client) store(i int, key string, e Entry) fanout.Call[bool] {
	return func(ctx context.Context) (bool, error) {
		var reply StoreReply
		err := c.call(ctx, i, "Replica.Store", &StoreArgs{Key: key, Entry: e}, &reply)
		return reply.Applied, err
	}
}

// lookups returns the read of key from every replica, starting with replica
// start and wrapping around: the order in which readHedged asks them.
func (c *Client) lookups(key string, start int) []fanout.Call[answer] {
	n := len(c.replicas)
	calls := make([]fanout.Call[answer], n)
	for j := range n {
		calls[j] = c.lookup((start+j)%n, key)
	}
	return calls
}

// write stores key=e on the replicas listed, all at once, and fails if any of
// them fails (scatter-gather with fanout.All).
func (c *Client) write(ctx context.Context, key string, e Entry, replicas ...int) error {
	calls := make([]fanout.Call[bool], len(replicas))
	for j, i := range replicas {
		calls[j] = c.store(i, key, e)
	}
	_, err := fanout.All(ctx, calls...)
	return err
}

// readAll asks every replica and returns every answer, in replica order.
func (c *Client) readAll(ctx context.Context, key string) ([]answer, error) {
	return fanout.All(ctx, c.lookups(key, 0)...)
}

// readFirst asks every replica and returns the first answer, fresh or stale.
func (c *Client) readFirst(ctx context.Context, key string) (answer, error) {
	return fanout.First(ctx, c.lookups(key, 0)...)
}

// readQuorum asks every replica, waits for the first k answers, and returns
// the newest of them along with all k, in arrival order. If every write
// reached w replicas and k+w > n, the k answers include at least one replica
// that has the latest write, so the newest answer is the latest value.
func (c *Client) readQuorum(ctx context.Context, key string, k int) (newest answer, got []answer, err error) {
	results, err := fanout.Quorum(ctx, k, c.lookups(key, 0)...)
	if err != nil {
		return answer{}, nil, err
	}
	for _, r := range results {
		got = append(got, r.Value)
		if r.Value.Found && (!newest.Found || r.Value.Entry.Version > newest.Entry.Version) {
			newest = r.Value
		}
	}
	return newest, got, nil
}

// readHedged asks replica start, then, every HedgeDelay without an answer,
// the next replica too; the first answer wins.
func (c *Client) readHedged(ctx context.Context, key string, start int) (answer, error) {
	return fanout.Hedged(ctx, c.HedgeDelay, c.lookups(key, start)...)
}

// readOne asks replica i alone: the baseline readHedged is measured against.
func (c *Client) readOne(ctx context.Context, key string, i int) (answer, error) {
	return c.lookup(i, key)(ctx)
}
