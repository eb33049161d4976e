// The lease every recipe stands on: granted once, kept alive by a
// goroutine, and declared lost as soon as the client can no longer be sure
// that the service still honours it. Then acquire, the wait-and-create loop
// that the Mutex and the Election share.

package coord

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/retry"
)

// ErrLeaseLost is returned by Mutex.Unlock and Election.Resign when the
// lease behind the lock or the leadership had already ended (or could no
// longer be renewed in time) before it was released: another client may
// have held the lock meanwhile, so work done under it may have overlapped
// with theirs. Fencing tokens (see FencedStore) are what make that overlap
// harmless.
var ErrLeaseLost = errors.New("coord: lease lost before release")

// ErrHeld is returned by Mutex.Lock and Election.Campaign when the same
// Mutex or Election already holds the lock or the leadership.
var ErrHeld = errors.New("coord: already held by this client")

// ErrNotHeld is returned by Mutex.Unlock when the Mutex does not hold the
// lock.
var ErrNotHeld = errors.New("coord: not held")

// session is one lease and the goroutine that keeps it alive.
//
// The goroutine renews the lease every ttl/3 and gives up at the client's
// own deadline for it: ttl after the last renewal was *sent*. The service
// starts its countdown when the leader stamps the command, which is after
// the send, so the client's deadline always comes first (as long as the two
// clocks run at about the same rate): when lost closes, the service may
// still hold the lease for a moment, never the other way round.
type session struct {
	ck    *kv.Clerk
	ttl   time.Duration
	lease int64

	cancel  context.CancelFunc // stops the goroutine
	lost    chan struct{}      // closed when the goroutine ends, for whatever reason
	expired atomic.Bool        // set by the goroutine if the lease lapsed, before lost closes
}

// newSession grants a lease and starts keeping it alive. The goroutine runs
// on a context of its own: the lease must outlive the caller's ctx, which
// often belongs to the request that took the lock.
func newSession(ctx context.Context, ck *kv.Clerk, ttl time.Duration) (*session, error) {
	sent := time.Now()
	lease, err := ck.Grant(ctx, ttl)
	if err != nil {
		// If the outcome is unknown, a lease may exist that nobody
		// renews: it lapses after ttl by itself.
		return nil, fmt.Errorf("coord: grant lease: %w", err)
	}
	kctx, cancel := context.WithCancel(context.Background())
	s := &session{ck: ck, ttl: ttl, lease: lease, cancel: cancel, lost: make(chan struct{})}
	go s.keepAlive(kctx, sent.Add(ttl))
	return s, nil
}

// keepAlive renews the lease until ctx ends or the lease is lost.
func (s *session) keepAlive(ctx context.Context, expiry time.Time) {
	defer close(s.lost)
	tick := time.NewTicker(max(s.ttl/3, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		sent := time.Now()
		// A renewal that has not succeeded by the deadline is useless:
		// the clerk retries until then and no longer.
		callCtx, cancel := context.WithDeadline(ctx, expiry)
		err := s.ck.KeepAlive(callCtx, s.lease)
		cancel()
		switch {
		case err == nil:
			expiry = sent.Add(s.ttl)
		case ctx.Err() != nil:
			return // released by the owner
		case errors.Is(err, kv.ErrLeaseNotFound) || !time.Now().Before(expiry):
			s.expired.Store(true)
			return
		}
		// Any other failure: try again at the next tick, while the
		// deadline still allows.
	}
}

// close stops the keepalives and revokes the lease, which deletes every
// key attached to it. It returns an error wrapping ErrLeaseLost if the lease
// had ended before. If ctx ends first the outcome is unknown, but the lease
// is no longer renewed, so it lapses within ttl anyway.
func (s *session) close(ctx context.Context) error {
	s.cancel()
	<-s.lost
	err := s.ck.Revoke(ctx, s.lease)
	switch {
	case errors.Is(err, kv.ErrLeaseNotFound):
		return fmt.Errorf("%w: lease %d had expired", ErrLeaseLost, s.lease)
	case err != nil:
		return fmt.Errorf("coord: revoke lease %d: %w", s.lease, err)
	case s.expired.Load():
		// The service still had it, but the client could not renew it
		// in time: for a while it could not know whether it held it.
		return fmt.Errorf("%w: lease %d was not renewed in time", ErrLeaseLost, s.lease)
	}
	return nil
}

// abandon releases s on behalf of a caller whose ctx may have ended. The
// revoke gets ttl of its own: after that the lease has lapsed anyway.
func (s *session) abandon(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.ttl)
	defer cancel()
	_ = s.close(ctx) // best effort: an unrevoked lease lapses by itself
}

// errOccupied tells retry.Do that the key exists: wait and try again.
var errOccupied = errors.New("coord: held by another client")

// acquire waits until this client creates key, attached to a lease of its
// own, with the value that value(lease) returns. It returns the session and
// the revision of the creating write.
//
// Each attempt is one CompareAndSwap that expects version 0, "the key does
// not exist": the service applies commands one at a time, so of any number
// of clients attempting at once exactly one finds the key absent. The
// others back off with full jitter (policy) and try again; they learn of a
// release only by trying, since pkg/kv has no watch.
func acquire(ctx context.Context, ck *kv.Clerk, key string, ttl time.Duration, policy retry.Policy,
	value func(lease int64) string) (*session, int64, error) {
	var s *session
	var rev int64
	err := retry.Do(ctx, policy, func(ctx context.Context) error {
		if s != nil && isClosed(s.lost) {
			// Our lease lapsed while we waited (a partition, a
			// pause): start over with a fresh one.
			s.abandon(ctx)
			s = nil
		}
		if s == nil {
			var err error
			if s, err = newSession(ctx, ck, ttl); err != nil {
				return retry.Permanent(err)
			}
		}
		v, err := ck.CompareAndSwap(ctx, key, 0, value(s.lease), s.lease)
		switch {
		case errors.Is(err, kv.ErrVersionMismatch):
			return errOccupied
		case errors.Is(err, kv.ErrLeaseNotFound):
			return err // the next attempt sees lost closed, or soon will
		case err != nil:
			return retry.Permanent(err) // only the ctx ends a clerk's call
		}
		if isClosed(s.lost) {
			// We won with a lease we can no longer vouch for: give
			// the key back (revoking deletes it) and try again.
			s.abandon(ctx)
			s = nil
			return ErrLeaseLost
		}
		rev = v.Revision
		return nil
	})
	if err != nil {
		if s != nil {
			// A CompareAndSwap whose outcome is unknown may have
			// created the key: revoking the lease deletes it.
			s.abandon(ctx)
		}
		return nil, 0, fmt.Errorf("coord: acquire %q: %w", key, err)
	}
	return s, rev, nil
}

// waitPolicy fills in the zero fields of p for a recipe with lease ttl:
// retry forever (the ctx ends the wait), first wait ttl/20, longest ttl/4,
// so a waiter notices a release within about a quarter of a TTL.
func waitPolicy(p retry.Policy, ttl time.Duration) retry.Policy {
	p.MaxAttempts = -1
	if p.BaseDelay <= 0 {
		p.BaseDelay = max(ttl/20, time.Millisecond)
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = max(ttl/4, p.BaseDelay)
	}
	return p
}

// closedChan is what Lost returns when nothing is held.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
