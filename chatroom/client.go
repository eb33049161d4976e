// One connected person, whatever the transport. The hub sends into the
// outbox; the transport's writer goroutine drains it. The outbox is bounded,
// so a client that stops reading fills its own outbox and nobody else's.

package main

import "time"

// client is one member of the chat. Its fields come in two groups with
// different owners, and mixing them up is a data race:
//
//   - out, quit, transport, remote, session and wantNick are set when the
//     client is created and never change; bye and flush are written by the
//     hub just before it closes quit, so the writer reads them after <-quit.
//   - everything below "hub-owned" is read and written only by the hub
//     goroutine, which is why it needs no lock.
type client struct {
	out  chan *message // the outbox: the hub sends without blocking, the writer receives
	quit chan struct{} // closed by the hub when the client is gone: the writer says bye and stops

	bye   *message // the last line to write, or nil (set before quit is closed)
	flush bool     // whether to write what is still in the outbox before bye

	transport string // "tcp" or "web", shown by /who
	remote    string // the peer's address, for logs
	session   string // the web client's secret session token; "" for TCP
	wantNick  string // the nickname asked for when connecting; "" for a guest name

	// hub-owned
	nick      string
	room      *room
	tokens    float64   // the token bucket: lines the client may still send right now
	last      time.Time // when tokens was last topped up
	throttled bool      // told "slow down" already; quiet until a token comes back
	dropped   int       // messages dropped from a full outbox (drop-oldest policy)
	slow      bool      // the outbox overflowed: the hub drops the client after this event
}

// newClient makes a client with an outbox of the given capacity. Nothing is
// allocated for reading or writing: that is the transport's business, and
// it allocates as little as it can (see tcp.go).
func newClient(transport, remote string, outbox int) *client {
	return &client{
		out:       make(chan *message, outbox),
		quit:      make(chan struct{}),
		transport: transport,
		remote:    remote,
	}
}

// allow takes a token from the client's bucket, topping it up first at
// rate tokens per second up to burst. Call only from the hub goroutine.
func (c *client) allow(now time.Time, rate float64, burst int) bool {
	if rate <= 0 {
		return true // no limit
	}
	if c.last.IsZero() {
		c.tokens = float64(burst) // a new client starts with a full bucket
	} else if elapsed := now.Sub(c.last).Seconds(); elapsed > 0 {
		c.tokens = min(float64(burst), c.tokens+elapsed*rate)
	}
	c.last = now
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	c.throttled = false
	return true
}

// maxBatch is how many queued messages a writer hands to one write call.
const maxBatch = 32

// writeLoop is the body of a writer goroutine: it hands queued messages to
// write, in batches of what is waiting (so a busy room costs one system
// call per batch, not one per message), until the hub closes quit; then it
// finishes (see finish). A failed write ends the loop at once; the
// transport notices the broken connection and tells the hub.
//
// While it waits on the outbox the writer holds no buffer, only its small
// goroutine stack; the batch slice is allocated at the first message.
func (c *client) writeLoop(write func([]*message) error) {
	var batch []*message
	for {
		select {
		case m := <-c.out:
			batch = append(batch[:0], m)
			for len(batch) < maxBatch && len(c.out) > 0 {
				batch = append(batch, <-c.out) // only this goroutine receives
			}
			if write(batch) != nil {
				return
			}
			clear(batch) // let the messages be collected
		case <-c.quit:
			c.finish(write)
			return
		}
	}
}

// finish writes what the hub asked for once it has closed quit: the rest
// of the outbox if flush (the hub sends nothing more after closing quit),
// then bye. The connection closes either way, so errors are not worth
// reporting.
func (c *client) finish(write func([]*message) error) {
	var rest []*message
	if c.flush {
		for len(c.out) > 0 {
			rest = append(rest, <-c.out)
		}
	}
	if c.bye != nil {
		rest = append(rest, c.bye)
	}
	if len(rest) > 0 {
		write(rest)
	}
}
