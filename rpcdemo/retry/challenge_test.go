//go:build challenge

package main

import (
	"log/slog"
	"testing"
)

// TestChallenge_RetryGetsTheOriginalReply checks the exercise "Answer a retry
// with the original reply" (CHALLENGES.md): the dedup table caches the reply
// of each client's last request, so a retried deposit returns the balance the
// first try produced, even if other clients deposited in between.
func TestChallenge_RetryGetsTheOriginalReply(t *testing.T) {
	bank := newBank("Bank", true, nil, slog.New(slog.DiscardHandler))
	alice := DepositArgs{ClientID: "alice", Seq: 1, Account: "shared", Amount: 10}
	bob := DepositArgs{ClientID: "bob", Seq: 1, Account: "shared", Amount: 5}

	var first, other, retried DepositReply
	if err := bank.Deposit(&alice, &first); err != nil {
		t.Fatal(err)
	}
	if err := bank.Deposit(&bob, &other); err != nil { // lands between alice's try and her retry
		t.Fatal(err)
	}
	if err := bank.Deposit(&alice, &retried); err != nil {
		t.Fatal(err)
	}

	if retried.Balance != first.Balance || !retried.Duplicate {
		t.Errorf("alice's retry after bob's deposit: got balance %d, duplicate %v; want %d (her first reply), duplicate true",
			retried.Balance, retried.Duplicate, first.Balance)
	}
	var bal BalanceReply
	if err := bank.Balance(&BalanceArgs{Account: "shared"}, &bal); err != nil || bal.Balance != 15 {
		t.Errorf("shared account: got balance %d (err %v), want 15: the retry must still not apply twice", bal.Balance, err)
	}
	alice2 := DepositArgs{ClientID: "alice", Seq: 2, Account: "shared", Amount: 1}
	var next DepositReply
	if err := bank.Deposit(&alice2, &next); err != nil || next.Balance != 16 || next.Duplicate {
		t.Errorf("alice's next deposit: got balance %d, duplicate %v (err %v), want 16, false", next.Balance, next.Duplicate, err)
	}
}
