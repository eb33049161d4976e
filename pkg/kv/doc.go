// Package kv is a replicated, linearizable key-value store built on
// pkg/raft: the classic first service to put on a consensus log, and the
// base for the coordination recipes (locks, leader election) and the
// sharded store that build on it.
//
// # Who talks to whom
//
//	Clerk ──KV.Put──▶ Server (leader) ──Start──▶ raft.Node ──AppendEntries──▶ followers
//	  ▲                    │                         │
//	  └──────Reply─────────┘◀── apply loop ◀─ApplyMsg┘  (every replica applies every entry)
//
// A [Clerk] sends each operation to the server it believes leads. The
// server turns a write into a [Command], hands it to Raft and waits until
// the entry comes back on the apply channel, committed; then every replica
// applies it to its state machine, and the leader answers the waiting clerk
// with the result. A Get takes the shorter path of ReadIndex (below): no
// entry, one confirmation round shared with every other Get in flight.
//
// # Guarantees, and how each is kept
//
// Linearizable operations. Every write is an entry in the log, so the order
// of the log is the order of the writes. A Get needs no entry: the leader
// serves it with ReadIndex (Raft thesis §6.4, [raft.Node.ReadIndex]). It
// notes its commit index, confirms it still leads with one round of
// AppendEntries acknowledged by a majority in its term, waits until its
// state machine has applied that index and then reads locally. A leader
// that answered from its memory without the round could have been deposed
// without knowing it and serve stale data; with the round, a deposed leader
// cut off from the majority answers nothing. All the Gets that arrive
// while a round is being prepared share it, and under load they ride on
// the AppendEntries the leader sends anyway. Two cases still go through the
// log: a new leader's first reads, until it has committed an entry of its
// own term (before that its commit index may lag behind its predecessor's),
// and a read of a key whose lease has run out by the leader's clock but not
// yet by the state machine's (see leases below).
//
// Exactly-once effects. Replies get lost and leaders change, so the clerk
// retries, and a retried Append must not append twice. Each clerk has a
// random client ID and numbers its operations; it sends one at a time and
// repeats the same number until it learns the outcome. The state machine
// remembers, for each client, the last number applied and its result, and
// answers a repeat from that memory. This session table is part of every
// snapshot, so it survives crashes and reaches followers that install a
// snapshot. It keeps one entry per client ever seen: production systems
// expire sessions, which needs care (the expiry must be decided by log
// time, not a replica's clock).
//
// Never a wrong answer. A clerk whose request timed out does not know
// whether it took effect; it keeps retrying the same numbered request, on
// every server in turn, until some leader answers, or until the caller's
// context ends, in which case the error says the outcome is unknown.
//
// Leases without clocks. A lease keeps keys alive for a time to live and
// is renewed with KeepAlive. Replicas must agree on the moment it expires,
// so the state machine never reads a clock: the leader stamps each command
// with its clock when it proposes it ([Command].Now), the machine's clock is
// the largest stamp applied so far, and a leader with live leases proposes
// a Tick now and then so that time moves without client traffic. A new
// leader's clock may be behind; the machine's clock never goes back. A Get
// served with ReadIndex reads without moving the machine's clock, so a key
// whose lease the leader's clock says has run out is read through the log
// instead, where the Get's own stamp expires the lease first.
//
// Bounded log. With [Config].MaxRaftState set, a server snapshots its state
// once that many bytes of commands have been applied since the last
// snapshot, and Raft drops the log up to that point.
//
// # Using it
//
//	srv, err := kv.NewServer(kv.Config{Raft: raft.Config{ID: 1, Peers: peers, Storage: st}})
//	rpcServer := rpc.NewServer()
//	srv.Register(rpcServer) // serves "KV" and "Raft"
//
//	ck := kv.NewClerk(map[int]raft.Peer{1: raft.DialPeer(addr1, time.Second), ...}, nil, retry.Policy{})
//	ck.Put(ctx, "x", "1")
//	v, err := ck.Get(ctx, "x")
//
// # Figures
//
// Measured on 2 cores on 2026-11-29 through 64 clerks against three
// servers in one process over net/rpc on 127.0.0.1 (half Gets, half Puts
// of 16-byte values on 1,000 keys, in-memory Raft storage):
//
//	go test -run '^$' -bench Clerk_RPC -benchtime 3s -count 5 ./pkg/kv
//
// 66,000 to 73,000 operations per second on an otherwise idle machine,
// 45,000 to 61,000 while other jobs ran (target: 50,000). Two steps got it
// there, each measured by alternating two test binaries:
//
//   - ReadIndex took the Gets off the log: from 35,500-39,900 to
//     43,000-43,500, and CPU per operation from about 49 to 44 µs.
//   - The rest was net/rpc itself. Its gob codec makes one write system
//     call per message, and the 64 clerks share one connection per
//     server, so a burst of 64 replies was 64 writes. pkg/raft's codec
//     (codec.go) writes the same bytes through one flusher goroutine per
//     connection, as much as has piled up per system call: from
//     33,000-34,300 to 45,100-46,000 back to back on a busier machine.
//
// Raft itself adds only about 0.15 AppendEntries per operation, thanks to
// batching.
//
// # Reading order
//
//  1. command.go: what goes into the log, and its encoding.
//  2. machine.go: the state machine, deduplication and leases.
//  3. server.go: RPC handlers, the apply loop, snapshots.
//  4. read.go: Gets with ReadIndex.
//  5. lifecycle.go: draining and stopping a server, and its status.
//  6. clerk.go: the client and its retry loop.
//  7. shard.go: what the sharded store (pkg/shardkv) needs from this one.
package kv
