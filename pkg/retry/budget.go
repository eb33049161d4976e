// A retry budget: a token bucket filled by successes and drained by retries.

package retry

import (
	"fmt"
	"math"
	"sync"
)

// Budget caps retries across every caller that shares it, so that when a
// dependency goes down, a fleet of clients does not multiply its load by
// MaxAttempts. Every successful attempt deposits ratio tokens and every retry
// (never a first attempt) withdraws one; a retry is refused when less than one
// token is left, and [Do] then returns an error wrapping [ErrBudgetExhausted].
//
// Over any stretch of time, retries <= maxTokens + ratio*successes: with ratio
// 0.1, retries add at most 10% to the load once the starting tokens are spent.
// This is gRPC's retry throttling and Finagle's RetryBudget, minus the clock:
// the budget counts events, not seconds, so tests get the same answer every
// run.
//
// Do takes the token before it sleeps, so a retry whose wait the caller's
// context cuts short has still spent it.
//
// A Budget is safe for concurrent use. Share one per downstream service.
type Budget struct {
	mu sync.Mutex
	// milliTokens is the balance in thousandths of a token, so that ten
	// deposits of 0.1 make exactly one token (floats would make 0.999...).
	// Deposits raise it up to maxMilli; withdrawals lower it by 1000.
	milliTokens  int64
	maxMilli     int64 // the cap, and the starting balance
	depositMilli int64 // ratio in thousandths of a token
}

// NewBudget returns a full budget holding maxTokens tokens, refilled by ratio
// tokens per success. The starting tokens let a client retry a few times before
// it has seen any success. It panics if ratio is negative or not a number, or
// if maxTokens < 1: those are programming mistakes, not runtime conditions.
func NewBudget(ratio float64, maxTokens int) *Budget {
	if !(ratio >= 0) || ratio > math.MaxInt32 || maxTokens < 1 {
		panic(fmt.Sprintf("retry.NewBudget(%v, %d): need ratio >= 0 and maxTokens >= 1", ratio, maxTokens))
	}
	m := int64(maxTokens) * 1000
	return &Budget{milliTokens: m, maxMilli: m, depositMilli: int64(math.Round(ratio * 1000))}
}

// Tokens reports the current balance, for metrics and tests.
func (b *Budget) Tokens() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return float64(b.milliTokens) / 1000
}

// deposit credits one success. A nil budget ignores it.
func (b *Budget) deposit() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.milliTokens = min(b.milliTokens+b.depositMilli, b.maxMilli)
}

// withdraw takes one token for a retry and reports whether there was one.
// A nil budget always allows the retry.
func (b *Budget) withdraw() bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.milliTokens < 1000 {
		return false
	}
	b.milliTokens -= 1000
	return true
}
