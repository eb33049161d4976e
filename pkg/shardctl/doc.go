// Package shardctl is the shard controller of the sharded key-value store
// (pkg/shardkv): it keeps numbered configurations, each saying which
// replica group owns each of NShards shards and which servers make up each
// group, and changes them with Join, Leave and Move.
//
// # Who talks to whom
//
//	operator ─Join/Leave/Move─▶ Controller ──CompareAndSwap──▶ pkg/kv cluster (Raft)
//	group leaders, clerks ─Query(n)─▶ Controller ──Get──────────▶      "
//
// # How it works
//
// The controller's replicated state machine is pkg/kv's, unchanged: a
// Controller is a client that stores configuration n under the key
// ConfigKey(n), as JSON. A change reads the latest configuration, computes
// the next one with the pure functions of rebalance.go ([Config.Join],
// [Config.Leave], [Config.Move]) and commits it with one compare-and-swap
// that creates ConfigKey(n+1) only if it does not exist yet. Of two
// operators changing configuration n at once, exactly one creates n+1;
// the other sees a version mismatch, reads n+1 and computes its change on
// top of it. So the configurations form one chain without gaps, each
// computed from its predecessor, and the kv store's sessions make each
// change happen once even when replies are lost.
//
// Why not a controller state machine of its own, in the log, as in MIT's
// 6.5840 lab? It would be a second copy of pkg/kv's server (apply loop,
// waiters, sessions, snapshots) for a state that changes a few times a day.
// Keeping the rules in a client over a linearizable store with
// compare-and-swap is how systems built on etcd or ZooKeeper do it, and it
// keeps the one rule that matters, "the next configuration is computed from
// the current one", in a single place. The price is that the rules run in
// every client that changes the configuration, so they must be
// deterministic: rebalance never ranges over a map without sorting.
//
// Rebalancing spreads the shards so that group sizes differ by at most
// one, and moves only the shards it must: those of leaving groups and those
// above a group's new target; the extra shard of an uneven split goes to
// the groups that already hold the most. Bad requests (joining a group
// twice, leaving an unknown group or every group, moving to an unknown
// group or an impossible shard) fail with a sentinel error and change
// nothing.
//
// Query(-1) reads a hint (LatestKey, the number of a recent configuration)
// and walks forward until a configuration is missing; configurations are
// created in order and every read is linearizable, so the result was the
// latest at some moment during the call.
//
// # Using it
//
//	ctl := shardctl.New(kv.NewClerk(controllerServers, nil, retry.Policy{}))
//	cfg, err := ctl.Join(ctx, map[int][]string{1: {"10.0.0.1:7001", "10.0.0.2:7001", "10.0.0.3:7001"}})
//	cfg, err = ctl.Move(ctx, 3, 1)
//	latest, err := ctl.Query(ctx, -1)
//	shard := shardctl.Key2Shard("user:42")
//
// # Reading order
//
//  1. config.go: Config, NShards, Key2Shard, the errors.
//  2. rebalance.go: Join, Leave, Move and the rebalancing rule.
//  3. controller.go: storing configurations with compare-and-swap; Query.
package shardctl
