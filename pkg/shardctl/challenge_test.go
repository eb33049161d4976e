//go:build challenge

package shardctl

import "testing"

// CHALLENGES.md, "Weighted groups".
func TestChallenge_WeightedGroups(t *testing.T) {
	c := Config{Groups: map[int][]string{}}
	c, err := c.Join(map[int][]string{1: {"a"}, 2: {"b", "c", "d"}})
	if err != nil {
		t.Fatal(err)
	}
	if got1, got2 := len(c.ShardsOf(1)), len(c.ShardsOf(2)); got1 != 4 || got2 != 12 {
		t.Fatalf("groups with 1 and 3 servers: got %d and %d shards, want 4 and 12", got1, got2)
	}
	c, err = c.Join(map[int][]string{3: {"e", "f", "g", "h"}})
	if err != nil {
		t.Fatal(err)
	}
	got := [3]int{len(c.ShardsOf(1)), len(c.ShardsOf(2)), len(c.ShardsOf(3))}
	if got != [3]int{2, 6, 8} {
		t.Fatalf("groups with 1, 3 and 4 servers: got %v shards, want [2 6 8]", got)
	}
	// Still minimal: the new group's 8 shards are the only ones that moved.
	moved := 0
	for s := range NShards {
		if c.Shards[s] == 3 {
			moved++
		}
	}
	if moved != 8 {
		t.Fatalf("got %d shards on group 3, want 8", moved)
	}
}
