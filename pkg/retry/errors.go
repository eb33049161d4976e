// How an operation tells Do what kind of failure it saw.

package retry

import (
	"errors"
	"time"
)

// ErrBudgetExhausted is wrapped by the error [Do] returns when a [Budget]
// refused a retry. The same error also wraps the last attempt's error.
var ErrBudgetExhausted = errors.New("retry budget exhausted")

// Permanent marks err as not worth retrying (a validation error, "not found",
// "insufficient funds"): [Do] stops after the attempt that returned it and
// returns err itself, without the mark. Permanent(nil) is nil. The mark is
// found with errors.As, so it still works when the operation wraps it further.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// After marks err as retryable no sooner than d from now: the server said so,
// in an HTTP Retry-After header or a "leader busy, retry in 50ms" reply. [Do]
// waits exactly d before the next attempt instead of its computed backoff
// (the caller's context still cuts the wait short). A negative d counts as
// zero. After(nil, d) is nil. If err is also marked [Permanent], Permanent
// wins.
func After(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &afterError{err: err, delay: max(d, 0)}
}

// permanentError is the mark added by Permanent. Its message is err's own, so
// marking an error does not change what a log line says.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// afterError is the mark added by After.
type afterError struct {
	err   error
	delay time.Duration
}

func (e *afterError) Error() string { return e.err.Error() }
func (e *afterError) Unwrap() error { return e.err }

// unmark removes the Permanent and After marks on top of err, so the caller
// gets back the error the operation produced. A mark buried under the
// operation's own wrapping stays, which is harmless: it adds no text and
// unwraps to the same chain.
func unmark(err error) error {
	for {
		switch e := err.(type) {
		case *permanentError:
			err = e.err
		case *afterError:
			err = e.err
		default:
			return err
		}
	}
}
