package fanout

import (
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

func TestQuorum(t *testing.T) {
	tests := []struct {
		name        string
		k           int
		fakes       []fake
		wantIndexes []int         // indexes of the results, in arrival order; nil for failure
		wantAt      time.Duration // when Quorum returns
		wantCancel  []bool
	}{
		{
			name:        "2 of 3 returns at the second success",
			k:           2,
			fakes:       []fake{{delay: 4 * ms, value: "a"}, {delay: 1 * ms, value: "b"}, {delay: 9 * ms, value: "c"}},
			wantIndexes: []int{1, 0},
			wantAt:      4 * ms,
			wantCancel:  []bool{false, false, true},
		},
		{
			name:        "2 of 3 survives one failure",
			k:           2,
			fakes:       []fake{{delay: 1 * ms, err: errBoom}, {delay: 3 * ms, value: "b"}, {delay: 6 * ms, value: "c"}},
			wantIndexes: []int{1, 2},
			wantAt:      6 * ms,
			wantCancel:  []bool{false, false, false},
		},
		{
			name:       "2 of 3 is impossible after the second failure",
			k:          2,
			fakes:      []fake{{delay: 1 * ms, err: errBoom}, {delay: 2 * ms, err: errBoom}, {delay: 9 * ms, value: "c"}},
			wantAt:     2 * ms, // not 9ms: the outcome of call 2 no longer matters
			wantCancel: []bool{false, false, true},
		},
		{
			name:        "3 of 3 is All without input order",
			k:           3,
			fakes:       []fake{{delay: 3 * ms, value: "a"}, {delay: 2 * ms, value: "b"}, {delay: 1 * ms, value: "c"}},
			wantIndexes: []int{2, 1, 0},
			wantAt:      3 * ms,
			wantCancel:  []bool{false, false, false},
		},
		{
			name:       "3 of 3 fails at the first failure",
			k:          3,
			fakes:      []fake{{delay: 3 * ms, value: "a"}, {delay: 1 * ms, err: errBoom}, {delay: 2 * ms, value: "c"}},
			wantAt:     1 * ms,
			wantCancel: []bool{true, false, true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fakes := make([]*fake, len(tt.fakes))
				for i := range tt.fakes {
					fakes[i] = &tt.fakes[i]
				}
				s := newScript(fakes...)
				got, err := Quorum(t.Context(), tt.k, s.calls()...)

				if tt.wantIndexes == nil {
					if !errors.Is(err, ErrNoQuorum) || !errors.Is(err, errBoom) {
						t.Errorf("Quorum(k=%d) = %v, %v; want ErrNoQuorum wrapping the failures", tt.k, got, err)
					}
				} else {
					if err != nil {
						t.Fatalf("Quorum(k=%d): %v", tt.k, err)
					}
					var indexes []int
					for _, r := range got {
						indexes = append(indexes, r.Index)
						if want := tt.fakes[r.Index].value; r.Value != want {
							t.Errorf("result from call %d = %q, want %q", r.Index, r.Value, want)
						}
					}
					if !slices.Equal(indexes, tt.wantIndexes) {
						t.Errorf("Quorum(k=%d) answered from calls %v, want %v", tt.k, indexes, tt.wantIndexes)
					}
				}
				if got := s.elapsed(); got != tt.wantAt {
					t.Errorf("Quorum(k=%d) returned after %v, want %v", tt.k, got, tt.wantAt)
				}
				s.checkCancelled(t, tt.wantCancel...)
				s.checkNoneRunning(t)
			})
		})
	}
}
