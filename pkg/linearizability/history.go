// Histories: what a test records while its clients run, and the recorder
// that stamps each operation with the time it was called and the time it
// returned.
//
// The checker knows nothing about the system under test. All it sees is
// what each client asked, what it was told, and when: an interval of time
// per operation. Two operations whose intervals overlap ran concurrently, and
// may take effect in either order; an operation that returned before another
// was called must take effect first.

package linearizability

import (
	"math"
	"sync"
	"time"
)

// NoReturn is the Return time of an operation whose outcome is unknown: the
// client gave up waiting (a timeout, a lost connection), so the operation
// may have taken effect at any moment after its call, or never. A write that
// timed out is the common case: the leader may still commit it later.
const NoReturn int64 = math.MaxInt64

// Operation is one call of one client, as the client saw it.
//
// Call and Return are readings of one monotonic clock (nanoseconds, or any
// unit, as long as every operation of a history uses the same clock), with
// Call <= Return. Input and Output are the model's types: [KVInput] and
// [KVOutput] for [KVModel], [RegisterInput] and [RegisterOutput] for
// [RegisterModel].
//
// An operation's outcome is unknown when Return is [NoReturn] or when its
// Output reports so through [OutcomeReporter] ([KVOutput.Unknown]). The
// checker then lets it take effect at any point after Call, or not at all,
// and ignores what Output says.
type Operation struct {
	ClientID int
	Input    any
	Output   any
	Call     int64
	Return   int64
}

// OutcomeReporter is implemented by outputs that can say "the client never
// learned what happened", such as [KVOutput] with Unknown set. The checker
// treats such an operation as if it had never returned.
type OutcomeReporter interface {
	OutcomeUnknown() bool
}

// OutcomeKnown reports whether the client learned the operation's outcome:
// it returned, and its output does not say "unknown".
func (op Operation) OutcomeKnown() bool {
	if op.Return == NoReturn {
		return false
	}
	if r, ok := op.Output.(OutcomeReporter); ok && r.OutcomeUnknown() {
		return false
	}
	return true
}

// Recorder collects a history from concurrent clients. It is safe for
// concurrent use.
//
// Each client brackets every operation with [Recorder.Begin] and the
// function Begin returns:
//
//	done := rec.Begin(clientID, linearizability.KVInput{Op: "get", Key: "x"})
//	value, version, err := client.Get(ctx, "x")
//	done(linearizability.KVOutput{Value: value, Version: version, Ok: err == nil})
//
// The clock is read inside Begin before the operation starts and inside done
// after it ends, so the recorded interval contains the moment the system
// really executed it: that is all the checker assumes.
type Recorder struct {
	now func() int64

	mu  sync.Mutex
	ops []Operation // in the order Begin was called
}

// NewRecorder returns a recorder whose clock is the monotonic reading of
// time.Now, in nanoseconds since the recorder was made. Inside a
// testing/synctest bubble time.Now is the bubble's virtual clock, so make
// the recorder inside the bubble too.
func NewRecorder() *Recorder {
	start := time.Now()
	// time.Since subtracts the monotonic readings, so a wall clock step
	// (NTP, a leap second) cannot make an operation return before its call.
	return NewRecorderClock(func() int64 { return int64(time.Since(start)) })
}

// NewRecorderClock returns a recorder that reads times from now, which must
// never go backwards and must be safe for concurrent use.
func NewRecorderClock(now func() int64) *Recorder {
	return &Recorder{now: now}
}

// Begin records that clientID is calling an operation with the given input
// and returns the function to call with its output once it returns. Call
// the returned function at most once; later calls are ignored. An operation
// whose function is never called stays in the history with an unknown
// outcome (Return is [NoReturn]), as does one whose output says so (a
// [KVOutput] with Unknown set). Both are safe for concurrent use.
func (r *Recorder) Begin(clientID int, input any) (done func(output any)) {
	r.mu.Lock()
	// Read the clock under the lock so that the order of r.ops agrees
	// with the call times: it keeps History sorted for free.
	call := r.now()
	i := len(r.ops)
	r.ops = append(r.ops, Operation{ClientID: clientID, Input: input, Call: call, Return: NoReturn})
	r.mu.Unlock()

	var once sync.Once
	return func(output any) {
		once.Do(func() {
			ret := r.now()
			r.mu.Lock()
			defer r.mu.Unlock()
			r.ops[i].Output = output
			r.ops[i].Return = ret
		})
	}
}

// History returns a copy of the operations recorded so far, in the order
// they were called. Operations still running appear with Return set to
// [NoReturn]. Safe for concurrent use.
func (r *Recorder) History() []Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Operation(nil), r.ops...)
}
