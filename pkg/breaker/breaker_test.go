package breaker

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

var errBackend = errors.New("backend failed")

// TestBreaker_Transitions plays scripts of calls and pauses against a
// breaker with a window of 4 calls, a 50% failure rate, a 10s cool-down and
// 2 probes, and checks the outcome of each call and the states it went
// through. Steps: "ok" and "fail" call the breaker with a function that
// succeeds or fails, "wait" sleeps 10s of virtual time, "wait5" 5s.
func TestBreaker_Transitions(t *testing.T) {
	tests := []struct {
		name       string
		steps      string
		wantCalls  string // per call step: "ok", "fail" (fn ran and failed), "open" (ErrOpen, fn not run)
		wantStates string // the transitions seen by OnStateChange
	}{
		{"too few calls to judge", "fail fail fail", "fail fail fail", ""},
		{"rate reached opens", "ok fail ok fail", "ok fail ok fail", "closed>open"},
		{"below the rate stays closed", "ok ok ok fail ok ok ok fail", "ok ok ok fail ok ok ok fail", ""},
		{"old failures leave the window", "fail ok ok ok ok fail", "fail ok ok ok ok fail", ""},
		{"open fails fast", "fail fail fail fail ok ok", "fail fail fail fail open open", "closed>open"},
		{"still open before the cool-down", "fail fail fail fail wait5 ok", "fail fail fail fail open", "closed>open"},
		{"probes succeed: closed", "fail fail fail fail wait ok ok ok", "fail fail fail fail ok ok ok", "closed>open open>half-open half-open>closed"},
		{"a probe fails: open again", "fail fail fail fail wait fail ok", "fail fail fail fail fail open", "closed>open open>half-open half-open>open"},
		{"reopened waits a full cool-down", "fail fail fail fail wait fail wait5 ok wait5 ok ok", "fail fail fail fail fail open ok ok",
			"closed>open open>half-open half-open>open open>half-open half-open>closed"},
		{"closed again starts a fresh window", "fail fail fail fail wait ok ok fail ok ok", "fail fail fail fail ok ok fail ok ok",
			"closed>open open>half-open half-open>closed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var states []string
				b := New(Config{Window: 4, FailureRate: 0.5, CoolDown: 10 * time.Second, HalfOpenProbes: 2,
					OnStateChange: func(from, to State) { states = append(states, from.String()+">"+to.String()) }})
				var calls []string
				for _, step := range strings.Fields(tc.steps) {
					switch step {
					case "wait":
						time.Sleep(10 * time.Second)
						continue
					case "wait5":
						time.Sleep(5 * time.Second)
						continue
					}
					ran := false
					err := b.Do(context.Background(), func(context.Context) error {
						ran = true
						if step == "fail" {
							return errBackend
						}
						return nil
					})
					switch {
					case errors.Is(err, ErrOpen) && !ran:
						calls = append(calls, "open")
					case errors.Is(err, errBackend):
						calls = append(calls, "fail")
					case err == nil:
						calls = append(calls, "ok")
					default:
						t.Fatalf("unexpected error %v", err)
					}
				}
				if got := strings.Join(calls, " "); got != tc.wantCalls {
					t.Errorf("steps %q: calls got %q, want %q", tc.steps, got, tc.wantCalls)
				}
				if got := strings.Join(states, " "); got != tc.wantStates {
					t.Errorf("steps %q: transitions got %q, want %q", tc.steps, got, tc.wantStates)
				}
			})
		})
	}
}

// Half-open lets only HalfOpenProbes calls out at once; the rest fail fast.
func TestBreaker_HalfOpenLimitsProbes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := New(Config{Window: 2, CoolDown: time.Second, HalfOpenProbes: 2})
		for range 2 {
			b.Do(context.Background(), func(context.Context) error { return errBackend })
		}
		time.Sleep(time.Second)
		release := make(chan struct{})
		results := make(chan error, 5)
		for range 5 {
			go func() {
				results <- b.Do(context.Background(), func(context.Context) error { <-release; return nil })
			}()
		}
		synctest.Wait() // two probes hold the slots; three calls were refused
		close(release)
		var got []string
		for range 5 {
			if err := <-results; err != nil {
				got = append(got, "open")
			} else {
				got = append(got, "ok")
			}
		}
		slices.Sort(got)
		if want := []string{"ok", "ok", "open", "open", "open"}; !slices.Equal(got, want) {
			t.Errorf("5 concurrent calls in half-open with 2 probes: got %v, want %v", got, want)
		}
		if s := b.State(); s != Closed {
			t.Errorf("after 2 good probes: state %v, want closed", s)
		}
	})
}

// The caller's own cancellation is not the backend's fault, and a context
// already done never reaches the function.
func TestBreaker_CancellationIsNotAFailure(t *testing.T) {
	b := New(Config{Window: 1})
	ctx, cancel := context.WithCancel(context.Background())
	err := b.Do(ctx, func(ctx context.Context) error { cancel(); return ctx.Err() })
	if !errors.Is(err, context.Canceled) || b.State() != Closed {
		t.Errorf("cancelled call: got %v and state %v, want context.Canceled and closed", err, b.State())
	}
	ran := false
	err = b.Do(ctx, func(context.Context) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("done context: got %v (function ran: %v), want context.Canceled without running", err, ran)
	}
}

// IsFailure lets answers such as "not found" count as a healthy backend.
func TestBreaker_IsFailure(t *testing.T) {
	errNotFound := errors.New("not found")
	b := New(Config{Window: 2, IsFailure: func(_ context.Context, err error) bool {
		return err != nil && !errors.Is(err, errNotFound)
	}})
	for range 5 {
		b.Do(context.Background(), func(context.Context) error { return errNotFound })
	}
	if s := b.State(); s != Closed {
		t.Errorf("after 5 not-founds: state %v, want closed", s)
	}
}
