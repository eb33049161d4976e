// Parts 1 and 2 of the story: the same flaky deposits against a bank that
// applies every request, then against one that deduplicates.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/rpc"
	"time"

	"distkit/pkg/retry"
)

const (
	depositCount   = 8
	depositAmount  = 10
	attemptTimeout = 50 * time.Millisecond // how long the client waits for a reply
)

// dialFunc opens a connection to the server: TCP in main, net.Pipe in tests.
type dialFunc func(ctx context.Context) (net.Conn, error)

var (
	errBusy         = errors.New("bank busy")
	errClientClosed = errors.New("bank client closed")
)

// bankClient calls the bank over net/rpc with a per-call deadline, and
// redials if the connection breaks. It stamps each deposit with its own
// (ID, seq). Not safe for concurrent use: it has one request in flight at a
// time, which is what the bank's dedup table relies on.
type bankClient struct {
	dial   dialFunc
	id     string
	seq    uint64      // the last Seq used; incremented once per deposit
	rpc    *rpc.Client // nil until dialled, and again after a broken connection
	closed bool
}

// deposit adds amount to account through service ("NaiveBank" or "Bank"),
// retrying under p, and returns the final reply.
func (c *bankClient) deposit(ctx context.Context, p retry.Policy, service, account string, amount int64) (DepositReply, error) {
	// One number per deposit, chosen before the retry loop, so that every
	// attempt of this deposit carries the same request ID.
	c.seq++
	args := DepositArgs{ClientID: c.id, Seq: c.seq, Account: account, Amount: amount}
	return retry.DoValue(ctx, p, func(ctx context.Context) (DepositReply, error) {
		// A fresh reply per attempt: net/rpc may still decode a late reply
		// into the previous attempt's variable after we stopped waiting.
		var reply DepositReply
		if err := c.call(ctx, service+".Deposit", &args, &reply); err != nil {
			return reply, err
		}
		if reply.RetryAfter > 0 {
			return reply, retry.After(errBusy, reply.RetryAfter)
		}
		return reply, nil
	})
}

// call makes one RPC and waits for its reply or ctx, whichever comes first.
// An error the server returned is permanent: asking again gets the same no.
func (c *bankClient) call(ctx context.Context, method string, args, reply any) error {
	if c.closed {
		return retry.Permanent(errClientClosed)
	}
	if c.rpc == nil {
		conn, err := c.dial(ctx)
		if err != nil {
			return fmt.Errorf("dial bank: %w", err)
		}
		c.rpc = rpc.NewClient(conn)
	}
	err := callWithin(ctx, c.rpc, method, args, reply)
	var serverErr rpc.ServerError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &serverErr):
		return retry.Permanent(fmt.Errorf("%s: bank refused: %w", method, err))
	case ctx.Err() != nil:
		return err // no reply in time; the connection may be fine
	}
	// The connection is broken (rpc.ErrShutdown, EOF): this *rpc.Client
	// would fail forever, so drop it and redial on the next attempt.
	c.rpc.Close()
	c.rpc = nil
	return fmt.Errorf("%s: connection lost: %w", method, err)
}

// callWithin makes one RPC on c and waits for its reply or for ctx. After ctx
// wins, net/rpc may still decode a late reply into reply: give every attempt
// its own.
func callWithin(ctx context.Context, c *rpc.Client, method string, args, reply any) error {
	call := c.Go(method, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		return call.Error
	case <-ctx.Done():
		return fmt.Errorf("%s: no reply in time: %w", method, ctx.Err())
	}
}

// Close closes the connection; calls after Close fail with errClientClosed.
func (c *bankClient) Close() error {
	c.closed = true
	if c.rpc == nil {
		return nil
	}
	err := c.rpc.Close()
	c.rpc = nil
	return err
}

// bankResult is what one run of deposits ended with.
type bankResult struct {
	deposited, balance int64
	duplicates         int // replies that said "already applied"
}

