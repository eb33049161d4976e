package fanout

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

var errBoom = errors.New("boom")

func TestAll_ReturnsResultsInInputOrderAfterTheSlowest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			&fake{delay: 3 * ms, value: "a"},
			&fake{delay: 1 * ms, value: "b"},
			&fake{delay: 2 * ms, value: "c"},
		)
		got, err := All(t.Context(), s.calls()...)
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
			t.Errorf("All = %q, want %q (input order, not arrival order)", got, want)
		}
		if got, want := s.elapsed(), 3*ms; got != want {
			t.Errorf("All returned after %v, want %v (the slowest call)", got, want)
		}
		s.checkNoneRunning(t)
	})
}

func TestAll_FirstErrorCancelsTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			&fake{delay: 10 * ms, value: "a"},
			&fake{delay: 1 * ms, err: errBoom},
			&fake{delay: 10 * ms, value: "c"},
		)
		got, err := All(t.Context(), s.calls()...)
		if !errors.Is(err, errBoom) || err.Error() != "call 1: boom" {
			t.Fatalf("All = %q, %v; want error %q", got, err, "call 1: boom")
		}
		if got, want := s.elapsed(), 1*ms; got != want {
			t.Errorf("All returned after %v, want %v (the failure)", got, want)
		}
		s.checkCancelled(t, true, false, true)
		s.checkNoneRunning(t)
	})
}

func TestAll_NoCallsIsEmptySuccess(t *testing.T) {
	got, err := All[int](t.Context())
	if len(got) != 0 || err != nil {
		t.Errorf("All() = %v, %v; want [], nil", got, err)
	}
}

func TestFirst_FastestWinsAndLosersAreCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			&fake{delay: 5 * ms, value: "a"},
			&fake{delay: 2 * ms, value: "b"},
			&fake{delay: 9 * ms, value: "c"},
		)
		got, err := First(t.Context(), s.calls()...)
		if got != "b" || err != nil {
			t.Fatalf("First = %q, %v; want %q, nil", got, err, "b")
		}
		if got, want := s.elapsed(), 2*ms; got != want {
			t.Errorf("First returned after %v, want %v", got, want)
		}
		s.checkCancelled(t, true, false, true)
		s.checkNoneRunning(t)
	})
}

func TestFirst_ErrorsDoNotWin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript(
			&fake{delay: 1 * ms, err: errBoom},
			&fake{delay: 4 * ms, value: "b"},
		)
		got, err := First(t.Context(), s.calls()...)
		if got != "b" || err != nil {
			t.Fatalf("First = %q, %v; want %q, nil (a fast error must not win)", got, err, "b")
		}
		if got, want := s.elapsed(), 4*ms; got != want {
			t.Errorf("First returned after %v, want %v", got, want)
		}
		s.checkNoneRunning(t)
	})
}

func TestFirst_AllFailJoinsEveryError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errSlow := errors.New("slow disk")
		s := newScript(
			&fake{delay: 3 * ms, err: errSlow},
			&fake{delay: 1 * ms, err: errBoom},
		)
		_, err := First(t.Context(), s.calls()...)
		for _, want := range []error{ErrAllFailed, errSlow, errBoom} {
			if !errors.Is(err, want) {
				t.Errorf("First error %q does not wrap %q", err, want)
			}
		}
		// Input order, not arrival order, so the message is stable.
		want := "fanout: all calls failed: call 0: slow disk\ncall 1: boom"
		if err.Error() != want {
			t.Errorf("First error = %q, want %q", err, want)
		}
		s.checkNoneRunning(t)
	})
}

func TestBadArguments(t *testing.T) {
	one := []Call[int]{func(context.Context) (int, error) { return 1, nil }}
	three := []Call[int]{one[0], one[0], one[0]}
	tests := []struct {
		name string
		run  func() error
	}{
		{"First with no calls", func() error { _, err := First[int](t.Context()); return err }},
		{"Quorum with no calls", func() error { _, err := Quorum[int](t.Context(), 1); return err }},
		{"Quorum k=0 of 3", func() error { _, err := Quorum(t.Context(), 0, three...); return err }},
		{"Quorum k=-1 of 3", func() error { _, err := Quorum(t.Context(), -1, three...); return err }},
		{"Quorum k=4 of 3", func() error { _, err := Quorum(t.Context(), 4, three...); return err }},
		{"Hedged with no calls", func() error { _, err := Hedged[int](t.Context(), ms); return err }},
		{"Hedged with delay -1ms", func() error { _, err := Hedged(t.Context(), -ms, one...); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); !errors.Is(err, ErrBadArgument) {
				t.Errorf("%s: got error %v, want ErrBadArgument", tt.name, err)
			}
		})
	}
}

// TestParentCancel checks every shape the same way: calls that would take an
// hour, a parent context cancelled after 5ms. Each function must return at
// 5ms with an error wrapping context.Canceled, and leave no call running.
func TestParentCancel(t *testing.T) {
	shapes := []struct {
		name string
		run  func(ctx context.Context, calls []Call[string]) error
	}{
		{"All", func(ctx context.Context, calls []Call[string]) error { _, err := All(ctx, calls...); return err }},
		{"First", func(ctx context.Context, calls []Call[string]) error { _, err := First(ctx, calls...); return err }},
		{"Quorum", func(ctx context.Context, calls []Call[string]) error { _, err := Quorum(ctx, 2, calls...); return err }},
		{"Hedged", func(ctx context.Context, calls []Call[string]) error {
			_, err := Hedged(ctx, 2*ms, calls...)
			return err
		}},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newScript(
					&fake{delay: time.Hour, value: "a"},
					&fake{delay: time.Hour, value: "b"},
					&fake{delay: time.Hour, value: "c"},
				)
				ctx, cancel := context.WithCancel(t.Context())
				time.AfterFunc(5*ms, cancel)
				err := sh.run(ctx, s.calls())
				if !errors.Is(err, context.Canceled) {
					t.Errorf("%s after parent cancel: got error %v, want context.Canceled", sh.name, err)
				}
				if got, want := s.elapsed(), 5*ms; got != want {
					t.Errorf("%s returned after %v, want %v (the parent's cancel)", sh.name, got, want)
				}
				s.checkNoneRunning(t)
			})
		})
	}
}
