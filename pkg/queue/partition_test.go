package queue

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"slices"
	"testing"
	"time"
)

// Partitions keep messages in chunks of chunkSize; these cases cross chunk
// boundaries on every path: append, read, retention and snapshots.
func TestPartition_AcrossChunks(t *testing.T) {
	tests := []struct {
		name        string
		produce     int64 // messages appended, one at a time
		maxMessages int64 // retention limit (0: none)
		from, max   int64 // the read
		wantBase    int64
		wantRead    int64 // messages the read returns, starting at max(from, wantBase)
	}{
		{"within the first chunk", 10, 0, 3, 5, 0, 5},
		{"read spans two chunks", chunkSize + 10, 0, chunkSize - 2, 5, 0, 5},
		{"read spans three chunks", 3*chunkSize + 1, 0, 5, 2*chunkSize + 10, 0, 2*chunkSize + 10},
		{"read to the end", 2 * chunkSize, 0, chunkSize - 1, 10 * chunkSize, 0, chunkSize + 1},
		{"retention inside the first chunk", chunkSize + 5, chunkSize, 0, 3, 5, 3},
		{"retention drops whole chunks", 3*chunkSize + 7, chunkSize - 1, 0, chunkSize, 2*chunkSize + 8, chunkSize - 1},
		{"retention drops everything but one", 2 * chunkSize, 1, 0, 10, 2*chunkSize - 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine()
			mustApply(t, m, command{Op: opCreateTopic, Topic: "t", Partitions: 1, MaxMessages: tt.maxMessages, MaxDeliveries: 1})
			for i := range tt.produce {
				mustApply(t, m, produceCmd("t", sec, Message{Value: fmt.Appendf(nil, "%d", i)}))
			}
			for _, mm := range []*machine{m, roundTrip(t, m)} {
				p := mm.Topics["t"].Parts[0]
				if p.Base != tt.wantBase || p.end() != tt.produce {
					t.Fatalf("after %d messages (limit %d): Base %d, end %d; want %d, %d",
						tt.produce, tt.maxMessages, p.Base, p.end(), tt.wantBase, tt.produce)
				}
				runs, code := mm.read("t", 0, tt.from, int(tt.max))
				var got []Message
				for _, run := range runs {
					got = append(got, run...)
				}
				if code != CodeOK || int64(len(got)) != tt.wantRead {
					t.Fatalf("read(from %d, max %d): %d messages, code %q; want %d", tt.from, tt.max, len(got), code, tt.wantRead)
				}
				for i, msg := range got {
					want := max(tt.from, tt.wantBase) + int64(i)
					if msg.Offset != want || string(msg.Value) != fmt.Sprint(want) {
						t.Fatalf("read(from %d, max %d)[%d]: offset %d value %q, want offset and value %d",
							tt.from, tt.max, i, msg.Offset, msg.Value, want)
					}
				}
				// Appending after a snapshot continues where the original would.
				mustApply(t, mm, produceCmd("t", sec, Message{Value: []byte("next")}))
				if last := p.at(p.end() - 1); last.Offset != tt.produce || string(last.Value) != "next" {
					t.Errorf("appended message at offset %d with value %q, want offset %d", last.Offset, last.Value, tt.produce)
				}
			}
		})
	}
}

// roundTrip returns m as a replica restored from its snapshot would see it.
func roundTrip(t *testing.T, m *machine) *machine {
	t.Helper()
	data, err := m.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	back, err := restoreMachine(data)
	if err != nil {
		t.Fatalf("restoring a good snapshot: %v", err)
	}
	return back
}

