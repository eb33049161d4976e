// The clerk: the client library. It finds the leader, follows hints,
// retries, and never returns a wrong answer.

package kv

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// ErrNotFound is returned by Get for a key that does not exist, and by
// Delete for one that did not.
var ErrNotFound = errors.New("kv: key not found")

// ErrVersionMismatch is returned by CompareAndSwap when the key's version
// is not the expected one; the returned Value holds the current one.
var ErrVersionMismatch = errors.New("kv: version mismatch")

// ErrLeaseNotFound is returned for a lease that expired or was revoked.
var ErrLeaseNotFound = errors.New("kv: lease not found")

// ErrTooLarge is returned for a key over MaxKeySize or a value over
// MaxValueSize.
var ErrTooLarge = errors.New("kv: key or value too large")

// Value is a key's value with its version and the store's revision.
type Value struct {
	Value    string
	Version  int64 // writes to this key since it was created
	Revision int64 // the store-wide revision after the operation
}

// Clerk is a client of the key-value service. It sends one operation at a
// time, numbered, and retries each until it learns the outcome, so every
// operation takes effect exactly once even when replies are lost or leaders
// change. Safe for concurrent use: operations from concurrent goroutines
// are serialized. Use one Clerk per concurrent client for parallelism.
type Clerk struct {
	servers  map[int]raft.Peer
	ids      []int
	clientID int64
	policy   retry.Policy

	mu     sync.Mutex // one operation at a time, so Seq orders them
	seq    int64
	leader int // the server to try first
}

