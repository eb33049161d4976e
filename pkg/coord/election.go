// Leader election for clients: the lock recipe again, with a value. The
// winner's key says who leads; everyone else can read it or watch it
// change.

package coord

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/retry"
)

// ErrNoLeader is returned by Election.Leader when nobody leads.
var ErrNoLeader = errors.New("coord: no leader")

// Election is one candidate in the election called name.
//
// The leader is whoever created the key "election/"+name, attached to its
// lease; the key's value is "<lease>/<value>", so a candidate re-elected
// after resigning still counts as a new leadership. Campaign and Resign are
// meant to be called one after the other, from one goroutine at a time;
// Leader, Observe, Lost and Rev are safe to call from any goroutine.
type Election struct {
	// Backoff shapes the waits of Campaign while someone else leads and
	// the polls of Observe (defaults as for Mutex.Backoff). Set it before
	// the first call.
	Backoff retry.Policy

	ck  *kv.Clerk
	key string
	ttl time.Duration

	mu  sync.Mutex // guards s and rev
	s   *session   // the lease while this candidate leads, nil otherwise
	rev int64      // the revision at which it won
}

// NewElection returns a candidate for the election called name, whose
// leadership is held under a lease of ttl. It panics if ttl is not
// positive.
func NewElection(ck *kv.Clerk, name string, ttl time.Duration) *Election {
	if ttl <= 0 {
		panic("coord: NewElection with a non-positive ttl")
	}
	return &Election{ck: ck, key: "election/" + name, ttl: ttl}
}

// Campaign blocks until this candidate leads, announcing value to anyone
// who asks, or until ctx ends (the error then wraps ctx.Err(), and the
// candidate does not lead). It returns ErrHeld if this candidate already
// leads. Leadership lasts until Resign, or until the lease lapses: watch
// Lost.
func (e *Election) Campaign(ctx context.Context, value string) error {
	e.mu.Lock()
	if e.s != nil {
		e.mu.Unlock()
		return ErrHeld
	}
	e.mu.Unlock()

	announce := func(lease int64) string { return strconv.FormatInt(lease, 10) + "/" + value }
	s, rev, err := acquire(ctx, e.ck, e.key, e.ttl, waitPolicy(e.Backoff, e.ttl), announce)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.s, e.rev = s, rev
	e.mu.Unlock()
	return nil
}

// Rev returns the store revision at which this candidate won, or 0 if it
// does not lead. Like a Mutex token, it is a fencing token: later leaders
// win at higher revisions.
func (e *Election) Rev() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rev
}

// Lost returns a channel that is closed when this candidate's leadership
// ends (its lease lapsed, or Resign); already closed if it does not lead.
func (e *Election) Lost() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.s == nil {
		return closedChan
	}
	return e.s.lost
}

// Resign gives up leadership: it revokes the lease, deleting the election
// key, so a waiting candidate wins. Resigning when not leading does
// nothing. It returns an error wrapping ErrLeaseLost if the lease had
// lapsed already.
func (e *Election) Resign(ctx context.Context) error {
	e.mu.Lock()
	s := e.s
	e.s, e.rev = nil, 0
	e.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.close(ctx)
}

// Leader returns the current leader's value and the store revision at
// which it was read (the leader named was leading then; it may have
// changed since). It returns ErrNoLeader if nobody leads.
func (e *Election) Leader(ctx context.Context) (value string, rev int64, err error) {
	lease, value, rev, err := e.current(ctx)
	if err == nil && lease == 0 {
		err = ErrNoLeader
	}
	return value, rev, err
}

// Observe returns a channel that receives the value of each new leader,
// starting with the current one, and is closed when ctx ends. Nobody
// leading is not reported; the next leader is.
//
// It polls: one Get every so often, growing from Backoff.BaseDelay to
// Backoff.MaxDelay while nothing changes, and starting again after each
// change. Every Get is a Raft log entry, so each observer costs the
// cluster a few entries per second and learns of a change up to MaxDelay
// late; a leader that comes and goes between two polls is missed. A watch
// (the service pushes each change to the client, as etcd's Watch API
// does, which its concurrency package's Observe uses) would cost nothing
// while nothing changes and would miss nothing. pkg/kv has no watch yet.
func (e *Election) Observe(ctx context.Context) <-chan string {
	ch := make(chan string)
	policy := waitPolicy(e.Backoff, e.ttl)
	go func() {
		defer close(ch)
		var seen int64 // the lease of the last leader reported
		for {
			var leader string
			err := retry.Do(ctx, policy, func(ctx context.Context) error {
				lease, value, _, err := e.current(ctx)
				if err != nil {
					return retry.Permanent(err)
				}
				if lease == 0 || lease == seen {
					return errUnchanged
				}
				seen, leader = lease, value
				return nil
			})
			if err != nil {
				return // only the end of ctx stops a clerk
			}
			select {
			case ch <- leader:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// errUnchanged tells retry.Do to poll again later.
var errUnchanged = errors.New("coord: leader unchanged")

// current reads the election key: the leader's lease (0: no leader) and
// value, and the store revision of the read.
func (e *Election) current(ctx context.Context) (lease int64, value string, rev int64, err error) {
	v, err := e.ck.Get(ctx, e.key)
	if errors.Is(err, kv.ErrNotFound) {
		return 0, "", v.Revision, nil
	}
	if err != nil {
		return 0, "", 0, fmt.Errorf("coord: read leader of %q: %w", e.key, err)
	}
	id, value, ok := strings.Cut(v.Value, "/")
	lease, perr := strconv.ParseInt(id, 10, 64)
	if !ok || perr != nil || lease <= 0 {
		return 0, "", 0, fmt.Errorf("coord: election key %q holds %q, not <lease>/<value>", e.key, v.Value)
	}
	return lease, value, v.Revision, nil
}
