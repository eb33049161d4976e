package main

import (
	"fmt"
	"log/slog"
)

// A retried deposit carries the request ID of the first try, so the
// deduplicating bank applies it once.
func Example_dedup() {
	bank := newBank("Bank", true, nil, slog.New(slog.DiscardHandler))
	deposit := DepositArgs{ClientID: "alice", Seq: 1, Account: "savings", Amount: 10}

	var first, retried DepositReply
	_ = bank.Deposit(&deposit, &first)   // applied; imagine the reply was lost
	_ = bank.Deposit(&deposit, &retried) // the client's retry: same ID
	fmt.Println("first try:", first.Balance, "duplicate:", first.Duplicate)
	fmt.Println("retry:    ", retried.Balance, "duplicate:", retried.Duplicate)

	next := DepositArgs{ClientID: "alice", Seq: 2, Account: "savings", Amount: 5}
	var reply DepositReply
	_ = bank.Deposit(&next, &reply)
	fmt.Println("next one: ", reply.Balance, "duplicate:", reply.Duplicate)
	// Output:
	// first try: 10 duplicate: false
	// retry:     10 duplicate: true
	// next one:  15 duplicate: false
}
