// Configurations: which group owns each shard, and which servers make up
// each group.

package shardctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
)

// NShards is the fixed number of shards. Keys hash to shards, never
// directly to groups, so adding a group moves whole shards (a tenth of the
// keys each) instead of rehashing every key.
const NShards = 16

// Config is one numbered configuration. Config 0 has no groups and every
// shard assigned to group 0, which means "nobody": it is the state before
// the first Join. A Config is a plain value; Clone before changing one that
// others may read.
type Config struct {
	Num    int              // configuration number, counting from 0
	Shards [NShards]int     // shard -> group ID (0: unassigned)
	Groups map[int][]string // group ID -> the addresses of its servers
}

// Errors for requests the controller refuses. The Controller's methods wrap
// them with the offending input.
var (
	ErrGroupExists = errors.New("shardctl: group already joined")
	ErrNoGroup     = errors.New("shardctl: no such group")
	ErrBadShard    = errors.New("shardctl: no such shard")
	ErrBadGroup    = errors.New("shardctl: invalid group")
	ErrLastGroup   = errors.New("shardctl: cannot remove every group (the shards' data would have nowhere to go)")
	ErrNoConfig    = errors.New("shardctl: no such configuration")
)

// Key2Shard returns the shard that key belongs to: FNV-1a of the key,
// modulo NShards. Every client and server must agree on it.
func Key2Shard(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % NShards)
}

// Clone returns a deep copy of c.
func (c Config) Clone() Config {
	out := c
	out.Groups = make(map[int][]string, len(c.Groups))
	for gid, servers := range c.Groups {
		out.Groups[gid] = slices.Clone(servers)
	}
	return out
}

// GIDs returns the IDs of c's groups in increasing order.
func (c Config) GIDs() []int {
	gids := make([]int, 0, len(c.Groups))
	for gid := range c.Groups {
		gids = append(gids, gid)
	}
	slices.Sort(gids)
	return gids
}

// ShardsOf returns the shards group gid owns in c, in increasing order.
func (c Config) ShardsOf(gid int) []int {
	var shards []int
	for s, g := range c.Shards {
		if g == gid {
			shards = append(shards, s)
		}
	}
	return shards
}

// String describes c on one line, for logs and demos:
// "config 3: shards [1 1 1 2 2 2 3 3 3 1] groups 1,2,3".
func (c Config) String() string {
	return fmt.Sprintf("config %d: shards %v groups %v", c.Num, c.Shards, c.GIDs())
}

// validate checks a configuration decoded from storage: every shard is
// unassigned or owned by a group that has servers.
func (c Config) validate() error {
	if c.Num < 0 {
		return fmt.Errorf("negative number %d", c.Num)
	}
	for gid, servers := range c.Groups {
		if gid <= 0 || len(servers) == 0 {
			return fmt.Errorf("group %d with %d servers", gid, len(servers))
		}
	}
	for s, gid := range c.Shards {
		if _, ok := c.Groups[gid]; gid != 0 && !ok {
			return fmt.Errorf("shard %d owned by unknown group %d", s, gid)
		}
	}
	return nil
}

// encodeConfig and decodeConfig store configurations as JSON, so that
// `kvctl get shardctl/config/3` shows one readably.
func encodeConfig(c Config) string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("shardctl: encode config: %v", err)) // a Config always encodes
	}
	return string(b)
}

func decodeConfig(s string) (Config, error) {
	var c Config
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Config{}, fmt.Errorf("shardctl: decode config: %w", err)
	}
	if c.Groups == nil {
		c.Groups = map[int][]string{}
	}
	if err := c.validate(); err != nil {
		return Config{}, fmt.Errorf("shardctl: decode config: %w", err)
	}
	return c, nil
}
