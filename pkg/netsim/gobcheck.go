// The gob check: gob's quiet mistakes, found by walking a type once and turned
// into loud errors before a message is sent.

package netsim

import (
	"encoding"
	"encoding/gob"
	"fmt"
	"reflect"
	"sync"
)

// fieldError reports a struct field that gob would skip without a word.
// It unwraps to [ErrCodec].
type fieldError struct {
	typ   reflect.Type // the struct that holds the field
	field string
	why   string // "unexported field" or "func field", "chan field"
}

func (e *fieldError) Error() string {
	return fmt.Sprintf("netsim: type %s has %s %q: gob would silently drop it", e.typ, e.why, e.field)
}

func (e *fieldError) Unwrap() error { return ErrCodec }

// checkedTypes caches the verdict of checkType per type: a Raft test sends the
// same few types millions of times, and the walk below only needs to run once.
// A nil error is stored as a nil *fieldError.
var checkedTypes sync.Map // reflect.Type -> *fieldError

// checkType reports the first field reachable from t that gob would drop
// silently: an unexported field, or a func or chan field. gob refuses some
// mistakes loudly (a struct with no exported fields at all) but ignores these,
// so a Raft reply whose "term" field is lowercase arrives as zero and the bug
// hides for hours. The walk follows pointers, slices, arrays and maps, and
// stops at types that encode themselves (time.Time, for instance, has only
// unexported fields but implements GobEncoder).
func checkType(t reflect.Type) error {
	if v, ok := checkedTypes.Load(t); ok {
		if fe := v.(*fieldError); fe != nil {
			return fe
		}
		return nil
	}
	fe := walkType(t, map[reflect.Type]bool{})
	checkedTypes.Store(t, fe)
	if fe != nil {
		return fe
	}
	return nil
}

var (
	gobEncoderType    = reflect.TypeFor[gob.GobEncoder]()
	binaryMarshalType = reflect.TypeFor[encoding.BinaryMarshaler]()
	textMarshalType   = reflect.TypeFor[encoding.TextMarshaler]()
)

// walkType does the work of checkType. seen breaks cycles such as a linked
// list node that points to its own type.
func walkType(t reflect.Type, seen map[reflect.Type]bool) *fieldError {
	if seen[t] {
		return nil
	}
	seen[t] = true
	if encodesItself(t) {
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return walkType(t.Elem(), seen)
	case reflect.Map:
		if fe := walkType(t.Key(), seen); fe != nil {
			return fe
		}
		return walkType(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				return &fieldError{typ: t, field: f.Name, why: "unexported field"}
			}
			switch f.Type.Kind() {
			case reflect.Func:
				return &fieldError{typ: t, field: f.Name, why: "func field"}
			case reflect.Chan:
				return &fieldError{typ: t, field: f.Name, why: "chan field"}
			}
			if fe := walkType(f.Type, seen); fe != nil {
				return fe
			}
		}
	}
	// Interfaces are checked by gob itself when a value is sent: the concrete
	// type must be registered with gob.Register, or encoding fails loudly.
	return nil
}

// encodesItself reports whether gob hands t's values to a method of t instead
// of looking at its fields. gob checks both t and *t.
func encodesItself(t reflect.Type) bool {
	for _, m := range []reflect.Type{gobEncoderType, binaryMarshalType, textMarshalType} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

// checkReply makes sure reply can receive a decoded value: a non-nil pointer
// to a zero value of a type gob can fill in full.
//
// The zero-value rule catches a classic net/rpc bug. gob does not send fields
// that hold their zero value, so decoding "Success: false" into a reply that
// already says "Success: true" leaves true in place. A reply reused across
// calls carries stale answers; demanding a fresh reply turns that silent bug
// into an error at the call site.
func checkReply(reply any) error {
	if reply == nil {
		return fmt.Errorf("netsim: reply is nil, want a pointer: %w", ErrCodec)
	}
	rv := reflect.ValueOf(reply)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("netsim: reply is %T, want a non-nil pointer: %w", reply, ErrCodec)
	}
	if err := checkType(rv.Type()); err != nil {
		return err
	}
	if !rv.Elem().IsZero() {
		return fmt.Errorf("netsim: reply %T is not the zero value: gob skips zero fields, so stale values would survive decoding; pass a fresh reply: %w", reply, ErrCodec)
	}
	return nil
}