// A snapshot whose chunks do not fit the layout is refused, not trusted.
// A snapshot stores a partition's messages, not its chunks: it reads back
// as the same partition, with the same layout, whatever retention dropped.
func TestPartition_SnapshotRoundTrip(t *testing.T) {
	for _, keep := range []int64{0, 1, chunkSize - 1, chunkSize, 2*chunkSize + 7} {
		t.Run(fmt.Sprintf("keep=%d", keep), func(t *testing.T) {
			m := newMachine()
			p := &partition{Pending: map[int64]*delivery{}}
			m.Topics["t"] = &topic{Config: TopicConfig{Partitions: 2}, Parts: []*partition{{Pending: map[int64]*delivery{}}, p}}
			for i, msg := range msgs(3*chunkSize+5, "k") {
				msg.Partition, msg.Time = 1, time.Unix(0, int64(i))
				p.append(msg)
			}
			p.enforceLimits(TopicConfig{MaxMessages: keep})
			p.Next = p.Base + keep/2
			if keep > 1 {
				p.Pending[p.Base] = &delivery{Count: 1, Member: "m1"}
			}
			data, err := m.snapshot()
			if err != nil {
				t.Fatal(err)
			}
			restored, err := restoreMachine(data)
			if err != nil {
				t.Fatal(err)
			}
			got := restored.Topics["t"].Parts[1]
			if got.Base != p.Base || got.end() != p.end() || got.Next != p.Next || got.Bytes != p.Bytes ||
				len(got.Chunks) != len(p.Chunks) || !got.wellFormed() || len(got.Pending) != len(p.Pending) {
				t.Fatalf("decoded base %d end %d next %d bytes %d chunks %d pending %d; want %d %d %d %d %d %d",
					got.Base, got.end(), got.Next, got.Bytes, len(got.Chunks), len(got.Pending),
					p.Base, p.end(), p.Next, p.Bytes, len(p.Chunks), len(p.Pending))
			}
			for off := p.Base; off < p.end(); off++ {
				a, b := p.at(off), got.at(off)
				if a.Offset != b.Offset || a.Key != b.Key || string(a.Value) != string(b.Value) ||
					a.Partition != b.Partition || !a.Time.Equal(b.Time) {
					t.Fatalf("offset %d: decoded %+v, want %+v", off, b, a)
				}
			}
		})
	}
}

// Damaged snapshots are errors, never a partition that would index out of
// range later.
func TestPartition_MalformedSnapshotsRefused(t *testing.T) {
	three := msgs(3, "k")
	for i := range three {
		three[i].Offset = int64(10 + i)
	}
	gap := slices.Clone(three)
	gap[2].Offset = 13
	// snapshot builds a one-partition machine's snapshot by hand, with the
	// partition's counters and message block given.
	snapshot := func(base, next int64, block []byte) []byte {
		m := newMachine()
		m.Topics["t"] = &topic{Config: TopicConfig{Partitions: 1}, Parts: []*partition{{Base: base, Next: next}}}
		var head bytes.Buffer
		if err := gob.NewEncoder(&head).Encode(m); err != nil {
			t.Fatal(err)
		}
		b := binary.AppendUvarint(nil, uint64(head.Len()))
		b = append(b, head.Bytes()...)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(block)))
		return append(b, block...)
	}
	good := snapshot(10, 10, encodeFetched(nil, three))
	if _, err := restoreMachine(good); err != nil {
		t.Fatalf("the well-formed snapshot the cases start from: %v", err)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"not a snapshot at all", []byte("nonsense")},
		{"negative base", snapshot(-1, 0, encodeFetched(nil))},
		{"work queue before the base", snapshot(5, 4, encodeFetched(nil))},
		{"work queue past the end", snapshot(10, 14, encodeFetched(nil, three))},
		{"first message not at the base", snapshot(9, 9, encodeFetched(nil, three))},
		{"a gap in the offsets", snapshot(10, 10, encodeFetched(nil, gap))},
		{"messages cut short", good[:len(good)-5]},
		{"trailing bytes", append(slices.Clone(good), 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := restoreMachine(tt.data); err == nil {
				t.Error("restoreMachine accepted it")
			}
		})
	}
}

// A fetch reply written from several runs reads back as one sequence.
func TestEncodeFetched_Runs(t *testing.T) {
	all := msgs(5, "k")
	for i := range all {
		all[i].Offset = int64(10 + i)
	}
	for _, split := range []int{0, 2, 5} {
		got, err := decodeFetched(encodeFetched(nil, all[:split], all[split:]), 3)
		if err != nil || len(got) != len(all) {
			t.Fatalf("runs split at %d: %d messages, %v; want %d", split, len(got), err, len(all))
		}
		for i := range got {
			if got[i].Offset != all[i].Offset || string(got[i].Value) != string(all[i].Value) || got[i].Partition != 3 {
				t.Errorf("runs split at %d: message %d is %+v, want offset %d value %q in partition 3",
					split, i, got[i], all[i].Offset, all[i].Value)
			}
		}
	}
}
