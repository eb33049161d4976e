// The bank: a deposit that must not be applied twice, a flaky network in front
// of it, and the deduplication table that makes retrying it safe.

package main

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// The faults the flaky network injects, per call, in the bank's own random
// order (seeded, so a run can be replayed).
const (
	busyRate   = 0.15                  // turned away before anything happens
	busyFor    = 20 * time.Millisecond // the "retry in" hint a busy bank gives
	lostRate   = 0.25                  // applied, but the reply comes too late
	lostDelay  = 3 * attemptTimeout    // how late: well after the client gave up
	maxAccount = 64                    // longest account name or client ID accepted
)

// DepositArgs asks the bank to add Amount to Account. ClientID and Seq name
// the request: a client numbers its deposits 1, 2, 3... and sends every retry
// of one deposit with the same Seq.
type DepositArgs struct {
	ClientID string
	Seq      uint64
	Account  string
	Amount   int64
}

// DepositReply is the outcome of a deposit. RetryAfter > 0 means the bank was
// busy and did nothing: ask again after that long. Duplicate means the bank
// had already applied this (ClientID, Seq) and did not apply it again.
type DepositReply struct {
	Balance    int64
	RetryAfter time.Duration
	Duplicate  bool
}

// BalanceArgs and BalanceReply read one account, without faults.
type BalanceArgs struct{ Account string }
type BalanceReply struct{ Balance int64 }

// Bank keeps balances and serves them over net/rpc. Its methods are safe for
// concurrent use: net/rpc runs each call in its own goroutine.
type Bank struct {
	name   string
	faults *faults // nil: a perfect network
	log    *slog.Logger

	mu       sync.Mutex
	balances map[string]int64
	dedup    *dedupTable // nil: apply every request received (NaiveBank)
}

// newBank returns an empty bank. With dedup it ignores repeated request IDs;
// with a non-nil faults it misbehaves as the constants above say.
func newBank(name string, dedup bool, f *faults, log *slog.Logger) *Bank {
	b := &Bank{name: name, faults: f, log: log.With("service", name), balances: map[string]int64{}}
	if dedup {
		b.dedup = newDedupTable()
	}
	return b
}

// errBadDeposit is returned for a malformed request: it travels to the client
// as an rpc.ServerError, which the client treats as permanent.
var errBadDeposit = errors.New("deposit needs an account, a client ID (each at most 64 bytes), seq >= 1 and amount > 0")

// Deposit adds args.Amount to args.Account, at most once per (ClientID, Seq)
// if the bank deduplicates.
func (b *Bank) Deposit(args *DepositArgs, reply *DepositReply) error {
	if args.Account == "" || len(args.Account) > maxAccount || args.ClientID == "" ||
		len(args.ClientID) > maxAccount || args.Seq == 0 || args.Amount <= 0 {
		return errBadDeposit
	}
	fault := b.faults.next()
	if fault == faultBusy {
		b.log.Debug("busy", "client", args.ClientID, "seq", args.Seq)
		reply.RetryAfter = busyFor
		return nil
	}

	// Check and apply under one lock: two copies of the same request may be
	// in flight at once (the slow original and its retry).
	b.mu.Lock()
	if b.dedup == nil || b.dedup.firstTime(args.ClientID, args.Seq) {
		b.balances[args.Account] += args.Amount
	} else {
		reply.Duplicate = true
	}
	reply.Balance = b.balances[args.Account]
	b.mu.Unlock()
	b.log.Debug("deposit", "client", args.ClientID, "seq", args.Seq, "duplicate", reply.Duplicate, "balance", reply.Balance)

	if fault == faultLostReply {
		// The money is in the account, but the client will time out before
		// it hears so: from its side this looks exactly like a lost request.
		b.log.Debug("delaying reply", "client", args.ClientID, "seq", args.Seq, "by", lostDelay)
		time.Sleep(lostDelay)
	}
	return nil
}

// Balance reads an account.
func (b *Bank) Balance(args *BalanceArgs, reply *BalanceReply) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	reply.Balance = b.balances[args.Account]
	return nil
}

// dedupTable remembers, for each client, the highest Seq it has applied. That
// is one number per client, not one per request, so the table stays as small
// as the set of clients. It relies on each client having one request in
// flight at a time and numbering them in order, so anything at or below the
// last Seq is a retry. A long-lived server would also forget clients idle for
// long (the Raft dissertation's client sessions, §6.3, expire them the same
// way on every replica). The owner's mutex guards it.
type dedupTable struct {
	lastSeq map[string]uint64
}

func newDedupTable() *dedupTable { return &dedupTable{lastSeq: map[string]uint64{}} }

// firstTime reports whether (client, seq) is new, and records it if so.
func (d *dedupTable) firstTime(client string, seq uint64) bool {
	if seq <= d.lastSeq[client] {
		return false
	}
	d.lastSeq[client] = seq
	return true
}

// fault is what the flaky network does to one call.
type fault int

const (
	faultNone fault = iota
	faultBusy
	faultLostReply
)

// faults draws one fault per call from a seeded source. Safe for concurrent
// use; a nil *faults never injects anything.
type faults struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newFaults(seed uint64) *faults { return &faults{rng: rand.New(rand.NewPCG(seed, 0))} }

func (f *faults) next() fault {
	if f == nil {
		return faultNone
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch x := f.rng.Float64(); {
	case x < busyRate:
		return faultBusy
	case x < busyRate+lostRate:
		return faultLostReply
	}
	return faultNone
}
