package shardctl

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

func servers(gid int) []string { return []string{fmt.Sprintf("g%d-0", gid)} }

func joined(t *testing.T, gids ...int) Config {
	t.Helper()
	c := Config{Groups: map[int][]string{}}
	for _, gid := range gids {
		var err error
		if c, err = c.Join(map[int][]string{gid: servers(gid)}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestRebalance_Table(t *testing.T) {
	tests := []struct {
		name   string
		change func(Config) (Config, error)
		from   []int // groups joined one by one first
		want   [NShards]int
	}{
		{"first group takes everything", nil, []int{1},
			[NShards]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"second group takes the upper half", nil, []int{1, 2},
			[NShards]int{1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2}},
		{"third group takes from both", nil, []int{1, 2, 3},
			[NShards]int{1, 1, 1, 1, 1, 1, 3, 3, 2, 2, 2, 2, 2, 3, 3, 3}},
		{"a leaving group's shards fill the others",
			func(c Config) (Config, error) { return c.Leave(2) }, []int{1, 2, 3},
			[NShards]int{1, 1, 1, 1, 1, 1, 3, 3, 1, 1, 3, 3, 3, 3, 3, 3}},
		{"move overrides one shard",
			func(c Config) (Config, error) { return c.Move(0, 2) }, []int{1, 2},
			[NShards]int{2, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := joined(t, tt.from...)
			if tt.change != nil {
				var err error
				if c, err = tt.change(c); err != nil {
					t.Fatal(err)
				}
			}
			if c.Shards != tt.want {
				t.Errorf("groups %v then change: got shards %v, want %v", tt.from, c.Shards, tt.want)
			}
		})
	}
}

func TestRebalance_BadInput(t *testing.T) {
	c := joined(t, 1, 2)
	tests := []struct {
		name   string
		change func() (Config, error)
		want   error
	}{
		{"join an existing group", func() (Config, error) { return c.Join(map[int][]string{1: servers(1)}) }, ErrGroupExists},
		{"join group 0", func() (Config, error) { return c.Join(map[int][]string{0: servers(0)}) }, ErrBadGroup},
		{"join without servers", func() (Config, error) { return c.Join(map[int][]string{3: nil}) }, ErrBadGroup},
		{"leave an unknown group", func() (Config, error) { return c.Leave(7) }, ErrNoGroup},
		{"leave every group", func() (Config, error) { return c.Leave(1, 2) }, ErrLastGroup},
		{"move to an unknown group", func() (Config, error) { return c.Move(3, 9) }, ErrNoGroup},
		{"move a shard out of range", func() (Config, error) { return c.Move(NShards, 1) }, ErrBadShard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.change()
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want an error wrapping %v", err, tt.want)
			}
		})
	}
}

// TestRebalance_EvenAndMinimal checks the two promises over random
// sequences of joins and leaves: the shard counts of any two groups differ
// by at most one, and a change moves only the shards it must (those of
// leaving groups, plus those above the new targets).
func TestRebalance_EvenAndMinimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	c := Config{Groups: map[int][]string{}}
	for step := range 500 {
		var next Config
		var err error
		gid := 1 + rng.IntN(20)
		if _, in := c.Groups[gid]; in {
			next, err = c.Leave(gid)
		} else {
			next, err = c.Join(map[int][]string{gid: servers(gid)})
		}
		if errors.Is(err, ErrLastGroup) {
			continue
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		counts := map[int]int{}
		for _, g := range next.Shards {
			counts[g]++
		}
		lo, hi := NShards, 0
		for g := range next.Groups {
			lo, hi = min(lo, counts[g]), max(hi, counts[g])
		}
		if hi-lo > 1 {
			t.Fatalf("step %d: %v is uneven (%d to %d shards)", step, next, lo, hi)
		}
		// The least any even assignment can move: every shard of a
		// group that left, plus whatever remaining groups hold above
		// the most they may keep.
		must := 0
		held := map[int]int{}
		for _, g := range c.Shards {
			if _, ok := next.Groups[g]; !ok {
				must++
			} else {
				held[g]++
			}
		}
		n := len(next.Groups)
		extra := NShards % n
		// Groups that may keep base+1: the extra places go to the largest.
		over := 0
		var sizes []int
		for g := range next.Groups {
			sizes = append(sizes, held[g])
		}
		sortDesc(sizes)
		for i, h := range sizes {
			target := NShards / n
			if i < extra {
				target++
			}
			over += max(0, h-target)
		}
		must += over
		moved := 0
		for s := range NShards {
			if c.Shards[s] != next.Shards[s] {
				moved++
			}
		}
		if moved != must {
			t.Fatalf("step %d: %v -> %v moved %d shards, want %d", step, c, next, moved, must)
		}
		c = next
	}
}

func sortDesc(xs []int) {
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			if xs[j] > xs[i] {
				xs[i], xs[j] = xs[j], xs[i]
			}
		}
	}
}
