// Steps 2 to 4: a synchronous call, asynchronous calls sharing one
// connection, and an error returned by the server.

package main

import (
	"errors"
	"fmt"
	"io"
	"net/rpc"
)

func stepSyncCall(w io.Writer, client *rpc.Client) error {
	fmt.Fprintf(w, "== 2. A synchronous call: client.Call blocks until the reply is in\n")
	var product int
	if err := client.Call("Arith.Multiply", &Args{A: 6, B: 7}, &product); err != nil {
		return fmt.Errorf("Arith.Multiply 6*7: %w", err)
	}
	fmt.Fprintf(w, "   Arith.Multiply 6*7 = %d\n", product)
	return nil
}

func stepAsyncCalls(w io.Writer, client *rpc.Client) error {
	fmt.Fprintf(w, "== 3. Asynchronous calls: client.Go returns at once; call.Done says when the reply is in\n")
	var slow, small, big int
	// A nil Done channel makes Go allocate a buffered one per call.
	slowCall := client.Go("Arith.SlowMultiply", &Args{A: 6, B: 7}, &slow, nil)
	smallCall := client.Go("Arith.Multiply", &Args{A: 2, B: 3}, &small, nil)
	bigCall := client.Go("Arith.Multiply", &Args{A: 4, B: 5}, &big, nil)
	fmt.Fprintf(w, "   started SlowMultiply 6*7, Multiply 2*3 and Multiply 4*5 on one client, one connection\n")

	for _, c := range []struct {
		call  *rpc.Call
		label string
		reply *int
	}{{smallCall, "Multiply 2*3", &small}, {bigCall, "Multiply 4*5", &big}} {
		if err := waitCall(c.call, storyDeadline); err != nil {
			return fmt.Errorf("%s: %w", c.label, err)
		}
		fmt.Fprintf(w, "   %s = %d\n", c.label, *c.reply)
	}
	select {
	case <-slowCall.Done:
		fmt.Fprintf(w, "   SlowMultiply had already finished (unexpected on an idle machine)\n")
	default:
		fmt.Fprintf(w, "   SlowMultiply is still running: the fast replies overtook it\n")
	}
	if err := waitCall(slowCall, storyDeadline); err != nil {
		return fmt.Errorf("SlowMultiply 6*7: %w", err)
	}
	fmt.Fprintf(w, "   SlowMultiply 6*7 = %d (after %v)\n", slow, slowDelay)
	fmt.Fprintf(w, "   Each request carries a sequence number and the server answers each in its own goroutine,\n")
	fmt.Fprintf(w, "   so one connection multiplexes many calls and replies may come back in any order.\n")
	return nil
}

func stepServerError(w io.Writer, client *rpc.Client) error {
	fmt.Fprintf(w, "== 4. An error returned by the server\n")
	var q Quotient
	err := client.Call("Arith.Divide", &Args{A: 7, B: 0}, &q)
	var serverErr rpc.ServerError
	if !errors.As(err, &serverErr) {
		return fmt.Errorf("Arith.Divide 7/0: got %v, want an rpc.ServerError", err)
	}
	fmt.Fprintf(w, "   Arith.Divide 7/0 -> error %q of type %T\n", err, err)
	fmt.Fprintf(w, "   errors.Is(err, ErrDivideByZero) = %t: only the text crossed the wire, not the error value.\n",
		errors.Is(err, ErrDivideByZero))
	fmt.Fprintf(w, "   So outcomes a caller must tell apart belong in the reply struct (a Found or Success field);\n")
	fmt.Fprintf(w, "   the error result should mean only that the call itself failed.\n")
	return nil
}
