// Package coord builds coordination recipes on the public API of pkg/kv: a
// distributed lock with fencing tokens ([Mutex]), the storage-side check that
// makes those tokens useful ([FencedStore]), and leader election for clients
// ([Election]).
//
// # What a coordination service is for
//
// Many processes sometimes need to agree on one small thing: which of them
// runs the nightly job, which replica is the primary, who may write a file
// right now. Agreeing is the hard part of distributed systems, so rather than
// have every service run its own consensus, a few small replicated stores do
// it for everyone: Google's Chubby, ZooKeeper and etcd. They hold little data,
// but every write is linearizable, they offer compare-and-swap, and they tie
// keys to sessions (leases) that end when a client stops sending heartbeats.
// pkg/kv is such a store, and every recipe here uses only its public Clerk.
//
// # How it works
//
// A lock is a key. To take it, a client grants itself a lease and creates the
// key with CompareAndSwap at version 0 ("only if absent"), attached to the
// lease. The store applies commands one at a time, so of many clients trying
// at once exactly one creates the key; the others back off (pkg/retry, full
// jitter) and try again. The holder renews its lease every ttl/3 from a
// goroutine. To unlock, it revokes the lease, which deletes the key. If the
// holder crashes, nobody renews the lease, and about ttl later the store
// deletes the key by itself: a lease-based lock cannot be lost forever.
//
//	client A                      kv cluster                      client B
//	Grant(ttl) ───────────────▶ lease 7
//	CAS(lock/job, 0, "7", 7) ─▶ created at revision 12 ──▶ token 12
//	KeepAlive(7) every ttl/3 ─▶                          ◀── CAS(lock/job, 0, ...) mismatch: wait, retry
//	Revoke(7) ────────────────▶ key deleted              ◀── CAS ... created at revision 15: token 15
//
// An election is the same recipe: the winner's key holds its value, and
// Election.Leader reads it.
//
// # The failure mode: a lock is only as safe as the pause it can survive
//
// A lease is a promise about time, and a process cannot see its own pauses.
// A holder can check that it still holds the lock, then stop for longer than
// its lease (a stop-the-world garbage collection, a swapped-out page, a VM
// migration, a packet stuck in a queue), then write, certain it still holds
// the lock. Meanwhile the lease lapsed and another client took the lock and
// wrote. Both wrote "under the lock". Checking [Mutex.Lost] before every write
// narrows the window but cannot close it: the pause can fall between the
// check and the write. `go run ./rpcdemo/lock` plays exactly this.
//
// # Fencing tokens
//
// The fix (Martin Kleppmann, "How to do distributed locking", 2016) moves the
// last check to where the write lands. Each grant of the lock comes with a
// number that grows with every grant; the client sends it with each write, and
// the storage refuses any number lower than the highest it has seen. The
// paused client's number is older than its successor's, so its late write is
// refused instead of silently overwriting the newer one. Kleppmann's point
// is that the lock service alone can't provide safety, because nothing
// it does reaches a client that is asleep; and that a lock without such a
// token (his example is Redlock, which takes its timing on trust) leaves
// correctness to luck about pauses and clocks.
//
// Here the token is the store revision of the write that created the lock
// key. The revision counts every write to the whole store and never goes
// back, since it is part of the replicated state that every replica applies
// in log order. A new holder can only create the key after the old holder's
// key was deleted (by Unlock or by the lease lapsing, itself a write), and
// its own create comes later still, so its revision is strictly higher:
// tokens strictly increase from one holder to the next, even across leader
// changes of the kv cluster. [FencedStore] is the storage side of the deal.
//
// # The same ideas elsewhere
//
//   - Chubby calls the token a sequencer: the lock holder passes it to
//     servers, which check it with Chubby or against the last one seen.
//   - ZooKeeper's lock recipe creates an ephemeral sequential node tied to
//     the session; the node's zxid or sequence number serves as the token,
//     and each waiter watches only its predecessor, so waiters are served in
//     order without a thundering herd.
//   - etcd's concurrency package (Mutex, Election) works like this package,
//     with two differences: waiters watch the key instead of polling, and the
//     lock key carries the lease ID under a shared prefix, ordered by create
//     revision, so the lock is fair. The holder's create revision is the
//     token.
//
// This package polls because pkg/kv has no watch: each poll is a Raft log
// entry, and a waiter learns of a release up to Backoff.MaxDelay late (ttl/4
// by default). See Election.Observe for the cost.
//
// # Using it
//
//	m := coord.NewMutex(ck, "nightly-report", 10*time.Second)
//	token, err := m.Lock(ctx)
//	if err != nil { ... }
//	defer m.Unlock(ctx)
//	select {
//	case <-m.Lost():
//		return errors.New("lock lost")
//	default:
//	}
//	err = storage.Write(token, "report", data) // the storage checks the token
//
//	e := coord.NewElection(ck, "scheduler", 5*time.Second)
//	if err := e.Campaign(ctx, "node-3:8080"); err != nil { ... }
//	// lead until <-e.Lost(), then e.Resign(ctx)
//	for leader := range e.Observe(ctx) { fmt.Println("leader is", leader) }
//
// # Reading order
//
//  1. session.go: the lease, the keepalive goroutine and when it gives up;
//     acquire, the wait-and-create loop both recipes use.
//  2. mutex.go: the lock and its token.
//  3. fence.go: the storage that checks tokens.
//  4. election.go: leader election and the polling observer.
//  5. mutex_test.go and election_test.go: each failure told as a test, on a
//     simulated network in virtual time.
package coord
