package raft

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// A leader cut off from its majority still believes it leads (this package
// has no CheckQuorum), but it must not confirm a read: the majority may
// have elected a successor that commits writes the old leader never sees.
func TestReadIndex_DeposedLeaderConfirmsNoRead(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newCluster(t, 5, seed)
		defer c.cleanup()
		c.one(cmd("a"), 5, false)
		old := c.checkOneLeader()

		// Partition the leader with one follower: the two are a minority.
		buddy := (old + 1) % 5
		rest := []int{(old + 2) % 5, (old + 3) % 5, (old + 4) % 5}
		for _, i := range rest {
			c.net.Disconnect(name(old), name(i))
			c.net.Disconnect(name(buddy), name(i))
		}
		errc := make(chan error, 1)
		go func() {
			_, err := c.node(old).ReadIndex(context.Background())
			errc <- err
		}()

		// The majority elects a new leader, which commits a write the old
		// leader never hears of.
		newLeader := c.checkOneLeader(rest...)
		index := c.one(cmd("b"), 3, true)
		if got, err := c.node(newLeader).ReadIndex(context.Background()); err != nil || got < index {
			t.Fatalf("seed %d: new leader's ReadIndex = %d, %v; want at least %d, the index of b", seed, got, err, index)
		}
		if _, isLeader := c.node(old).State(); !isLeader {
			t.Fatalf("seed %d: the partitioned leader stepped down; the scenario needs it to believe it leads", seed)
		}
		select {
		case err := <-errc:
			t.Fatalf("seed %d: the deposed leader confirmed a read (err %v) while cut off from its majority", seed, err)
		default:
		}

		// Healing the partition shows the old leader the newer term; the
		// read it kept waiting fails rather than answer stale.
		c.connectAll()
		select {
		case err := <-errc:
			if !errors.Is(err, ErrNotLeader) {
				t.Fatalf("seed %d: waiting read after stepping down: %v, want ErrNotLeader", seed, err)
			}
		case <-time.After(10 * electionMax):
			t.Fatalf("seed %d: the old leader's read still waits after the partition healed", seed)
		}

		// Reads on a follower fail at once.
		if _, err := c.node(old).ReadIndex(context.Background()); !errors.Is(err, ErrNotLeader) {
			t.Errorf("seed %d: ReadIndex on a follower: %v, want ErrNotLeader", seed, err)
		}
	})
}

// A timed-out read reports the context's error.
func TestReadIndex_GivesUpWhenContextEnds(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newCluster(t, 3, seed)
		defer c.cleanup()
		c.one(cmd("a"), 3, false)
		leader := c.checkOneLeader()
		c.disconnect(leader)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := c.node(leader).ReadIndex(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("seed %d: ReadIndex on an isolated leader: %v, want context.DeadlineExceeded", seed, err)
		}
	})
}

// Thesis §6.4: until a new leader has committed an entry of its own term
// it may not know the true commit index, so ReadIndex refuses with
// ErrReadNotReady; one commit of its own makes reads possible, and their
// index covers every write committed before.
func TestReadIndex_NewLeaderWaitsForItsOwnCommit(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newCluster(t, 3, seed)
		defer c.cleanup()

		// A fresh leader has committed nothing in its term.
		leader := c.checkOneLeader()
		if _, err := c.node(leader).ReadIndex(context.Background()); !errors.Is(err, ErrReadNotReady) {
			t.Fatalf("seed %d: ReadIndex before any commit: %v, want ErrReadNotReady", seed, err)
		}
		index := c.one(cmd("a"), 3, false)
		if got, err := c.node(leader).ReadIndex(context.Background()); err != nil || got < index {
			t.Fatalf("seed %d: ReadIndex after a commit = %d, %v; want at least %d", seed, got, err, index)
		}

		// The successor of a crashed leader knows entries up to index
		// are in its log but not that they are committed until an entry
		// of its own term is.
		c.crash(leader)
		next := c.checkOneLeader()
		if _, err := c.node(next).ReadIndex(context.Background()); !errors.Is(err, ErrReadNotReady) {
			t.Fatalf("seed %d: new leader's ReadIndex before its first commit: %v, want ErrReadNotReady", seed, err)
		}
		index = c.one(cmd("b"), 2, true)
		if got, err := c.node(next).ReadIndex(context.Background()); err != nil || got < index {
			t.Fatalf("seed %d: new leader's ReadIndex after its commit = %d, %v; want at least %d", seed, got, err, index)
		}
	})
}

// Concurrent reads share rounds: a hundred reads arriving together cost a
// round or two of AppendEntries, not a hundred.
func TestReadIndex_ConcurrentReadsShareRounds(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newCluster(t, 3, seed)
		defer c.cleanup()
		index := c.one(cmd("a"), 3, false)
		leader := c.checkOneLeader()
		// Each message takes a millisecond, so reads that arrive while a
		// round is out wait for the next one.
		c.net.SetDelay(time.Millisecond, time.Millisecond)
		before := c.net.Stats(name(leader)).RPCsSent

		const reads = 100
		var wg sync.WaitGroup
		errs := make(chan error, reads)
		for range reads {
			wg.Go(func() {
				got, err := c.node(leader).ReadIndex(context.Background())
				if err == nil && got < index {
					err = errors.New("index below the last commit")
				}
				if err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("seed %d: ReadIndex: %v", seed, err)
		}
		// Two rounds at most: the one that was sent when the first read
		// arrived, and the one for reads that came while it was out. A
		// heartbeat may also fall into those few milliseconds.
		if sent := c.net.Stats(name(leader)).RPCsSent - before; sent > 3*2 {
			t.Fatalf("seed %d: %d concurrent reads took %d AppendEntries; want at most 6 (two rounds and a heartbeat to two followers)", seed, reads, sent)
		}
	})
}
