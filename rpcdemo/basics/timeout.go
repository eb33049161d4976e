// Step 5: net/rpc has no per-call timeout, so the caller builds one from
// client.Go, call.Done and a timer. The helpers here bound every later wait.

package main

import (
	"errors"
	"fmt"
	"io"
	"net/rpc"
	"time"
)

// callTimeout is how long step 5 waits for SlowMultiply: a fifth of
// slowDelay, so it gives up long before the reply comes.
const callTimeout = slowDelay / 5

// ErrCallTimeout is returned (wrapped) by callWithTimeout when the reply does
// not arrive in time. The call itself may still complete on the server.
var ErrCallTimeout = errors.New("rpc call timed out")

func stepTimeout(w io.Writer, client *rpc.Client) error {
	fmt.Fprintf(w, "== 5. A client-side timeout: select on call.Done and a timer\n")
	var product int
	call := client.Go("Arith.SlowMultiply", &Args{A: 3, B: 3}, &product, nil)
	timer := time.NewTimer(callTimeout)
	defer timer.Stop()
	select {
	case <-call.Done:
		return fmt.Errorf("SlowMultiply answered within %v, want it slower", callTimeout)
	case <-timer.C:
		fmt.Fprintf(w, "   SlowMultiply 3*3: gave up after %v\n", callTimeout)
	}
	fmt.Fprintf(w, "   net/rpc has no per-call timeout and no way to cancel: the server keeps working\n")
	fmt.Fprintf(w, "   and the call stays pending on the client until its reply arrives.\n")
	if err := waitCall(call, storyDeadline); err != nil {
		return fmt.Errorf("late SlowMultiply 3*3: %w", err)
	}
	fmt.Fprintf(w, "   The late reply arrived anyway: 3*3 = %d. A caller that had moved on discards it,\n", product)
	fmt.Fprintf(w, "   and must not reuse the reply variable, which net/rpc writes when the reply comes.\n")
	return nil
}

// waitCall waits for call to finish, but no longer than d, and returns the
// call's error.
func waitCall(call *rpc.Call, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-call.Done:
		return call.Error
	case <-timer.C:
		return fmt.Errorf("%s: %w after %v", call.ServiceMethod, ErrCallTimeout, d)
	}
}

// callWithTimeout is client.Call with a time limit: the shape every real
// net/rpc caller ends up writing. After a timeout the call is abandoned, not
// cancelled: the server still runs it, and net/rpc still writes the late
// reply into reply, so the caller must not read or reuse reply afterwards.
func callWithTimeout(client *rpc.Client, method string, args, reply any, d time.Duration) error {
	return waitCall(client.Go(method, args, reply, nil), d)
}