// runDeposits makes the deposits against service, narrating each one to w.
func runDeposits(ctx context.Context, w io.Writer, dial dialFunc, service, clientID string, seed uint64) (bankResult, error) {
	c := &bankClient{dial: dial, id: clientID}
	defer c.Close()
	account := "acct-" + clientID
	var res bankResult
	p := retry.Policy{
		MaxAttempts: 10, BaseDelay: 5 * time.Millisecond, MaxDelay: 100 * time.Millisecond,
		AttemptTimeout: attemptTimeout,
		Rand:           rand.New(rand.NewPCG(seed, 1)),
		OnRetry: func(attempt int, err error, delay time.Duration) {
			fmt.Fprintf(w, "      attempt %d: %v; retrying in %v\n", attempt, err, delay.Round(time.Millisecond))
		},
	}
	for i := 1; i <= depositCount; i++ {
		fmt.Fprintf(w, "   deposit %d of $%d (request %s/%d)\n", i, depositAmount, clientID, c.seq+1)
		reply, err := c.deposit(ctx, p, service, account, depositAmount)
		if err != nil {
			return res, fmt.Errorf("deposit %d: %w", i, err)
		}
		res.deposited += depositAmount
		note := ""
		if reply.Duplicate {
			res.duplicates++
			note = " (the bank had already applied it)"
		}
		fmt.Fprintf(w, "      ok, balance $%d%s\n", reply.Balance, note)
	}
	var bal BalanceReply
	if err := c.call(ctx, service+".Balance", &BalanceArgs{Account: account}, &bal); err != nil {
		return res, fmt.Errorf("read balance: %w", err)
	}
	res.balance = bal.Balance
	return res, nil
}

// bankStory plays parts 1 and 2 and explains what happened.
func bankStory(ctx context.Context, w io.Writer, dial dialFunc, clientID string, seed uint64) (naive, dedup bankResult, err error) {
	fmt.Fprintf(w, "1. Naive retries: NaiveBank applies every request it receives\n")
	fmt.Fprintf(w, "   The network turns some calls away (\"busy, retry in %v\") and delays some\n", busyFor)
	fmt.Fprintf(w, "   replies past the client's %v timeout, after the deposit was applied.\n", attemptTimeout)
	if naive, err = runDeposits(ctx, w, dial, "NaiveBank", clientID, seed); err != nil {
		return naive, dedup, err
	}
	fmt.Fprintf(w, "   => balance $%d, but the client deposited $%d", naive.balance, naive.deposited)
	if extra := naive.balance - naive.deposited; extra > 0 {
		fmt.Fprintf(w, ": $%d too much.\n", extra)
		fmt.Fprintf(w, "      A lost reply looks just like a lost request, so the client sent again\n")
		fmt.Fprintf(w, "      deposits the bank had already applied.\n\n")
	} else {
		fmt.Fprintf(w, ". No reply was lost this time; try another -seed.\n\n")
	}

	fmt.Fprintf(w, "2. The same faults, but Bank remembers the last request ID of each client\n")
	if dedup, err = runDeposits(ctx, w, dial, "Bank", clientID, seed); err != nil {
		return naive, dedup, err
	}
	fmt.Fprintf(w, "   => balance $%d, the client deposited $%d; %d retries were recognised.\n", dedup.balance, dedup.deposited, dedup.duplicates)
	fmt.Fprintf(w, "      At-least-once delivery (retry until a reply comes) plus idempotent handling\n")
	fmt.Fprintf(w, "      (apply each request ID once) gives an exactly-once effect. The table keeps\n")
	fmt.Fprintf(w, "      one number per client, not one per request, so it stays bounded.\n\n")
	return naive, dedup, nil
}

// story plays all three parts against the server behind dial.
func story(ctx context.Context, w io.Writer, dial dialFunc, clientID string, seed uint64, storm stormConfig) error {
	if _, _, err := bankStory(ctx, w, dial, clientID, seed); err != nil {
		return err
	}
	if _, err := runStorm(ctx, w, dial, storm, seed); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n   Immediate retries multiply the load while the server is down. A fixed pause\n")
	fmt.Fprintf(w, "   keeps the clients in step, so every wave arrives together and overshoots the\n")
	fmt.Fprintf(w, "   capacity. Exponential backoff thins the load out as the outage drags on, and\n")
	fmt.Fprintf(w, "   full jitter spreads the clients apart, at the price of a later finish for the\n")
	fmt.Fprintf(w, "   unlucky ones. The budget lets only a few retries through an outage: most\n")
	fmt.Fprintf(w, "   clients fail fast and report the error instead of piling on.\n")
	return nil
}
