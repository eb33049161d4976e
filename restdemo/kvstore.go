// A store kept in the kvnode cluster instead of this process, chosen with
// -store kv. With it every replica of the service reads and writes the same
// replicated data, so a replica holds nothing of its own and an autoscaler
// may start and stop replicas freely: this is what the Kubernetes manifests
// in deploy/ use. The in-memory store (store.go) stays the default for a
// single replica on a laptop.
//
// pkg/kv has no range scan, so the store keeps three kinds of keys:
//
//	restdemo/index      {"next":8,"ids":[1,2,5,7]}  live IDs, ascending, and the next ID
//	restdemo/task/5     the task's JSON, the same bytes a GET sends
//
// Every change that must not race goes through CompareAndSwap on the key's
// kv version: claiming an ID (index), an update under If-Match (task), a
// delete. A CAS that loses to another replica re-reads and tries again, so
// two replicas creating tasks at once get different IDs, and an If-Match
// checked against a version another replica just replaced fails as it does
// in memory.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// taskStore is what the handlers need from a store. Both implementations
// are safe for concurrent use; every error that is not an *Error (404, 412)
// or a context error becomes a 500 in writeError.
type taskStore interface {
	create(ctx context.Context, in taskInput) (Task, error)
	get(ctx context.Context, id int64) (Task, error)
	update(ctx context.Context, id int64, match func(version int64) bool, in taskInput) (Task, error)
	delete(ctx context.Context, id int64, match func(version int64) bool) error
	list(ctx context.Context, after int64, limit int) (page []Task, more bool, err error)
	count() int
}

// The keys of the kv store.
const (
	kvIndexKey  = "restdemo/index"
	kvTaskKey   = "restdemo/task/"
	kvTombstone = "" // a deleted task's value until its key is removed
)

// kvIndex is the value of kvIndexKey.
type kvIndex struct {
	Next int64   `json:"next"`
	IDs  []int64 `json:"ids"`
}

// kvStore keeps tasks in a kvnode cluster. A Clerk runs one operation at a
// time, so the store keeps a few and hands one to each operation: requests
// of one replica then proceed side by side, as they do in memory.
type kvStore struct {
	now     func() time.Time
	clerks  chan *kv.Clerk // the idle clerks
	closers []func()       // close the connections to the servers
}

// kvClerks is how many operations one replica runs against the cluster at
// once.
const kvClerks = 4

// newKVStore dials the cluster's servers, given by Raft ID. Dialing is lazy
// (raft.DialPeer connects on first use), so a cluster that is still
// starting is not an error here; requests wait for it within their deadline.
func newKVStore(servers map[int]string, now func() time.Time) *kvStore {
	s := &kvStore{now: now, clerks: make(chan *kv.Clerk, kvClerks)}
	for range kvClerks {
		peers := make(map[int]raft.Peer, len(servers))
		for id, addr := range servers {
			p := raft.DialPeer(addr, 2*time.Second)
			peers[id] = p
			s.closers = append(s.closers, func() { p.Close() })
		}
		s.clerks <- kv.NewClerk(peers, nil, retry.Policy{})
	}
	return s
}

// close closes the connections to the cluster.
func (s *kvStore) close() {
	for _, c := range s.closers {
		c()
	}
}

