// The life of one call: check, copy the arguments over the wire, roll the
// dice, carry the request, run the method, carry the reply back. Each step
// re-checks the network, because a link can be cut or a node crash at any
// moment in between.

package netsim

import (
	"errors"
	"fmt"
	"reflect"
	"time"
)

// Client makes calls from one node to another. Its Call has the signature of
// (*rpc.Client).Call, so code written against an interface like
//
//	type Peer interface{ Call(serviceMethod string, args, reply any) error }
//
// runs over net/rpc in production and over a Network in tests. A Client is
// safe for concurrent use and never needs closing.
type Client struct {
	net      *Network
	from, to string
}

// message is one call in flight. It remembers both ends' incarnations so that
// a crash or restart while it travels loses it.
type message struct {
	serviceMethod string
	from, to      string
	fromInc       uint64
	toInc         uint64
	method        *method       // looked up in the destination's server when the request left
	arg           reflect.Value // a pointer to the server's own copy of the arguments
	replyType     reflect.Type  // the caller's reply type, without the pointer
}

// result is what travels back to the caller: a pointer to a fresh reply of the
// caller's type, or an error.
type result struct {
	reply reflect.Value
	err   error
}

// Call sends serviceMethod ("Service.Method") with args to the client's
// destination and waits for the reply, which it stores in reply: a non-nil
// pointer to a zero value. Caller and server never share memory: arguments
// and reply are copied through gob.
//
// Call returns
//   - nil, with reply filled in, when the method succeeded and its reply
//     made it back;
//   - the method's error as an rpc.ServerError (message only, as net/rpc);
//   - [ErrDisconnected] (wrapped) after a short delay when the message cannot
//     leave: link cut, either end crashed, destination unknown;
//   - [ErrTimeout] (wrapped) after the timeout when the request or reply was
//     lost or late; the method may or may not have run;
//   - [ErrNoMethod] or [ErrCodec] (wrapped) at once for a call no network
//     could deliver: unknown method, a type gob cannot carry in full, a reply
//     that is not a pointer to a zero value.
//
// Call never panics on bad input and blocks for at most the timeout (or the
// short refusal delay). It is safe for concurrent use.
func (c *Client) Call(serviceMethod string, args any, reply any) error {
	if c == nil || c.net == nil {
		return errors.New("netsim: Call on a nil Client; use Network.Client")
	}
	n := c.net
	if err := checkReply(reply); err != nil {
		return err
	}
	if args == nil {
		return fmt.Errorf("netsim: %s: args are nil: %w", serviceMethod, ErrCodec)
	}
	if err := checkType(reflect.TypeOf(args)); err != nil {
		return err
	}

	// Can the request leave at all?
	n.mu.Lock()
	from, to := n.nodeLocked(c.from), n.nodes[c.to]
	if n.closed || !n.connectedLocked(c.from, c.to) || to.server == nil {
		from.stats.RPCsSent++
		n.totalRPCs++
		d, log := n.refusedDelayLocked(), n.log
		n.mu.Unlock()
		log.Debug("call refused", "method", serviceMethod, "from", c.from, "to", c.to)
		time.Sleep(d)
		return fmt.Errorf("%w: %s from %s to %s", ErrDisconnected, serviceMethod, c.from, c.to)
	}
	m := &message{
		serviceMethod: serviceMethod,
		from:          c.from,
		to:            c.to,
		fromInc:       from.incarnation,
		toInc:         to.incarnation,
		replyType:     reflect.TypeOf(reply).Elem(),
	}
	server := to.server
	n.mu.Unlock()

	// Put the arguments on the wire now: the caller may reuse them as soon
	// as Call returns, even if the request is still travelling.
	var err error
	if m.method, err = server.lookup(serviceMethod); err != nil {
		return err
	}
	var size int
	if m.arg, size, err = n.transfer(c.from, c.to, args, m.method.argTarget()); err != nil {
		return fmt.Errorf("netsim: %s arguments: %w", serviceMethod, err)
	}

	n.mu.Lock()
	from.stats.RPCsSent++
	from.stats.BytesSent += size
	n.totalRPCs++
	// A network closed since the check above loses the request, so that no
	// message starts travelling once Close is waiting for the last one.
	lost := n.closed || n.lostLocked(n.dropRequests)
	var delay time.Duration
	if !lost {
		delay = n.delayLocked()
	}
	timeout, log := n.timeout, n.log
	if !lost {
		n.inflight.Add(1) // under mu and only while open: never during Close's wait
	}
	n.mu.Unlock()
	if lost {
		log.Debug("request lost", "method", serviceMethod, "from", c.from, "to", c.to)
	}

	// The buffer lets a late reply be handed over after the caller has given
	// up, so the goroutine carrying it never blocks.
	done := make(chan result, 1)
	if !lost {
		go n.carry(m, delay, done)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			return r.err
		}
		// r.reply was decoded for this call alone, so a shallow copy hands
		// the caller memory nobody else holds.
		reflect.ValueOf(reply).Elem().Set(r.reply.Elem())
		return nil
	case <-timer.C:
		return fmt.Errorf("%w: %s from %s to %s after %v", ErrTimeout, serviceMethod, c.from, c.to, timeout)
	}
}