// NewClerk returns a clerk for the cluster whose servers are given by
// Raft ID. Its client ID is drawn from rng (nil: a random one). policy
// shapes the waits between rounds of attempts; its MaxAttempts is ignored,
// since a clerk retries until its context ends.
func NewClerk(servers map[int]raft.Peer, rng *rand.Rand, policy retry.Policy) *Clerk {
	ck := &Clerk{servers: servers, policy: policy}
	for id := range servers {
		ck.ids = append(ck.ids, id)
	}
	if rng == nil {
		rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	ck.clientID = rng.Int64N(1<<62) + 1
	ck.leader = ck.ids[rng.IntN(len(ck.ids))]
	ck.policy.MaxAttempts = -1
	if ck.policy.BaseDelay == 0 {
		ck.policy.BaseDelay = 10 * time.Millisecond
	}
	if ck.policy.MaxDelay == 0 {
		ck.policy.MaxDelay = 200 * time.Millisecond
	}
	return ck
}

// Get returns key's value. It fails with ErrNotFound if key is absent.
func (ck *Clerk) Get(ctx context.Context, key string) (Value, error) {
	return ck.value(ck.do(ctx, "Get", Request{Key: key}))
}

// Put sets key to value.
func (ck *Clerk) Put(ctx context.Context, key, value string) (Value, error) {
	return ck.value(ck.do(ctx, "Put", Request{Key: key, Value: value}))
}

// PutWithLease sets key to value until lease ends.
func (ck *Clerk) PutWithLease(ctx context.Context, key, value string, lease int64) (Value, error) {
	return ck.value(ck.do(ctx, "Put", Request{Key: key, Value: value, Lease: lease}))
}

// Append appends value to key's value, creating the key if absent.
func (ck *Clerk) Append(ctx context.Context, key, value string) (Value, error) {
	return ck.value(ck.do(ctx, "Append", Request{Key: key, Value: value}))
}

// CompareAndSwap sets key to value if key's version is version (0: the
// key must not exist), attached to lease if not 0. On a mismatch it fails
// with ErrVersionMismatch and returns the current value and version.
func (ck *Clerk) CompareAndSwap(ctx context.Context, key string, version int64, value string, lease int64) (Value, error) {
	return ck.value(ck.do(ctx, "CompareAndSwap", Request{Key: key, Version: version, Value: value, Lease: lease}))
}

// Delete removes key.
func (ck *Clerk) Delete(ctx context.Context, key string) error {
	_, err := ck.value(ck.do(ctx, "Delete", Request{Key: key}))
	return err
}

// Grant creates a lease that ends ttl after it was granted unless kept
// alive, and returns its ID. Keys written with the lease are deleted when
// it ends. The service measures ttl on the leaders' clocks (see doc.go).
func (ck *Clerk) Grant(ctx context.Context, ttl time.Duration) (int64, error) {
	r, err := ck.do(ctx, "Grant", Request{TTL: ttl})
	if err != nil {
		return 0, err
	}
	return r.Lease, ck.err(r)
}

// KeepAlive renews lease for another TTL.
func (ck *Clerk) KeepAlive(ctx context.Context, lease int64) error {
	r, err := ck.do(ctx, "KeepAlive", Request{Lease: lease})
	if err != nil {
		return err
	}
	return ck.err(r)
}

// Revoke ends lease now, deleting its keys.
func (ck *Clerk) Revoke(ctx context.Context, lease int64) error {
	r, err := ck.do(ctx, "Revoke", Request{Lease: lease})
	if err != nil {
		return err
	}
	return ck.err(r)
}

// do sends one operation until some leader applies it, and returns the
// result. It gives up only when ctx ends; then the operation may or may
// not have taken effect, and the error says so.
func (ck *Clerk) do(ctx context.Context, method string, req Request) (Result, error) {
	if len(req.Key) > MaxKeySize || len(req.Value) > MaxValueSize {
		return Result{}, fmt.Errorf("kv: %s %q: %w", method, truncate(req.Key), ErrTooLarge)
	}
	ck.mu.Lock()
	defer ck.mu.Unlock()
	ck.seq++
	req.ClientID, req.Seq = ck.clientID, ck.seq

	var result Result
	err := retry.Do(ctx, ck.policy, func(ctx context.Context) error {
		// One round: try each server at most once, starting with the
		// one we believe leads, and jump to any leader a server names.
		tried := 0
		for tried < len(ck.ids) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var reply Reply
			err := ck.servers[ck.leader].Call("KV."+method, &req, &reply)
			tried++
			switch {
			case err != nil || reply.Code == CodeWrongLeader || reply.Code == CodeTimeout:
				// No answer, or not from a leader: the outcome is
				// unknown, so the same Seq goes to the next server.
				if err == nil && reply.LeaderHint >= 0 && reply.LeaderHint != ck.leader {
					if _, known := ck.servers[reply.LeaderHint]; known {
						ck.leader = reply.LeaderHint
						continue
					}
				}
				ck.leader = ck.next(ck.leader)
			default:
				result = reply.Result
				return nil
			}
		}
		return errors.New("kv: no leader answered")
	})
	if err != nil {
		return Result{}, fmt.Errorf("kv: %s %q: outcome unknown: %w", method, truncate(req.Key), err)
	}
	return result, nil
}

// value turns a result into a Value and an error.
func (ck *Clerk) value(r Result, err error) (Value, error) {
	if err != nil {
		return Value{}, err
	}
	return Value{Value: r.Value, Version: r.Version, Revision: r.Revision}, ck.err(r)
}

// err maps a result's outcome to the clerk's sentinel errors.
func (ck *Clerk) err(r Result) error {
	switch r.Code {
	case CodeOK:
		return nil
	case CodeNoKey:
		return ErrNotFound
	case CodeVersionMismatch:
		return ErrVersionMismatch
	case CodeNoLease:
		return ErrLeaseNotFound
	case CodeTooLarge:
		return ErrTooLarge
	}
	return fmt.Errorf("kv: %s", r.Code)
}

// next returns the server after id, in a fixed order.
func (ck *Clerk) next(id int) int {
	for i, x := range ck.ids {
		if x == id {
			return ck.ids[(i+1)%len(ck.ids)]
		}
	}
	return ck.ids[0]
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
