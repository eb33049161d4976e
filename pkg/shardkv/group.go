// The group's state machine: the shards a group holds, the state of each,
// and how each kind of log entry changes them. Like pkg/kv's machine it is
// a pure function of the log: no clock, no randomness, no network. The
// server feeds it committed entries; the leader's migration loop
// (migrate.go) decides which entries to propose.

package shardkv

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"distkit/pkg/kv"
	"distkit/pkg/shardctl"
)

// ShardState is what a group is doing with one shard.
type ShardState uint8

// The life of a shard in a group. A shard arrives as Pulling (or Serving,
// when the previous owner was nobody), becomes Acking once its data is
// installed, and Serving once the previous owner has confirmed it deleted
// its copy. A shard that leaves becomes Leaving: frozen, served to nobody,
// kept until the new owner confirms it has the data, then Absent.
const (
	Absent  ShardState = iota // not ours, no data
	Serving                   // ours: clients are served
	Pulling                   // ours in the current configuration, data not here yet: clients wait
	Acking                    // ours and served; the old owner must still be told to delete its copy
	Leaving                   // not ours any more; data kept, frozen, until the new owner has it
)

var stateNames = [...]string{"absent", "serving", "pulling", "acking", "leaving"}

func (s ShardState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("ShardState(%d)", s)
}

// group is the replicated state of one replica group. Cur is the
// configuration the group has reached; Prev the one before, which names
// the group to pull each arriving shard from and to acknowledge to. A
// group moves to Cur.Num+1 only when every shard is Serving or Absent
// (settled), so Prev is all it needs to finish the current move.
type group struct {
	gid    int
	cur    shardctl.Config
	prev   shardctl.Config
	state  [shardctl.NShards]ShardState
	shards [shardctl.NShards]*kv.Machine // nil when Absent or Pulling
}

func newGroup(gid int) *group {
	return &group{gid: gid,
		cur:  shardctl.Config{Groups: map[int][]string{}},
		prev: shardctl.Config{Groups: map[int][]string{}}}
}

// applyOp runs a client's command on its shard, if this group serves the
// shard at this point of the log. The check happens here, at apply time,
// and not only when the request arrives: between the two the log may have
// moved the shard away.
func (g *group) applyOp(c kv.Command) kv.Result {
	s := shardctl.Key2Shard(c.Key)
	switch g.state[s] {
	case Serving, Acking:
		return g.shards[s].Apply(c)
	case Pulling:
		return kv.Result{Code: CodeMigrating}
	}
	return kv.Result{Code: CodeWrongGroup}
}

// settled reports whether every shard is Serving or Absent, so the group
// may move to its next configuration.
func (g *group) settled() bool {
	for _, st := range g.state {
		if st != Serving && st != Absent {
			return false
		}
	}
	return true
}

// applyConfig moves the group to next if next is the configuration after
// the current one and the group has settled; otherwise the entry is a
// duplicate or arrived early, and is ignored (the leader proposes it again
// when its time comes). Shards that stay put keep their state and keep
// serving: only the shards that change hands change state.
func (g *group) applyConfig(next shardctl.Config) bool {
	if next.Num != g.cur.Num+1 || !g.settled() {
		return false
	}
	for s := range shardctl.NShards {
		was, now := g.cur.Shards[s] == g.gid, next.Shards[s] == g.gid
		switch {
		case !was && now && g.cur.Shards[s] == 0:
			// Nobody owned it before: it has never held data.
			g.state[s], g.shards[s] = Serving, kv.NewMachine()
		case !was && now:
			g.state[s] = Pulling
		case was && !now:
			g.state[s] = Leaving
		}
	}
	g.prev, g.cur = g.cur, next.Clone()
	return true
}

// applyInstall puts the data of an arriving shard in place. Only the first
// install for the current configuration counts.
func (g *group) applyInstall(num, shard int, data []byte) error {
	if num != g.cur.Num || g.state[shard] != Pulling {
		return nil
	}
	m, err := kv.RestoreMachine(data)
	if err != nil {
		return fmt.Errorf("install shard %d of config %d: %w", shard, num, err)
	}
	g.state[shard], g.shards[shard] = Acking, m
	return nil
}

// applyDelete frees a Leaving shard once its new owner has it.
func (g *group) applyDelete(num, shard int) {
	if num == g.cur.Num && g.state[shard] == Leaving {
		g.state[shard], g.shards[shard] = Absent, nil
	}
}

// applyAcked records that the old owner of an arriving shard deleted its
// copy: nothing about this shard is pending any more.
func (g *group) applyAcked(num, shard int) {
	if num == g.cur.Num && g.state[shard] == Acking {
		g.state[shard] = Serving
	}
}

// groupSnapshot is the gob form of a group: the machines as their own
// snapshots, so a shard's bytes are the same here and on the wire.
type groupSnapshot struct {
	Cur, Prev shardctl.Config
	State     [shardctl.NShards]ShardState
	Shards    [shardctl.NShards][]byte
}

func (g *group) snapshot() ([]byte, error) {
	snap := groupSnapshot{Cur: g.cur, Prev: g.prev, State: g.state}
	for s, m := range g.shards {
		if m != nil {
			b, err := m.Snapshot()
			if err != nil {
				return nil, err
			}
			snap.Shards[s] = b
		}
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&snap); err != nil {
		return nil, fmt.Errorf("shardkv: encode snapshot: %w", err)
	}
	return buf.Bytes(), nil
}

func restoreGroup(gid int, data []byte) (*group, error) {
	var snap groupSnapshot
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&snap); err != nil {
		return nil, fmt.Errorf("shardkv: decode snapshot: %w", err)
	}
	g := newGroup(gid)
	g.cur, g.prev, g.state = snap.Cur, snap.Prev, snap.State
	if g.cur.Groups == nil { // gob leaves out empty maps
		g.cur.Groups = map[int][]string{}
	}
	if g.prev.Groups == nil {
		g.prev.Groups = map[int][]string{}
	}
	for s, b := range snap.Shards {
		hasData := g.state[s] == Serving || g.state[s] == Acking || g.state[s] == Leaving
		if hasData != (b != nil) || g.state[s] > Leaving {
			return nil, fmt.Errorf("shardkv: decode snapshot: shard %d is %v with %d bytes", s, g.state[s], len(b))
		}
		if b != nil {
			m, err := kv.RestoreMachine(b)
			if err != nil {
				return nil, fmt.Errorf("shardkv: snapshot shard %d: %w", s, err)
			}
			g.shards[s] = m
		}
	}
	return g, nil
}
