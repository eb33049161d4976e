// The wire: every argument and reply is copied through gob, exactly as net/rpc
// would send it, so that caller and server never share memory and a type gob
// cannot carry fails here, in the test, rather than in production.

package netsim

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
	"sync"
)

// stream is one direction of gob traffic on one link for one pair of types:
// values of type src go in, fresh values of type dst come out.
//
// A real net/rpc connection is one long gob stream, so each type's
// description crosses the wire once and later messages carry only values.
// Keeping a stream per (link, src, dst) gives the same byte counts and, more
// to the point, the same speed: a fresh encoder and decoder per message would
// describe and compile the types again every time, several times slower.
// Messages can travel out of order because each one is decoded the moment it
// is encoded; the bytes never wait in the buffer.
type stream struct {
	mu  sync.Mutex // one message at a time keeps encoder and decoder in step
	buf bytes.Buffer
	enc *gob.Encoder
	dec *gob.Decoder
}

type streamKey struct {
	from, to string
	src, dst reflect.Type
}

// transfer copies v into a new value of type dst by encoding and decoding it
// with gob on the from>to stream. It returns a pointer to the new value and
// the number of bytes that crossed the wire.
func (n *Network) transfer(from, to string, v any, dst reflect.Type) (reflect.Value, int, error) {
	key := streamKey{from, to, reflect.TypeOf(v), dst}
	st, ok := n.streams.Load(key)
	if !ok {
		st, _ = n.streams.LoadOrStore(key, newStream())
	}
	return st.(*stream).transfer(v, dst)
}

func newStream() *stream {
	st := &stream{}
	st.reset()
	return st
}

// reset starts the stream over, as after a broken connection: after an error
// the encoder and decoder may disagree about which types were described.
func (st *stream) reset() {
	st.buf.Reset()
	st.enc = gob.NewEncoder(&st.buf)
	st.dec = gob.NewDecoder(&st.buf)
}

func (st *stream) transfer(v any, dst reflect.Type) (out reflect.Value, size int, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	// gob reports its problems as errors; the recover is a last line of
	// defence so that Call never panics whatever it is given.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("netsim: gob panicked sending %T as %v: %v: %w", v, dst, r, ErrCodec)
		}
		if err != nil {
			st.reset()
		}
	}()
	if err := st.enc.Encode(v); err != nil {
		return reflect.Value{}, 0, fmt.Errorf("netsim: encode %T: %v: %w", v, err, ErrCodec)
	}
	size = st.buf.Len()
	out = reflect.New(dst)
	if err := st.dec.DecodeValue(out); err != nil {
		return reflect.Value{}, 0, fmt.Errorf("netsim: decode %T into %v: %v: %w", v, dst, err, ErrCodec)
	}
	if st.buf.Len() != 0 { // cannot happen with one gob value per Encode
		return reflect.Value{}, 0, fmt.Errorf("netsim: decode %T into %v left %d bytes: %w", v, dst, st.buf.Len(), ErrCodec)
	}
	return out, size, nil
}
