package queue

import (
	"fmt"
	"testing"
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
func TestPartition_MalformedChunksRefused(t *testing.T) {
	full := make([]Message, chunkSize)
	tests := []struct {
		name string
		p    partition
	}{
		{"empty but unaligned base", partition{Base: 3}},
		{"short chunk before the last", partition{Chunks: [][]Message{make([]Message, 5), full}}},
		{"oversized chunk", partition{Chunks: [][]Message{make([]Message, chunkSize+1)}}},
		{"base past the first chunk's end", partition{Base: 6, Chunks: [][]Message{make([]Message, 5)}}},
		{"work queue past the end", partition{Next: 6, Chunks: [][]Message{make([]Message, 5)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine()
			m.Topics["t"] = &topic{Config: TopicConfig{Partitions: 1, MaxDeliveries: 1}, Parts: []*partition{&tt.p}}
			data, err := m.snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := restoreMachine(data); err == nil {
				t.Errorf("restoreMachine accepted partition Base %d, Next %d, %d chunks", tt.p.Base, tt.p.Next, len(tt.p.Chunks))
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
