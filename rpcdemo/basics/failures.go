// Step 7: bad input and failures, each with the exact error a caller sees.

package main

import (
	"errors"
	"fmt"
	"io"
	"net/rpc"
	"syscall"
)

// Two bad JSON-RPC lines: one that is not JSON at all, and one that is valid
// JSON whose params do not fit Args.
const (
	malformedJSON = `{"method": Arith.Multiply}`
	badParamsJSON = `{"method":"Arith.Multiply","params":[{"A":"seven","B":8}],"id":2}`
)

func stepFailures(w io.Writer, n network, client *rpc.Client) error {
	fmt.Fprintf(w, "== 7. Bad input and failures\n")
	for _, sub := range []func(io.Writer, network, *rpc.Client) error{
		badJSONLines, unknownMethod, callAfterClose, refusedDial, serverDies,
	} {
		if err := sub(w, n, client); err != nil {
			return err
		}
	}
	return nil
}

// badJSONLines shows the two ways a JSON-RPC request can be wrong. A request
// whose header decodes gets an error reply on a connection that stays open. A
// line that is not JSON at all leaves the server no id to answer to and no
// way to find the next request, so net/rpc closes the connection.
func badJSONLines(w io.Writer, n network, _ *rpc.Client) error {
	lc, err := dialLines(n.dialJSON)
	if err != nil {
		return fmt.Errorf("dial JSON-RPC server: %w", err)
	}
	defer lc.close()

	reply, err := lc.exchange(badParamsJSON)
	if err != nil {
		return fmt.Errorf("JSON-RPC request with bad params: %w", err)
	}
	fmt.Fprintf(w, "   JSON-RPC, wrong param type: sent %s\n", badParamsJSON)
	fmt.Fprintf(w, "     server replied %s\n", reply)
	if reply, err = lc.exchange(jsonRequest); err != nil {
		return fmt.Errorf("JSON-RPC request after bad params: %w", err)
	}
	fmt.Fprintf(w, "     and the connection still works: %s\n", reply)

	reply, err = lc.exchange(malformedJSON)
	switch {
	case errors.Is(err, io.EOF):
		fmt.Fprintf(w, "   JSON-RPC, not JSON: sent %s\n", malformedJSON)
		fmt.Fprintf(w, "     no reply: the server closed the connection (the client reads %v)\n", err)
		return nil
	case err != nil:
		return fmt.Errorf("malformed JSON-RPC line: got %v, want io.EOF", err)
	default:
		return fmt.Errorf("malformed JSON-RPC line: got reply %s, want the connection closed", reply)
	}
}

func unknownMethod(w io.Writer, _ network, client *rpc.Client) error {
	var reply int
	err := callWithTimeout(client, "Arith.Sqrt", &Args{A: 9}, &reply, storyDeadline)
	if _, ok := err.(rpc.ServerError); !ok {
		return fmt.Errorf("Arith.Sqrt: got %v, want an rpc.ServerError", err)
	}
	fmt.Fprintf(w, "   unknown method Arith.Sqrt -> %T %q\n", err, err)
	fmt.Fprintf(w, "     the connection survives; only this call failed\n")
	return nil
}

func callAfterClose(w io.Writer, n network, _ *rpc.Client) error {
	closed, err := dialClient(n.dialGob)
	if err != nil {
		return fmt.Errorf("dial gob server: %w", err)
	}
	closed.Close()
	var reply int
	err = callWithTimeout(closed, "Arith.Multiply", &Args{A: 1, B: 1}, &reply, storyDeadline)
	if !errors.Is(err, rpc.ErrShutdown) {
		return fmt.Errorf("call after Close: got %v, want rpc.ErrShutdown", err)
	}
	fmt.Fprintf(w, "   call after client.Close() -> %q; errors.Is(err, rpc.ErrShutdown) = true\n", err)
	return nil
}

func refusedDial(w io.Writer, n network, _ *rpc.Client) error {
	conn, err := n.dialDead()
	if err == nil {
		conn.Close()
		return errors.New("dial to a dead address succeeded, want connection refused")
	}
	fmt.Fprintf(w, "   dial where no server listens -> %v\n", err)
	fmt.Fprintf(w, "     errors.Is(err, syscall.ECONNREFUSED) = %t: nothing was sent, so trying elsewhere is safe\n",
		errors.Is(err, syscall.ECONNREFUSED))
	return nil
}

// serverDies kills a server while a call is in flight. The pending call fails
// with io.ErrUnexpectedEOF; from then on the client is shut down for good.
func serverDies(w io.Writer, n network, _ *rpc.Client) error {
	dial, kill, err := n.startDoomed()
	if err != nil {
		return fmt.Errorf("start a server to kill: %w", err)
	}
	defer kill()
	client, err := dialClient(dial)
	if err != nil {
		return fmt.Errorf("dial the server to kill: %w", err)
	}
	defer client.Close()

	// Start a slow call, then a fast one on the same connection. The server
	// reads requests in order, so once the fast reply is back the slow request
	// has been read too and is pending: killing the server now is a crash
	// mid-call. (Killed with a request still unread in its socket, the server's
	// kernel would answer with a reset instead of an orderly close.)
	inFlight := client.Go("Arith.SlowMultiply", &Args{A: 5, B: 5}, new(int), nil)
	var product int
	if err := callWithTimeout(client, "Arith.Multiply", &Args{A: 2, B: 2}, &product, storyDeadline); err != nil {
		return fmt.Errorf("Arith.Multiply before the crash: %w", err)
	}
	fmt.Fprintf(w, "   another server: SlowMultiply 5*5 in flight, Multiply 2*2 = %d; now the server dies\n", product)
	kill()
	err = waitCall(inFlight, storyDeadline)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("call in flight when the server died: got %v, want io.ErrUnexpectedEOF", err)
	}
	fmt.Fprintf(w, "     the call in flight -> %q (io.ErrUnexpectedEOF)\n", err)
	err = callWithTimeout(client, "Arith.Multiply", &Args{A: 2, B: 2}, &product, storyDeadline)
	if !errors.Is(err, rpc.ErrShutdown) {
		return fmt.Errorf("call after the server died: got %v, want rpc.ErrShutdown", err)
	}
	fmt.Fprintf(w, "     the next call -> %q, and so will every later one:\n", err)
	fmt.Fprintf(w, "     an rpc.Client never redials. A long-lived caller dials a new client after this.\n")
	return nil
}
