// The service: what a net/rpc server offers, and the shape each method must have.

package main

import (
	"errors"
	"net/rpc"
	"time"
)

// slowDelay is how long Arith.SlowMultiply works before it answers. The story's
// timeout step gives up well before it, and the asynchronous step uses it to
// show a fast reply overtaking a slow one on the same connection.
const slowDelay = time.Second

// ErrDivideByZero is what Arith.Divide returns for a zero divisor. On the
// server it is a proper sentinel; what reaches the client is only its text
// (see the story's step 4).
var ErrDivideByZero = errors.New("arith: divide by zero")

// Args holds the two operands of every Arith method. Its fields are exported
// because both codecs (gob and JSON) only see exported fields.
type Args struct {
	A, B int
}

// Quotient is the reply of Arith.Divide: A = Quo*B + Rem.
type Quotient struct {
	Quo, Rem int
}

// Arith is the service the demo registers. net/rpc exposes every exported
// method of the form
//
//	func (t *T) Name(args *ArgsType, reply *ReplyType) error
//
// as "Arith.Name". Each incoming request runs in its own goroutine, so the
// methods of one Arith run concurrently; Arith holds no state, which makes that
// safe without a lock. Register silently skips exported methods of any other
// shape, so a wrong signature shows up only when a client's call fails with
// "rpc: can't find method".
type Arith struct{}

// Multiply sets *reply to A*B. It never fails.
func (*Arith) Multiply(args *Args, reply *int) error {
	*reply = args.A * args.B
	return nil
}

// Divide sets *reply to the quotient and remainder of A/B, or returns
// ErrDivideByZero when B is 0. A returned error means net/rpc sends the
// error text instead of the reply, so the client sees no reply at all.
func (*Arith) Divide(args *Args, reply *Quotient) error {
	if args.B == 0 {
		return ErrDivideByZero
	}
	reply.Quo, reply.Rem = args.A/args.B, args.A%args.B
	return nil
}

// SlowMultiply is Multiply after slowDelay: a stand-in for a method stuck on
// a disk or a lock. net/rpc gives the method no way to learn that the caller
// has given up, so it always runs to the end and its reply is sent anyway.
func (a *Arith) SlowMultiply(args *Args, reply *int) error {
	time.Sleep(slowDelay)
	return a.Multiply(args, reply)
}

// newServer returns a fresh rpc.Server with an Arith registered on it.
//
// The package-level rpc.Register would put Arith on rpc.DefaultServer, which
// the whole process shares: every test, and every server a test starts, would
// see the same registrations, and registering twice fails. A server of its own
// keeps each instance separate. One rpc.Server can serve any number of
// connections in any codec, so the gob and JSON-RPC listeners share one.
func newServer() *rpc.Server {
	srv := rpc.NewServer()
	if err := srv.Register(new(Arith)); err != nil {
		// Register fails only when Arith has no method of the right shape:
		// a programming mistake, caught by every test run.
		panic(err)
	}
	return srv
}
