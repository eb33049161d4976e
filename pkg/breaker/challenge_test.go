//go:build challenge

package breaker

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestChallenge_ExponentialCoolDown checks the exercise "a cool-down that
// grows": each failed half-open probe doubles the next cool-down (10s, 20s,
// 40s, ...), never beyond 32 x CoolDown, and closing the breaker resets it
// to CoolDown.
//
//	go test -tags challenge -run TestChallenge_ExponentialCoolDown ./pkg/breaker
func TestChallenge_ExponentialCoolDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := New(Config{Window: 2, FailureRate: 1, CoolDown: 10 * time.Second})
		fail := func(context.Context) error { return errors.New("down") }
		ok := func(context.Context) error { return nil }
		// probe reports whether a call went through (the breaker let it).
		probe := func(fn func(context.Context) error) bool {
			return !errors.Is(b.Do(context.Background(), fn), ErrOpen)
		}
		b.Do(context.Background(), fail)
		b.Do(context.Background(), fail) // open, cool-down 10s

		wantCoolDowns := []time.Duration{10, 20, 40, 80, 160, 320, 320}
		for i, cd := range wantCoolDowns {
			cd *= time.Second
			time.Sleep(cd - time.Second)
			if probe(ok) {
				t.Fatalf("cool-down %d: a call went through after %v, want the breaker open for %v", i+1, cd-time.Second, cd)
			}
			time.Sleep(time.Second)
			if i == len(wantCoolDowns)-1 {
				break
			}
			if !probe(fail) {
				t.Fatalf("cool-down %d: no probe allowed after %v", i+1, cd)
			}
		}
		// The last probe succeeds: closed, and the cool-down is back to 10s.
		if !probe(ok) || b.State() != Closed {
			t.Fatalf("after a good probe: state %v, want closed", b.State())
		}
		b.Do(context.Background(), fail)
		b.Do(context.Background(), fail)
		time.Sleep(10 * time.Second)
		if !probe(ok) {
			t.Error("after closing, the next cool-down should be 10s again")
		}
	})
}
