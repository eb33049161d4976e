package queue

import (
	"reflect"
	"testing"
)

// The machine decodes every batch into the same slice. A batch decoded
// over a larger one must come out exactly as decoded fresh: no message,
// header or length left over from the last.
func TestDecodeBatchInto_ReusedSliceHoldsOnlyTheNewBatch(t *testing.T) {
	first := []Message{
		{Key: "a", Value: []byte("one"), Headers: map[string]string{"trace": "x"}},
		{Key: "b", Value: []byte("two"), Headers: map[string]string{"retry": "2"}},
		{Key: "c", Value: []byte("three")},
	}
	second := []Message{{Key: "d", Value: []byte("four")}, {Key: "e"}}

	buf, err := decodeBatchInto(nil, encodeBatch(first))
	if err != nil {
		t.Fatalf("decode first batch: %v", err)
	}
	got, err := decodeBatchInto(buf, encodeBatch(second))
	if err != nil {
		t.Fatalf("decode second batch into the first's slice: %v", err)
	}
	want, err := decodeBatch(encodeBatch(second))
	if err != nil {
		t.Fatalf("decode second batch fresh: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded into a reused slice: %+v, want %+v", got, want)
	}
	if &got[0] != &buf[0] {
		t.Errorf("a smaller batch got a new slice; want the reused one")
	}
	if _, err := decodeBatchInto(buf, []byte{9, 9}); err == nil {
		t.Errorf("decode of a corrupt batch into a reused slice: no error")
	}
}
