// The one-shot commands (get, put, append, cas, del) and lock, all through
// a kv.Clerk.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"distkit/pkg/coord"
	"distkit/pkg/kv"
	"distkit/pkg/raft"
	"distkit/pkg/retry"
)

// op is one parsed get, put, append, cas or del.
type op struct {
	cmd, key, value string
	version         int64 // cas
}

// parseOp checks the arguments of a one-shot command.
func parseOp(cmd string, args []string) (op, error) {
	want := map[string]int{"get": 1, "del": 1, "put": 2, "append": 2, "cas": 3}[cmd]
	shape := map[string]string{"get": "KEY", "del": "KEY", "put": "KEY VALUE", "append": "KEY VALUE", "cas": "KEY VERSION VALUE"}[cmd]
	if len(args) != want {
		return op{}, usagef("%s wants %s, got %d argument(s)", cmd, shape, len(args))
	}
	o := op{cmd: cmd, key: args[0]}
	switch cmd {
	case "put", "append":
		o.value = args[1]
	case "cas":
		v, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || v < 0 {
			return op{}, usagef("cas: VERSION %q is not a version (0 or more; 0: the key must not exist)", args[1])
		}
		o.version, o.value = v, args[2]
	}
	return o, nil
}

// newClerk returns a clerk for the cluster and a function that closes its
// connections. One call to a server waits at most a little more than the
// server's own request timeout (1s by default), and never longer than the
// whole operation may take.
func newClerk(opts options) (*kv.Clerk, func()) {
	callTimeout := min(2*time.Second, opts.timeout)
	peers := make(map[int]raft.Peer)
	var closers []*raft.RPCPeer
	for id, addr := range opts.servers {
		p := raft.DialPeer(addr, callTimeout)
		peers[id] = p
		closers = append(closers, p)
	}
	return kv.NewClerk(peers, nil, retry.Policy{}), func() {
		for _, p := range closers {
			p.Close()
		}
	}
}

// runOp performs one operation and prints its result.
func runOp(ctx context.Context, opts options, o op, stdout io.Writer) error {
	ck, done := newClerk(opts)
	defer done()
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()

	var v kv.Value
	var err error
	switch o.cmd {
	case "get":
		v, err = ck.Get(ctx, o.key)
	case "put":
		v, err = ck.Put(ctx, o.key, o.value)
	case "append":
		v, err = ck.Append(ctx, o.key, o.value)
	case "cas":
		v, err = ck.CompareAndSwap(ctx, o.key, o.version, o.value, 0)
	case "del":
		err = ck.Delete(ctx, o.key)
	}
	if err != nil {
		return explain(err, opts, o, v)
	}
	fmt.Fprint(stdout, formatResult(o.cmd, v))
	return nil
}

// formatResult is what a successful operation prints. get prints the bare
// value so scripts can use it; the rest print the key's new version and the
// store's revision, which is what the next cas needs.
func formatResult(cmd string, v kv.Value) string {
	switch cmd {
	case "get":
		return v.Value + "\n"
	case "del":
		return "deleted\n"
	}
	return fmt.Sprintf("OK version=%d revision=%d\n", v.Version, v.Revision)
}

// explain turns a clerk error into a message for a person: which expected
// outcome it was, or, when no server answered, what was tried.
func explain(err error, opts options, o op, v kv.Value) error {
	switch {
	case errors.Is(err, kv.ErrNotFound):
		return fmt.Errorf("%s %q: key not found", o.cmd, o.key)
	case errors.Is(err, kv.ErrVersionMismatch):
		return fmt.Errorf("cas %q: the key's version is %d, not %d; nothing written", o.key, v.Version, o.version)
	case errors.Is(err, context.DeadlineExceeded):
		msg := fmt.Sprintf("%s %q: no leader answered within %v (tried %s); is the cluster running, with a majority up?",
			o.cmd, o.key, opts.timeout, serverList(opts.servers))
		if o.cmd != "get" {
			msg += " The write may still take effect."
		}
		return errors.New(msg)
	}
	return fmt.Errorf("%s %q: %w", o.cmd, o.key, err)
}

// lockArgs is a parsed lock command.
type lockArgs struct {
	name string
	ttl  time.Duration // the lease's time to live
	hold time.Duration // how long to hold the lock; 0: until Ctrl-C
}

// parseLock accepts the name before or after the flags.
func parseLock(args []string) (lockArgs, error) {
	var l lockArgs
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		l.name, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("lock", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.DurationVar(&l.ttl, "ttl", 5*time.Second, "lease time to live")
	fs.DurationVar(&l.hold, "hold", 10*time.Second, "hold time (0: until Ctrl-C)")
	if err := fs.Parse(args); err != nil {
		return l, usagef("lock: %v", err)
	}
	if l.name == "" && fs.NArg() > 0 {
		l.name = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return l, usagef("lock: unexpected argument %q", fs.Arg(0))
	}
	switch {
	case l.name == "":
		return l, usagef("lock wants NAME")
	case l.ttl < 100*time.Millisecond:
		return l, usagef("lock: -ttl %v: want at least 100ms", l.ttl)
	case l.hold < 0:
		return l, usagef("lock: -hold %v: want 0 or more", l.hold)
	}
	return l, nil
}

// runLock takes the lock l.name with pkg/coord's Mutex: a lease, a
// compare-and-swap that creates the key "lock/NAME" only if it is absent,
// and keepalives while held. The fencing token is the store's revision when
// the key was created: it only grows, so a resource that remembers the
// highest token it has seen can refuse a holder whose lease ran out while it
// was paused. Releasing revokes the lease, which deletes the key; a holder
// that dies stops renewing, and the lock frees itself after the TTL.
// Waiting for a held lock counts against -timeout.
func runLock(ctx context.Context, opts options, l lockArgs, stdout io.Writer) error {
	ck, done := newClerk(opts)
	defer done()
	m := coord.NewMutex(ck, l.name, l.ttl)

	lockCtx, cancel := context.WithTimeout(ctx, opts.timeout)
	token, err := m.Lock(lockCtx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("lock %q: not acquired within %v: it is held by someone else, or the cluster did not answer (tried %s)",
				l.name, opts.timeout, serverList(opts.servers))
		}
		return fmt.Errorf("lock %q: %w", l.name, err)
	}
	fmt.Fprintf(stdout, "acquired lock %q: fencing token %d (ttl %v)\n", l.name, token, l.ttl)

	var holdC <-chan time.Time
	if l.hold > 0 {
		t := time.NewTimer(l.hold)
		defer t.Stop()
		holdC = t.C
	}
	select {
	case <-holdC:
	case <-ctx.Done():
	case <-m.Lost():
		return fmt.Errorf("lock %q: lease lost while holding it; the lock may be someone else's now", l.name)
	}
	// Release even after Ctrl-C: a fresh context, not the cancelled one.
	rctx, cancel := context.WithTimeout(context.Background(), opts.timeout)
	defer cancel()
	if err := m.Unlock(rctx); err != nil {
		return fmt.Errorf("lock %q: release: %w (the lease lapses by itself within %v)", l.name, err, l.ttl)
	}
	fmt.Fprintf(stdout, "released lock %q\n", l.name)
	return nil
}