// carry is the goroutine of one call in flight: it delays the request, runs
// the method, then delays the reply and hands it to the caller if the way
// back is still open. It holds the network mutex only to look at the network,
// never while sleeping or while the method runs.
func (n *Network) carry(m *message, delay time.Duration, done chan<- result) {
	defer n.inflight.Done()
	sleep(delay)

	// The request arrives. A destination that crashed or restarted since the
	// request left never sees it: that process is gone.
	n.mu.Lock()
	to := n.nodes[m.to]
	arrived := to.incarnation == m.toInc && !n.closed
	if arrived {
		to.stats.RPCsReceived++
	}
	log := n.log
	n.mu.Unlock()
	if !arrived {
		log.Debug("request lost", "method", m.serviceMethod, "from", m.from, "to", m.to, "reason", "destination crashed")
		return
	}

	r := result{}
	size := 0
	if reply, err := m.method.call(m.arg); err != nil {
		r.err = err
		size = len(err.Error())
	} else if r.reply, size, err = n.transfer(m.to, m.from, reply.Interface(), m.replyType); err != nil {
		r.err = fmt.Errorf("netsim: %s reply: %w", m.serviceMethod, err)
	}

	// The reply leaves, unless the server crashed while the method ran.
	n.mu.Lock()
	if to.incarnation != m.toInc {
		n.mu.Unlock()
		log.Debug("reply lost", "method", m.serviceMethod, "from", m.to, "to", m.from, "reason", "server crashed")
		return
	}
	to.stats.BytesSent += size
	lost := n.lostLocked(n.dropReplies)
	if !lost {
		delay = n.delayLocked()
	}
	n.mu.Unlock()
	if lost {
		log.Debug("reply lost", "method", m.serviceMethod, "from", m.to, "to", m.from)
		return
	}

	sleep(delay)

	// The reply arrives. A cut link or a crash of either end in the meantime
	// loses it; so does a restart of the caller, whose waiting goroutine
	// belonged to the old process.
	n.mu.Lock()
	from := n.nodes[m.from]
	delivered := n.connectedLocked(m.from, m.to) &&
		from.incarnation == m.fromInc && to.incarnation == m.toInc
	n.mu.Unlock()
	if !delivered {
		log.Debug("reply lost", "method", m.serviceMethod, "from", m.to, "to", m.from, "reason", "link cut or an end crashed")
		return
	}
	done <- r
}

// sleep waits d, skipping the timer entirely for zero delays so that a
// network without delays costs no timer per message.
func sleep(d time.Duration) {
	if d > 0 {
		time.Sleep(d)
	}
}
