package retry

import (
	"sync"
	"testing"
)

func TestBudget(t *testing.T) {
	// Each step is 's' (a success deposits) or 'r' (a retry asks for a token);
	// want lists the answers to the 'r' steps, in order.
	tests := []struct {
		name       string
		ratio      float64
		maxTokens  int
		steps      string
		want       []bool
		wantTokens float64
	}{
		{"starts full", 0.1, 2, "rrr", []bool{true, true, false}, 0},
		{"ten successes at 0.1 make one token", 0.1, 2, "rrssssssssssrr", []bool{true, true, true, false}, 0},
		{"nine successes are not enough", 0.1, 1, "rsssssssssr", []bool{true, false}, 0.9},
		{"deposits stop at the cap", 0.5, 1, "ssssrr", []bool{true, false}, 0},
		{"ratio zero never refills", 0, 1, "rsssr", []bool{true, false}, 0},
		{"ratio one: a retry per success", 1, 1, "rsrsr", []bool{true, true, true}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBudget(tc.ratio, tc.maxTokens)
			var got []bool
			for _, step := range tc.steps {
				if step == 's' {
					b.deposit()
				} else {
					got = append(got, b.withdraw())
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("NewBudget(%v, %d) steps %q: got %v, want %v", tc.ratio, tc.maxTokens, tc.steps, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("NewBudget(%v, %d) steps %q: got %v, want %v", tc.ratio, tc.maxTokens, tc.steps, got, tc.want)
				}
			}
			if tokens := b.Tokens(); tokens != tc.wantTokens {
				t.Errorf("NewBudget(%v, %d) steps %q: got %v tokens left, want %v", tc.ratio, tc.maxTokens, tc.steps, tokens, tc.wantTokens)
			}
		})
	}
}

func TestBudget_NilAllowsEverything(t *testing.T) {
	var b *Budget
	b.deposit()
	if !b.withdraw() {
		t.Error("nil budget refused a retry, want every retry allowed")
	}
}

func TestBudget_ConcurrentWithdrawalsNeverOverdraw(t *testing.T) {
	b := NewBudget(0, 100)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for range 16 {
		wg.Go(func() {
			for range 50 {
				if b.withdraw() {
					mu.Lock()
					granted++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if granted != 100 {
		t.Errorf("16 goroutines x 50 withdrawals from 100 tokens: got %d granted, want 100", granted)
	}
}

func TestNewBudget_PanicsOnBadArguments(t *testing.T) {
	for _, tc := range []struct {
		ratio     float64
		maxTokens int
	}{{-0.1, 10}, {0.1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewBudget(%v, %d) did not panic, want a panic", tc.ratio, tc.maxTokens)
				}
			}()
			NewBudget(tc.ratio, tc.maxTokens)
		}()
	}
}
