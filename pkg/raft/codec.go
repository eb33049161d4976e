// net/rpc with fewer system calls: codecs that coalesce writes.
//
// net/rpc's own gob codecs flush after every message, so each request and
// each reply is one write system call. Under load that is most of the cost
// of a call on one machine: sixty-four clients sharing a connection make
// sixty-four writes where one would carry them all. The codecs here speak
// exactly the same bytes (one gob stream per direction, a header then a
// body per message), so they talk to net/rpc's own clients and servers
// unchanged, but they hand the encoded messages to a flusher goroutine that
// writes whatever has piled up in one call. It is group commit again, for
// sockets: one message alone is written at once, and messages that arrive
// while a write is under way share the next one.

package raft

import (
	"bufio"
	"encoding/gob"
	"errors"
	"io"
	"net"
	"net/rpc"
	"runtime"
	"sync"
	"time"
)

// ServeConn serves srv on conn, like srv.ServeConn, with writes coalesced.
// It blocks until the client hangs up or conn is closed.
func ServeConn(srv *rpc.Server, conn io.ReadWriteCloser) {
	srv.ServeCodec(NewServerCodec(conn))
}

// NewClient returns a net/rpc client on conn, like rpc.NewClient, with
// writes coalesced.
func NewClient(conn io.ReadWriteCloser) *rpc.Client {
	return rpc.NewClientWithCodec(newClientCodec(conn))
}

// maxPending bounds the bytes waiting for the flusher; encoders block past
// it, so a peer that stops reading slows its writers down rather than
// filling memory.
const maxPending = 4 << 20

// closeFlushTimeout bounds how long Close waits for a server's last
// replies to drain to a client that no longer reads.
const closeFlushTimeout = time.Second

// batchWriter collects what encoders write and writes it to conn from one
// goroutine, as much at a time as has piled up. Its Write never makes a
// system call, except to wait for room past maxPending.
type batchWriter struct {
	conn io.WriteCloser

	mu      sync.Mutex
	cond    *sync.Cond // pending grew, room was made, or the writer is closing
	pending []byte
	err     error // the first failed write; every later Write returns it
	closing bool
	done    chan struct{} // closed when the flusher has returned
}

func newBatchWriter(conn io.WriteCloser) *batchWriter {
	w := &batchWriter{conn: conn, done: make(chan struct{})}
	w.cond = sync.NewCond(&w.mu)
	go w.flush()
	return w
}

// Write queues p for the flusher.
func (w *batchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.err == nil && !w.closing && len(w.pending) > maxPending {
		w.cond.Wait()
	}
	switch {
	case w.err != nil:
		return 0, w.err
	case w.closing:
		return 0, net.ErrClosed
	}
	w.pending = append(w.pending, p...)
	w.cond.Broadcast()
	return len(p), nil
}

// flush is the flusher goroutine: it swaps the pending bytes for an empty
// buffer and writes them, outside the mutex, so encoders keep filling the
// next batch during the system call. It returns after a failed write, or
// once closing with nothing left to write.
func (w *batchWriter) flush() {
	defer close(w.done)
	var out []byte
	for {
		w.mu.Lock()
		for len(w.pending) == 0 && !w.closing {
			w.cond.Wait()
		}
		if len(w.pending) == 0 {
			w.mu.Unlock()
			return
		}
		// Yield once before taking the batch: the goroutines that a
		// single event (a commit, a reply) woke together are likely
		// about to write too, and this lets them join.
		w.mu.Unlock()
		runtime.Gosched()
		w.mu.Lock()
		out, w.pending = w.pending, out[:0]
		w.cond.Broadcast() // room for encoders waiting past maxPending
		w.mu.Unlock()

		if _, err := w.conn.Write(out); err != nil {
			w.mu.Lock()
			w.err = err
			w.cond.Broadcast()
			w.mu.Unlock()
			// Messages are lost: close the connection so that its reader
			// fails too and every call waiting on it learns at once.
			w.conn.Close()
			return
		}
		if cap(out) > maxPending { // do not keep a burst's buffer for ever
			out = nil
		}
	}
}

// close stops the flusher and closes conn. With drain, it first lets the
// flusher write what is pending, for at most closeFlushTimeout.
func (w *batchWriter) close(drain bool) error {
	w.mu.Lock()
	already := w.closing
	w.closing = true
	if !drain {
		w.pending = w.pending[:0]
	}
	w.cond.Broadcast()
	w.mu.Unlock()
	if already {
		<-w.done
		return nil
	}
	if c, ok := w.conn.(interface{ SetWriteDeadline(time.Time) error }); ok && drain {
		c.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
	}
	if !drain {
		err := w.conn.Close() // unblocks a write under way
		<-w.done
		return err
	}
	<-w.done
	return w.conn.Close()
}

// gobStream is one connection in net/rpc's gob format: a decoder on the
// way in, an encoder into a batchWriter on the way out. Both codecs below
// are this plus the method names net/rpc expects of each side.
type gobStream struct {
	dec *gob.Decoder
	enc *gob.Encoder // one message at a time: net/rpc serializes its writes
	w   *batchWriter
}

func newGobStream(conn io.ReadWriteCloser) gobStream {
	w := newBatchWriter(conn)
	return gobStream{dec: gob.NewDecoder(bufio.NewReader(conn)), enc: gob.NewEncoder(w), w: w}
}

// write encodes one message, a header then a body.
func (g gobStream) write(header, body any) error {
	if err := g.enc.Encode(header); err != nil {
		return err
	}
	return g.enc.Encode(body)
}

// serverCodec is net/rpc's gob server codec with its writes coalesced.
type serverCodec struct{ gobStream }

// NewServerCodec returns a server codec for conn that speaks net/rpc's gob
// format with writes coalesced, for rpc.Server.ServeCodec.
func NewServerCodec(conn io.ReadWriteCloser) rpc.ServerCodec {
	return serverCodec{newGobStream(conn)}
}

func (c serverCodec) ReadRequestHeader(r *rpc.Request) error { return c.dec.Decode(r) }
func (c serverCodec) ReadRequestBody(body any) error         { return c.dec.Decode(body) }

func (c serverCodec) WriteResponse(r *rpc.Response, body any) error {
	err := c.write(r, body)
	if err != nil {
		c.w.close(true) // a half-written stream is broken: hang up, as net/rpc does
	}
	return err
}

// Close sends the replies still pending, then closes the connection.
// net/rpc calls it once every call on the connection has answered.
func (c serverCodec) Close() error { return c.w.close(true) }

// clientCodec is net/rpc's gob client codec with its writes coalesced.
type clientCodec struct{ gobStream }

func newClientCodec(conn io.ReadWriteCloser) rpc.ClientCodec {
	return clientCodec{newGobStream(conn)}
}

func (c clientCodec) WriteRequest(r *rpc.Request, body any) error { return c.write(r, body) }
func (c clientCodec) ReadResponseHeader(r *rpc.Response) error    { return c.dec.Decode(r) }
func (c clientCodec) ReadResponseBody(body any) error             { return c.dec.Decode(body) }

// Close drops whatever requests are still pending (their calls fail with
// rpc.ErrShutdown) and closes the connection.
func (c clientCodec) Close() error {
	err := c.w.close(false)
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
