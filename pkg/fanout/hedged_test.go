package fanout

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestHedged_NoBackupWhenTheFirstAnswersInTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			&fake{delay: 9 * ms, value: "a"},
			&fake{delay: 1 * ms, value: "b"},
		)
		got, err := Hedged(t.Context(), 10*ms, s.calls()...)
		if got != "a" || err != nil {
			t.Fatalf("Hedged = %q, %v; want %q, nil", got, err, "a")
		}
		if got, want := s.elapsed(), 9*ms; got != want {
			t.Errorf("Hedged returned after %v, want %v", got, want)
		}
		s.checkStarted(t, true, false)
		s.checkNoneRunning(t)
	})
}

func TestHedged_BackupFiresExactlyAfterTheDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			&fake{delay: 100 * ms, value: "slow"}, // stuck in the tail
			&fake{delay: 5 * ms, value: "backup"},
			&fake{delay: 1 * ms, value: "never asked"},
		)
		got, err := Hedged(t.Context(), 10*ms, s.calls()...)
		if got != "backup" || err != nil {
			t.Fatalf("Hedged = %q, %v; want %q, nil", got, err, "backup")
		}
		if got, want := s.fakes[1].startedAt, 10*ms; got != want {
			t.Errorf("backup started at %v, want %v (the hedge delay)", got, want)
		}
		if got, want := s.elapsed(), 15*ms; got != want {
			t.Errorf("Hedged returned after %v, want %v (delay + backup latency)", got, want)
		}
		s.checkStarted(t, true, true, false)
		s.checkCancelled(t, true, false, false)
		s.checkNoneRunning(t)
	})
}

func TestHedged_BackupsKeepComingEveryDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			&fake{delay: 100 * ms, value: "a"},
			&fake{delay: 100 * ms, value: "b"},
			&fake{delay: 100 * ms, value: "c"},
		)
		got, err := Hedged(t.Context(), 10*ms, s.calls()...)
		if got != "a" || err != nil {
			t.Fatalf("Hedged = %q, %v; want %q, nil", got, err, "a")
		}
		for i, want := range []time.Duration{0, 10 * ms, 20 * ms} {
			if got := s.fakes[i].startedAt; got != want {
				t.Errorf("call %d started at %v, want %v", i, got, want)
			}
		}
		s.checkCancelled(t, false, true, true)
		s.checkNoneRunning(t)
	})
}

func TestHedged_AnErrorHedgesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			&fake{delay: 2 * ms, err: errBoom}, // connection refused, say
			&fake{delay: 3 * ms, value: "b"},
		)
		got, err := Hedged(t.Context(), 10*ms, s.calls()...)
		if got != "b" || err != nil {
			t.Fatalf("Hedged = %q, %v; want %q, nil", got, err, "b")
		}
		if got, want := s.fakes[1].startedAt, 2*ms; got != want {
			t.Errorf("backup started at %v, want %v (right after the error, not after the delay)", got, want)
		}
		if got, want := s.elapsed(), 5*ms; got != want {
			t.Errorf("Hedged returned after %v, want %v", got, want)
		}
		s.checkNoneRunning(t)
	})
}

func TestHedged_AllFail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			&fake{delay: 20 * ms, err: errBoom},
			&fake{delay: 1 * ms, err: errBoom},
		)
		_, err := Hedged(t.Context(), 10*ms, s.calls()...)
		if !errors.Is(err, ErrAllFailed) || !errors.Is(err, errBoom) {
			t.Errorf("Hedged error = %v, want ErrAllFailed wrapping %v", err, errBoom)
		}
		// Call 1 starts at 10ms and fails at 11ms; call 0 fails at 20ms.
		if got, want := s.elapsed(), 20*ms; got != want {
			t.Errorf("Hedged returned after %v, want %v (the last failure)", got, want)
		}
		s.checkNoneRunning(t)
	})
}

func TestHedged_ZeroDelayAsksEveryoneAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			&fake{delay: 5 * ms, value: "a"},
			&fake{delay: 2 * ms, value: "b"},
		)
		got, err := Hedged(t.Context(), 0, s.calls()...)
		if got != "b" || err != nil {
			t.Fatalf("Hedged = %q, %v; want %q, nil", got, err, "b")
		}
		if got, want := s.elapsed(), 2*ms; got != want {
			t.Errorf("Hedged returned after %v, want %v", got, want)
		}
		s.checkNoneRunning(t)
	})
}
