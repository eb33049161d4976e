// The Controller: configurations stored in a pkg/kv cluster, each created
// once with a compare-and-swap.

package shardctl

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"distkit/pkg/kv"
)

// Keys under which the controller keeps its state in the key-value store.
// Config n lives at ConfigKey(n) as JSON; LatestKey holds a hint, the number
// of a recent configuration, so Query(-1) need not walk from 1.
const (
	KeyPrefix = "shardctl/"
	LatestKey = KeyPrefix + "latest"
)

// ConfigKey returns the key that holds configuration n.
func ConfigKey(n int) string { return KeyPrefix + "config/" + strconv.Itoa(n) }

// Controller reads and changes the configurations. It is a client: the
// replicated state lives in the pkg/kv cluster its Clerk talks to, and the
// controller's rules (rebalance.go) run wherever a Controller runs, which is
// safe because they are deterministic and every change commits with a
// compare-and-swap. Safe for concurrent use; the Clerk serializes calls.
type Controller struct {
	ck *kv.Clerk
}

// New returns a controller that keeps its configurations in the cluster
// behind ck. Give each process (each group server, each sharded clerk) a
// Controller with a Clerk of its own, so their requests are not serialized
// behind one another.
func New(ck *kv.Clerk) *Controller { return &Controller{ck: ck} }

// Query returns configuration n; n < 0 asks for the latest. Config 0 (no
// groups) always exists. A number past the latest fails with ErrNoConfig,
// which is how a group learns that there is no next configuration yet.
func (c *Controller) Query(ctx context.Context, n int) (Config, error) {
	if n == 0 {
		return Config{Groups: map[int][]string{}}, nil
	}
	if n > 0 {
		return c.get(ctx, n)
	}
	return c.latest(ctx)
}

// Join adds groups (ID -> server addresses) and rebalances. It returns the
// new configuration, or an error wrapping ErrGroupExists or ErrBadGroup.
func (c *Controller) Join(ctx context.Context, groups map[int][]string) (Config, error) {
	return c.change(ctx, func(cur Config) (Config, error) { return cur.Join(groups) })
}

// Leave removes groups and hands their shards to the others. It returns the
// new configuration, or an error wrapping ErrNoGroup or ErrLastGroup.
func (c *Controller) Leave(ctx context.Context, gids ...int) (Config, error) {
	return c.change(ctx, func(cur Config) (Config, error) { return cur.Leave(gids...) })
}

// Move gives shard to group gid. It returns the new configuration, or an
// error wrapping ErrBadShard or ErrNoGroup.
func (c *Controller) Move(ctx context.Context, shard, gid int) (Config, error) {
	return c.change(ctx, func(cur Config) (Config, error) { return cur.Move(shard, gid) })
}

// change commits next(latest) as configuration latest.Num+1. The commit is
// a compare-and-swap that creates the key ConfigKey(latest.Num+1) only if
// it does not exist (version 0), so of two controllers changing the same
// configuration at once exactly one wins; the other reads the winner's
// configuration and computes its change again on top of it. That keeps the
// numbered configurations a single chain with no gaps, each one computed
// from its predecessor.
func (c *Controller) change(ctx context.Context, next func(Config) (Config, error)) (Config, error) {
	for {
		cur, err := c.latest(ctx)
		if err != nil {
			return Config{}, err
		}
		cfg, err := next(cur)
		if err != nil {
			return Config{}, err // bad input: asking again cannot help
		}
		_, err = c.ck.CompareAndSwap(ctx, ConfigKey(cfg.Num), 0, encodeConfig(cfg), 0)
		if errors.Is(err, kv.ErrVersionMismatch) {
			continue // another change took this number first
		}
		if err != nil {
			return Config{}, fmt.Errorf("shardctl: store config %d: %w", cfg.Num, err)
		}
		// The hint only saves Query steps, so a plain Put will do: a late
		// one that sets it back makes Query walk a little further, never
		// answer wrong.
		if _, err := c.ck.Put(ctx, LatestKey, strconv.Itoa(cfg.Num)); err != nil {
			return Config{}, fmt.Errorf("shardctl: config %d stored, hint not updated: %w", cfg.Num, err)
		}
		return cfg, nil
	}
}

// latest reads the hint and walks forward until a configuration is
// missing. Configurations are created in order with no gaps, and each read
// is linearizable, so the walk ends at a configuration that was the latest
// at some moment during the call, no older than any created before it.
func (c *Controller) latest(ctx context.Context) (Config, error) {
	n := 0
	v, err := c.ck.Get(ctx, LatestKey)
	switch {
	case err == nil:
		if n, err = strconv.Atoi(v.Value); err != nil || n < 0 {
			return Config{}, fmt.Errorf("shardctl: bad hint %q at %s", v.Value, LatestKey)
		}
	case !errors.Is(err, kv.ErrNotFound):
		return Config{}, fmt.Errorf("shardctl: read %s: %w", LatestKey, err)
	}
	cur, err := c.Query(ctx, n)
	if err != nil {
		return Config{}, err
	}
	for {
		next, err := c.get(ctx, cur.Num+1)
		if errors.Is(err, ErrNoConfig) {
			return cur, nil
		}
		if err != nil {
			return Config{}, err
		}
		cur = next
	}
}

// get reads configuration n > 0.
func (c *Controller) get(ctx context.Context, n int) (Config, error) {
	v, err := c.ck.Get(ctx, ConfigKey(n))
	if errors.Is(err, kv.ErrNotFound) {
		return Config{}, fmt.Errorf("shardctl: query %d: %w", n, ErrNoConfig)
	}
	if err != nil {
		return Config{}, fmt.Errorf("shardctl: query %d: %w", n, err)
	}
	cfg, err := decodeConfig(v.Value)
	if err != nil {
		return Config{}, err
	}
	if cfg.Num != n {
		return Config{}, fmt.Errorf("shardctl: %s holds config %d", ConfigKey(n), cfg.Num)
	}
	return cfg, nil
}