// with runs fn with a clerk of the pool.
func (s *kvStore) with(ctx context.Context, fn func(ck *kv.Clerk) error) error {
	select {
	case ck := <-s.clerks:
		defer func() { s.clerks <- ck }()
		return fn(ck)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *kvStore) create(ctx context.Context, in taskInput) (t Task, err error) {
	err = s.with(ctx, func(ck *kv.Clerk) error {
		// Claim an ID first, with a CAS on the index: only one replica
		// wins each ID. Only then write the task under it.
		var id int64
		if err := s.editIndex(ctx, ck, func(ix *kvIndex) bool {
			id = ix.Next
			ix.Next++
			ix.IDs = append(ix.IDs, id) // the largest ID yet: still sorted
			return true
		}); err != nil {
			return err
		}
		now := s.now().UTC()
		t = Task{ID: id, Version: 1, CreatedAt: now}
		in.applyTo(&t, now)
		t.encode()
		_, err := ck.Put(ctx, kvTaskKey+strconv.FormatInt(id, 10), string(t.encoded))
		return err
	})
	return t, err
}

func (s *kvStore) get(ctx context.Context, id int64) (t Task, err error) {
	err = s.with(ctx, func(ck *kv.Clerk) error {
		t, _, err = s.read(ctx, ck, id)
		return err
	})
	return t, err
}

func (s *kvStore) update(ctx context.Context, id int64, match func(int64) bool, in taskInput) (t Task, err error) {
	err = s.with(ctx, func(ck *kv.Clerk) error {
		for {
			cur, kvVersion, err := s.read(ctx, ck, id)
			if err != nil {
				return err
			}
			if !match(cur.Version) {
				return errStale(cur.Version)
			}
			t = cur
			in.applyTo(&t, s.now().UTC())
			t.Version++
			t.encode()
			_, err = ck.CompareAndSwap(ctx, kvTaskKey+strconv.FormatInt(id, 10), kvVersion, string(t.encoded), 0)
			if !errors.Is(err, kv.ErrVersionMismatch) {
				return err
			}
			// Another replica wrote in between: read again, and let match
			// decide on the version it wrote.
		}
	})
	return t, err
}

func (s *kvStore) delete(ctx context.Context, id int64, match func(int64) bool) error {
	return s.with(ctx, func(ck *kv.Clerk) error {
		key := kvTaskKey + strconv.FormatInt(id, 10)
		for {
			cur, kvVersion, err := s.read(ctx, ck, id)
			if err != nil {
				return err
			}
			if !match(cur.Version) {
				return errStale(cur.Version)
			}
			// A tombstone by CAS: the delete happens only if nobody
			// updated the task since match saw it.
			_, err = ck.CompareAndSwap(ctx, key, kvVersion, kvTombstone, 0)
			if errors.Is(err, kv.ErrVersionMismatch) {
				continue
			}
			if err != nil {
				return err
			}
			break
		}
		if err := s.editIndex(ctx, ck, func(ix *kvIndex) bool {
			i, found := slices.BinarySearch(ix.IDs, id)
			if found {
				ix.IDs = slices.Delete(ix.IDs, i, i+1)
			}
			return found
		}); err != nil {
			return err
		}
		return ck.Delete(ctx, key) // the tombstone already hides it; this frees the key
	})
}

func (s *kvStore) list(ctx context.Context, after int64, limit int) (page []Task, more bool, err error) {
	err = s.with(ctx, func(ck *kv.Clerk) error {
		ix, _, err := s.readIndex(ctx, ck)
		if err != nil {
			return err
		}
		i := sort.Search(len(ix.IDs), func(i int) bool { return ix.IDs[i] > after })
		// ix.IDs[i:] are the IDs above after. A task may vanish between
		// reading the index and reading it; skip it and look further.
		for ; i < len(ix.IDs) && len(page) < limit; i++ {
			t, _, err := s.read(ctx, ck, ix.IDs[i])
			var e *Error
			if errors.As(err, &e) && e.Code == ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			page = append(page, t)
		}
		more = i < len(ix.IDs)
		return nil
	})
	return page, more, err
}

// count reads the number of tasks from the index, for /debug/vars. It has
// no request context, so it gives the cluster half a second and reports -1
// if that was not enough.
func (s *kvStore) count() int {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	n := -1 // unknown: the cluster did not answer in time
	s.with(ctx, func(ck *kv.Clerk) error {
		if ix, _, err := s.readIndex(ctx, ck); err == nil {
			n = len(ix.IDs)
		}
		return nil
	})
	return n
}

// read returns task id and the kv version of its key.
func (s *kvStore) read(ctx context.Context, ck *kv.Clerk, id int64) (Task, int64, error) {
	v, err := ck.Get(ctx, kvTaskKey+strconv.FormatInt(id, 10))
	if errors.Is(err, kv.ErrNotFound) || (err == nil && v.Value == kvTombstone) {
		return Task{}, 0, errNoTask(id) // never created, claimed but not yet written, or deleted
	}
	if err != nil {
		return Task{}, 0, fmt.Errorf("kv get task %d: %w", id, err)
	}
	var t Task
	if err := json.Unmarshal([]byte(v.Value), &t); err != nil {
		return Task{}, 0, fmt.Errorf("task %d in the kv store is damaged: %w", id, err)
	}
	t.encode()
	return t, v.Version, nil
}

// readIndex returns the index and its kv version (0: not created yet).
func (s *kvStore) readIndex(ctx context.Context, ck *kv.Clerk) (kvIndex, int64, error) {
	v, err := ck.Get(ctx, kvIndexKey)
	if errors.Is(err, kv.ErrNotFound) {
		return kvIndex{Next: 1}, 0, nil
	}
	if err != nil {
		return kvIndex{}, 0, fmt.Errorf("kv get index: %w", err)
	}
	var ix kvIndex
	if err := json.Unmarshal([]byte(v.Value), &ix); err != nil {
		return kvIndex{}, 0, fmt.Errorf("the task index in the kv store is damaged: %w", err)
	}
	return ix, v.Version, nil
}

// editIndex applies edit to the index with a CAS, re-reading and retrying
// when another replica changed it first. edit returns false to leave the
// index as it is.
func (s *kvStore) editIndex(ctx context.Context, ck *kv.Clerk, edit func(*kvIndex) bool) error {
	for {
		ix, version, err := s.readIndex(ctx, ck)
		if err != nil {
			return err
		}
		if !edit(&ix) {
			return nil
		}
		b, _ := json.Marshal(ix) // a struct of numbers cannot fail to encode
		_, err = ck.CompareAndSwap(ctx, kvIndexKey, version, string(b), 0)
		if !errors.Is(err, kv.ErrVersionMismatch) {
			return err
		}
	}
}

// openStore returns the store -store names: "memory" (nil: newServer makes
// one) or "kv", a kvStore over the cluster -kv-servers lists as
// "1=host:port,2=host:port,...". The returned function closes it.
func openStore(kind, servers string, now func() time.Time) (taskStore, func(), error) {
	switch kind {
	case "memory":
		return nil, func() {}, nil
	case "kv":
	default:
		return nil, nil, fmt.Errorf("-store %q: want memory or kv", kind)
	}
	m := make(map[int]string)
	for _, item := range strings.Split(servers, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		idText, addr, ok := strings.Cut(item, "=")
		id, err := strconv.Atoi(idText)
		if !ok || err != nil || id <= 0 {
			return nil, nil, fmt.Errorf("-kv-servers: %q: want id=host:port with a positive id", item)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, nil, fmt.Errorf("-kv-servers: %q: address %q is not host:port", item, addr)
		}
		m[id] = addr
	}
	if len(m) == 0 {
		return nil, nil, errors.New("-store kv needs -kv-servers, e.g. 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003")
	}
	s := newKVStore(m, now)
	return s, s.close, nil
}
