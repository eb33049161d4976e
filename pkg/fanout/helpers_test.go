// A scripted replica for the tests: it answers after a fixed delay unless its
// context is cancelled first, and records what happened to it.

package fanout

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// fake is one scripted call. The fan-out function under test writes its
// record fields from the call's goroutine; the test reads them after that
// function has returned, which is safe only because it waits for every call
// (the race detector checks that promise).
type fake struct {
	delay time.Duration // how long the call takes when left alone
	value string        // the answer, when err is nil
	err   error         // the failure to report after delay

	started   bool
	startedAt time.Duration // virtual time since the script began
	cancelled bool          // ctx ended before delay elapsed
}

// script runs fakes inside a synctest bubble, where time is virtual and exact.
type script struct {
	t0       time.Time
	fakes    []*fake
	started  atomic.Int32
	returned atomic.Int32
}

func newScript(fakes ...*fake) *script {
	return &script{t0: time.Now(), fakes: fakes}
}

// calls returns one Call per fake, in order.
func (s *script) calls() []Call[string] {
	calls := make([]Call[string], len(s.fakes))
	for i, f := range s.fakes {
		calls[i] = func(ctx context.Context) (string, error) {
			s.started.Add(1)
			defer s.returned.Add(1)
			f.started, f.startedAt = true, s.elapsed()
			select {
			case <-time.After(f.delay):
				return f.value, f.err
			case <-ctx.Done():
				f.cancelled = true
				return "", ctx.Err()
			}
		}
	}
	return calls
}

func (s *script) elapsed() time.Duration { return time.Since(s.t0) }

// checkNoneRunning fails the test unless every call that started has returned.
func (s *script) checkNoneRunning(t *testing.T) {
	t.Helper()
	if started, returned := s.started.Load(), s.returned.Load(); started != returned {
		t.Errorf("%d calls started but only %d returned: the function left calls running", started, returned)
	}
}

// checkStarted fails the test unless exactly the fakes marked in want started.
func (s *script) checkStarted(t *testing.T, want ...bool) {
	t.Helper()
	for i, f := range s.fakes {
		if f.started != want[i] {
			t.Errorf("call %d started = %v, want %v", i, f.started, want[i])
		}
	}
}

// checkCancelled fails the test unless exactly the fakes marked in want were cancelled.
func (s *script) checkCancelled(t *testing.T, want ...bool) {
	t.Helper()
	for i, f := range s.fakes {
		if f.cancelled != want[i] {
			t.Errorf("call %d cancelled = %v, want %v", i, f.cancelled, want[i])
		}
	}
}

const ms = time.Millisecond
