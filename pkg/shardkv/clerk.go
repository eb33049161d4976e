// The clerk: routes each key to the group that owns its shard, and retries
// until some group that owns it answers.

package shardkv

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
	"distkit/pkg/shardctl"
)

// errRoute is why one attempt found no group to answer; the next attempt
// asks the controller for the latest configuration first.
var errRoute = errors.New("shardkv: no group served the key")

// Clerk is a client of the sharded store. It caches the configuration,
// sends each operation to the group that owns the key's shard and, on
// CodeWrongGroup, refreshes the configuration and tries again. Like
// pkg/kv's Clerk it numbers its operations, sends one at a time and
// repeats the same number until it learns the outcome, so each takes
// effect exactly once, even when it is retried on another group after the
// shard moved (the shard's deduplication table moves with it). Safe for
// concurrent use; operations are serialized, so use one Clerk per
// concurrent client.
type Clerk struct {
	ctl      *shardctl.Controller
	dial     func(addr string) raft.Peer
	clientID int64
	policy   retry.Policy

	mu      sync.Mutex
	seq     int64
	config  shardctl.Config
	stale   bool                 // refresh config before the next attempt
	peers   map[string]raft.Peer // by address, dialed once
	leaders map[int]int          // group ID -> index of the server to try first
}

// NewClerk returns a clerk that learns configurations from ctl and reaches
// servers through dial. Its client ID is drawn from rng (nil: random).
// policy shapes the waits between attempts; its MaxAttempts is ignored,
// since a clerk retries until its context ends.
func NewClerk(ctl *shardctl.Controller, dial func(addr string) raft.Peer, rng *rand.Rand, policy retry.Policy) *Clerk {
	if rng == nil {
		rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	ck := &Clerk{ctl: ctl, dial: dial, clientID: rng.Int64N(1<<62) + 1, policy: policy,
		stale: true, peers: make(map[string]raft.Peer), leaders: make(map[int]int)}
	ck.policy.MaxAttempts = -1
	if ck.policy.BaseDelay == 0 {
		ck.policy.BaseDelay = 10 * time.Millisecond
	}
	if ck.policy.MaxDelay == 0 {
		ck.policy.MaxDelay = 100 * time.Millisecond
	}
	return ck
}

// Get returns key's value, or kv.ErrNotFound.
func (ck *Clerk) Get(ctx context.Context, key string) (kv.Value, error) {
	return value(ck.do(ctx, "Get", kv.Request{Key: key}))
}

// Put sets key to value.
func (ck *Clerk) Put(ctx context.Context, key, val string) (kv.Value, error) {
	return value(ck.do(ctx, "Put", kv.Request{Key: key, Value: val}))
}

// Append appends val to key's value, creating the key if absent.
func (ck *Clerk) Append(ctx context.Context, key, val string) (kv.Value, error) {
	return value(ck.do(ctx, "Append", kv.Request{Key: key, Value: val}))
}

// CompareAndSwap sets key to val if its version is version (0: absent), or
// fails with kv.ErrVersionMismatch and the current value and version.
func (ck *Clerk) CompareAndSwap(ctx context.Context, key string, version int64, val string) (kv.Value, error) {
	return value(ck.do(ctx, "CompareAndSwap", kv.Request{Key: key, Version: version, Value: val}))
}

// Delete removes key, or fails with kv.ErrNotFound.
func (ck *Clerk) Delete(ctx context.Context, key string) error {
	_, err := value(ck.do(ctx, "Delete", kv.Request{Key: key}))
	return err
}

// Config returns the configuration the clerk last learned.
func (ck *Clerk) Config() shardctl.Config {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	return ck.config.Clone()
}

// do sends one numbered operation until a group that owns the key applies
// it. It gives up only when ctx ends, and then says the outcome is unknown.
func (ck *Clerk) do(ctx context.Context, method string, req kv.Request) (kv.Result, error) {
	if len(req.Key) > kv.MaxKeySize || len(req.Value) > kv.MaxValueSize {
		return kv.Result{}, fmt.Errorf("shardkv: %s: %w", method, kv.ErrTooLarge)
	}
	ck.mu.Lock()
	defer ck.mu.Unlock()
	ck.seq++
	req.ClientID, req.Seq = ck.clientID, ck.seq
	shard := shardctl.Key2Shard(req.Key)

	var result kv.Result
	err := retry.Do(ctx, ck.policy, func(ctx context.Context) error {
		if ck.stale {
			cfg, err := ck.ctl.Query(ctx, -1)
			if err != nil {
				return err
			}
			ck.config, ck.stale = cfg, false
		}
		gid := ck.config.Shards[shard]
		servers := ck.config.Groups[gid]
		if len(servers) == 0 {
			ck.stale = true // no group yet: wait for a Join
			return fmt.Errorf("%w: shard %d has no group in config %d", errRoute, shard, ck.config.Num)
		}
		// One round over the group's servers, starting with the one that
		// answered last time. Errors, timeouts and "not the leader" leave
		// the outcome unknown, so the same Seq goes to the next server.
		first := ck.leaders[gid] % len(servers)
		for i := range servers {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			idx := (first + i) % len(servers)
			var reply kv.Reply
			err := ck.peer(servers[idx]).Call("ShardKV."+method, &req, &reply)
			switch {
			case err != nil || reply.Code == kv.CodeWrongLeader || reply.Code == kv.CodeTimeout:
				continue
			case reply.Code == CodeWrongGroup || reply.Code == CodeMigrating:
				// The shard moved or is still arriving: nothing was
				// applied. Refresh and try again after a pause.
				ck.leaders[gid], ck.stale = idx, true
				return fmt.Errorf("%w: group %d said %q", errRoute, gid, reply.Code)
			default:
				ck.leaders[gid] = idx
				result = reply.Result
				return nil
			}
		}
		ck.stale = true // the whole group failed: perhaps it left
		return fmt.Errorf("%w: no leader in group %d", errRoute, gid)
	})
	if err != nil {
		return kv.Result{}, fmt.Errorf("shardkv: %s %q: outcome unknown: %w", method, req.Key, err)
	}
	return result, nil
}

// peer returns the client for addr, dialing it once. Call with ck.mu held.
func (ck *Clerk) peer(addr string) raft.Peer {
	p, ok := ck.peers[addr]
	if !ok {
		p = ck.dial(addr)
		ck.peers[addr] = p
	}
	return p
}

func value(r kv.Result, err error) (kv.Value, error) {
	if err != nil {
		return kv.Value{}, err
	}
	return kv.Value{Value: r.Value, Version: r.Version, Revision: r.Revision}, r.Err()
}
