// The lock: one key, created by compare-and-swap under a lease. Whoever
// creates it holds the lock; the revision of that write is the fencing
// token.

package coord

import (
	"context"
	"strconv"
	"sync"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/retry"
)

// Mutex is a distributed lock held under a lease, with a fencing token.
//
// A Mutex stands for one client. Lock and Unlock are meant to be called
// one after the other, from one goroutine at a time; Lost and Token are
// safe to call from any goroutine. Different clients contend through
// different Mutex values (normally each with its own Clerk) made with the
// same name.
type Mutex struct {
	// Backoff shapes the waits between attempts while another client
	// holds the lock. Its zero fields take defaults (first wait ttl/20,
	// longest ttl/4, no limit on attempts); set Backoff.Rand to make the
	// jitter reproducible. Set it before the first Lock.
	Backoff retry.Policy

	ck  *kv.Clerk
	key string
	ttl time.Duration

	mu    sync.Mutex // guards s and token
	s     *session   // the lease while the lock is held, nil otherwise
	token int64      // the fencing token of the current hold
}

// NewMutex returns a Mutex for the lock called name, which lives in the
// key "lock/"+name. The lock is held under a lease of ttl: if the holder
// stops renewing it (a crash, a partition, a long pause), the service
// frees the lock about ttl later. It panics if ttl is not positive.
func NewMutex(ck *kv.Clerk, name string, ttl time.Duration) *Mutex {
	if ttl <= 0 {
		panic("coord: NewMutex with a non-positive ttl")
	}
	return &Mutex{ck: ck, key: "lock/" + name, ttl: ttl}
}

// Lock waits until the lock is free, takes it and returns its fencing
// token: the store revision of the write that took it. Tokens of
// successive holders strictly increase (see the package doc), so a storage
// service that remembers the highest token it has seen can refuse a former
// holder that does not know it lost the lock (see FencedStore).
//
// Lock returns an error when ctx ends before the lock is taken (wrapping
// ctx.Err()), or ErrHeld if this Mutex holds it already. On error the
// lock is not held: a lease granted for the attempt is revoked.
func (m *Mutex) Lock(ctx context.Context) (int64, error) {
	m.mu.Lock()
	if m.s != nil {
		m.mu.Unlock()
		return 0, ErrHeld
	}
	m.mu.Unlock()

	owner := func(lease int64) string { return strconv.FormatInt(lease, 10) }
	s, token, err := acquire(ctx, m.ck, m.key, m.ttl, waitPolicy(m.Backoff, m.ttl), owner)
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	m.s, m.token = s, token
	m.mu.Unlock()
	return token, nil
}

// Lost returns a channel that is closed when the current hold ends: the
// lease could not be renewed in time (the lock may already belong to
// someone else), or Unlock released it. When the lock is not held, the
// channel is already closed. Check it before each step of the critical
// section, and pass the token along with every write: a pause can always
// fall between the check and the write.
func (m *Mutex) Lost() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.s == nil {
		return closedChan
	}
	return m.s.lost
}

// Token returns the fencing token of the current hold, or 0 if the lock
// is not held.
func (m *Mutex) Token() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.token
}

// Unlock releases the lock: it stops the keepalives and revokes the lease,
// which deletes the lock's key, so a waiter can take it. It returns
// ErrNotHeld if the lock is not held, and an error wrapping ErrLeaseLost
// if the lease had already lapsed (someone else may have held the lock
// meanwhile). If ctx ends before the revoke is confirmed, the lease still
// lapses within ttl, since nothing renews it any more.
func (m *Mutex) Unlock(ctx context.Context) error {
	m.mu.Lock()
	s := m.s
	m.s, m.token = nil, 0
	m.mu.Unlock()
	if s == nil {
		return ErrNotHeld
	}
	return s.close(ctx)
}
