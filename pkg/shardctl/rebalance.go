// Rebalancing: the pure functions that compute the next configuration.
// They take the latest configuration and a request and return the next
// one, or an error for bad input. The Controller only stores what they
// return, so every rule about where shards go lives in this file and is
// tested without a cluster.

package shardctl

import (
	"fmt"
	"slices"
)

// Join returns the configuration after groups (ID -> servers) join c:
// number c.Num+1, shards rebalanced. A group ID that is already in c, not
// positive, or without servers is refused.
func (c Config) Join(groups map[int][]string) (Config, error) {
	if len(groups) == 0 {
		return Config{}, fmt.Errorf("join: no groups given: %w", ErrBadGroup)
	}
	next := c.Clone()
	next.Num++
	for gid, servers := range groups {
		if gid <= 0 {
			return Config{}, fmt.Errorf("join group %d: IDs start at 1: %w", gid, ErrBadGroup)
		}
		if len(servers) == 0 {
			return Config{}, fmt.Errorf("join group %d: no servers: %w", gid, ErrBadGroup)
		}
		if _, ok := c.Groups[gid]; ok {
			return Config{}, fmt.Errorf("join group %d: %w", gid, ErrGroupExists)
		}
		next.Groups[gid] = slices.Clone(servers)
	}
	next.rebalance()
	return next, nil
}

// Leave returns the configuration after groups gids leave c: their shards
// go to the remaining groups. An unknown ID is refused, and so is removing
// every group, since the shards' data would have no group to move to.
func (c Config) Leave(gids ...int) (Config, error) {
	if len(gids) == 0 {
		return Config{}, fmt.Errorf("leave: no groups given: %w", ErrBadGroup)
	}
	next := c.Clone()
	next.Num++
	for _, gid := range gids {
		if _, ok := next.Groups[gid]; !ok {
			return Config{}, fmt.Errorf("leave group %d: %w", gid, ErrNoGroup)
		}
		delete(next.Groups, gid)
	}
	if len(next.Groups) == 0 {
		return Config{}, fmt.Errorf("leave groups %v: %w", gids, ErrLastGroup)
	}
	for s, gid := range next.Shards {
		if _, ok := next.Groups[gid]; !ok {
			next.Shards[s] = 0 // orphaned: rebalance hands it out
		}
	}
	next.rebalance()
	return next, nil
}

// Move returns the configuration with shard given to group gid, nothing
// else changed: an operator's override, kept until the next Join or Leave
// rebalances.
func (c Config) Move(shard, gid int) (Config, error) {
	if shard < 0 || shard >= NShards {
		return Config{}, fmt.Errorf("move shard %d (0 to %d): %w", shard, NShards-1, ErrBadShard)
	}
	if _, ok := c.Groups[gid]; !ok {
		return Config{}, fmt.Errorf("move shard %d to group %d: %w", shard, gid, ErrNoGroup)
	}
	next := c.Clone()
	next.Num++
	next.Shards[shard] = gid
	return next, nil
}

// rebalance spreads the shards as evenly as possible over c's groups and
// moves as few as it can. With n groups each gets NShards/n shards, and
// NShards%n of them get one more; those extra places go to the groups that
// already hold the most shards (ties to the lower ID), since giving them to
// anyone else would make a full group give a shard away for nothing. Then
// every group over its target gives up its highest-numbered extra shards,
// and the freed and orphaned shards, lowest number first, fill the groups
// under target in the same order. Only orphaned shards and shards above a
// target move, which is the least any even assignment can move. Everything
// is sorted, never ranged over a map, so every caller computes the same
// configuration.
func (c *Config) rebalance() {
	gids := c.GIDs()
	if len(gids) == 0 {
		c.Shards = [NShards]int{}
		return
	}
	owned := make(map[int][]int, len(gids)) // gid -> its shards, increasing
	var free []int
	for s, gid := range c.Shards {
		if _, ok := c.Groups[gid]; ok {
			owned[gid] = append(owned[gid], s)
		} else {
			free = append(free, s)
		}
	}
	slices.SortStableFunc(gids, func(a, b int) int { return len(owned[b]) - len(owned[a]) })
	target := make(map[int]int, len(gids))
	for i, gid := range gids {
		target[gid] = NShards / len(gids)
		if i < NShards%len(gids) {
			target[gid]++
		}
	}
	for _, gid := range gids {
		if extra := len(owned[gid]) - target[gid]; extra > 0 {
			keep := len(owned[gid]) - extra
			free = append(free, owned[gid][keep:]...)
			owned[gid] = owned[gid][:keep]
		}
	}
	slices.Sort(free)
	for _, gid := range gids {
		for len(owned[gid]) < target[gid] {
			c.Shards[free[0]] = gid
			owned[gid] = append(owned[gid], free[0])
			free = free[1:]
		}
	}
	// Here every shard has an owner and free is empty: the targets add
	// up to NShards.
}
