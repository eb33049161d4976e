package raft

import (
	"fmt"
	"sync"
	"testing"
)

// TestFileStorage_ConcurrentAppendSync follows the node's pattern: writers
// append while holding a mutex (the node's), then Sync without it, and one
// of them takes a snapshot halfway through. Every entry whose Sync returned
// must come back after a reopen. Run it with -race.
func TestFileStorage_ConcurrentAppendSync(t *testing.T) {
	const writers, perWriter = 4, 25
	dir := t.TempDir()
	s := openFileStorage(t, dir)
	mustLoad(t, s)
	var (
		mu   sync.Mutex // plays Node.mu
		next = 1        // the index the next Append writes; guarded by mu
		wg   sync.WaitGroup
		errs = make(chan error, writers)
	)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				mu.Lock()
				err := s.Append(ents(next, next, 1))
				next++
				if err == nil && w == 0 && i == perWriter/2 {
					// Compact everything so far while the others sync.
					err = s.SaveSnapshot(Snapshot{Index: next - 1, Term: 1, Data: []byte("snap")}, nil)
				}
				mu.Unlock()
				if err == nil {
					err = s.Sync()
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d, round %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	saved := mustLoad(t, openFileStorage(t, dir))
	if saved.Snapshot.Index < perWriter/2 {
		t.Errorf("got snapshot at %d, want one at %d or later", saved.Snapshot.Index, perWriter/2)
	}
	for i, e := range saved.Entries {
		if want := saved.Snapshot.Index + 1 + i; e.Index != want {
			t.Fatalf("entry %d has index %d, want %d", i, e.Index, want)
		}
	}
	if got, want := saved.Snapshot.Index+len(saved.Entries), writers*perWriter; got != want {
		t.Errorf("got log up to %d, want %d", got, want)
	}
}

// BenchmarkFileStorage_AppendSync measures one Append and one Sync (so one
// fsync) per operation, for one entry and for a batch of 64, each with a
// 16-byte command. The fsync dominates: it is why Raft batches.
func BenchmarkFileStorage_AppendSync(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("entries=%d", batch), func(b *testing.B) {
			s := openFileStorage(b, b.TempDir())
			mustLoad(b, s)
			command := make([]byte, 16)
			entries := make([]Entry, batch)
			next := 1
			for b.Loop() {
				for i := range entries {
					entries[i] = Entry{Index: next + i, Term: 1, Command: command}
				}
				next += batch
				if err := s.Append(entries); err != nil {
					b.Fatal(err)
				}
				if err := s.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkFileStorage_GroupCommit runs 8 writers per CPU, each appending one
// 16-byte entry (under a shared mutex, as the node does) and then calling
// Sync. Writers that arrive while an fsync is running share the next one, so
// entries/s grows far beyond what one writer gets from AppendSync/entries=1.
func BenchmarkFileStorage_GroupCommit(b *testing.B) {
	s := openFileStorage(b, b.TempDir())
	mustLoad(b, s)
	var (
		mu   sync.Mutex // plays Node.mu
		next = 1
	)
	command := make([]byte, 16)
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			err := s.Append([]Entry{{Index: next, Term: 1, Command: command}})
			next++
			mu.Unlock()
			if err == nil {
				err = s.Sync()
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
