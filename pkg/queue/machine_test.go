package queue

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The machine is a pure function of its commands, so its rules are tested
// without a cluster: build commands, apply them, look at the results.

const sec = int64(time.Second)

func produceCmd(topic string, now int64, msgs ...Message) command {
	return command{Op: opProduce, Topic: topic, Batch: encodeBatch(msgs), Now: now}
}

func createCmd(topic string, cfg TopicConfig) command {
	c := command{Op: opCreateTopic, Topic: topic, Partitions: int64(cfg.Partitions), MaxMessages: cfg.MaxMessages,
		MaxBytes: cfg.MaxBytes, MaxDeliveries: int64(max(cfg.MaxDeliveries, 1))}
	if cfg.DiscardNew {
		c.Flags |= flagDiscardNew
	}
	if cfg.DeleteAcked {
		c.Flags |= flagDeleteAcked
	}
	return c
}

func mustApply(t *testing.T, m *machine, c command) Result {
	t.Helper()
	r := m.apply(c)
	if r.Code != CodeOK {
		t.Fatalf("apply %v: %s %s", c.Op, r.Code, r.Detail)
	}
	return r
}

func msgs(n int, key string) []Message {
	out := make([]Message, n)
	for i := range out {
		out[i] = Message{Key: key, Value: fmt.Appendf(nil, "v%d", i)}
	}
	return out
}

func TestMachine_Retention(t *testing.T) {
	tests := []struct {
		name      string
		cfg       TopicConfig
		produce   []int // batch sizes, all to one key
		wantCode  Code  // of the last batch
		wantBase  int64
		wantCount int
	}{
		{"no limits keep everything", TopicConfig{Partitions: 1}, []int{5, 5}, CodeOK, 0, 10},
		{"count limit drops oldest", TopicConfig{Partitions: 1, MaxMessages: 4}, []int{3, 3}, CodeOK, 2, 4},
		{"byte limit drops oldest", TopicConfig{Partitions: 1, MaxBytes: 4 * 3}, []int{3, 3}, CodeOK, 2, 4}, // key "k" + "vN" = 3 bytes
		{"discard new refuses a batch that does not fit", TopicConfig{Partitions: 1, MaxMessages: 4, DiscardNew: true}, []int{3, 3}, CodeTopicFull, 0, 3},
		{"discard new takes a batch that fits exactly", TopicConfig{Partitions: 1, MaxMessages: 4, DiscardNew: true}, []int{3, 1}, CodeOK, 0, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine()
			mustApply(t, m, createCmd("t", tt.cfg))
			var r Result
			for _, n := range tt.produce {
				r = m.apply(produceCmd("t", 1, msgs(n, "k")...))
			}
			p := m.Topics["t"].Parts[0]
			if r.Code != tt.wantCode || p.Base != tt.wantBase || len(kept(p)) != tt.wantCount {
				t.Errorf("batches %v with %+v: code %q, base %d, %d kept; want %q, %d, %d",
					tt.produce, tt.cfg, r.Code, p.Base, len(kept(p)), tt.wantCode, tt.wantBase, tt.wantCount)
			}
		})
	}
}

func TestMachine_IdempotentProducerRetry(t *testing.T) {
	m := newMachine()
	mustApply(t, m, createCmd("t", TopicConfig{Partitions: 1}))
	c := produceCmd("t", 1, msgs(3, "k")...)
	c.ProducerID, c.Seq = 7, 1
	first := mustApply(t, m, c)
	again := mustApply(t, m, c) // the reply was lost; the client retries
	if len(kept(m.Topics["t"].Parts[0])) != 3 {
		t.Fatalf("after a retried batch the partition holds %d messages, want 3", len(kept(m.Topics["t"].Parts[0])))
	}
	if fmt.Sprint(first.Positions) != fmt.Sprint(again.Positions) {
		t.Errorf("retry answered %v, want the first answer %v", again.Positions, first.Positions)
	}
	c.Seq = 0
	if r := m.apply(c); r.Code != CodeStale {
		t.Errorf("an older batch: code %q, want %q", r.Code, CodeStale)
	}
}

func TestMachine_BadRequests(t *testing.T) {
	m := newMachine()
	mustApply(t, m, createCmd("t", TopicConfig{Partitions: 2}))
	mustApply(t, m, produceCmd("t", 1, msgs(2, "k")...))
	mustApply(t, m, command{Op: opJoin, Topic: "t", Group: "g", Member: "a", Duration: sec, Now: 1})
	tests := []struct {
		name string
		c    command
		want Code
	}{
		{"produce to unknown topic", produceCmd("nope", 1, msgs(1, "k")...), CodeUnknownTopic},
		{"create existing topic", createCmd("t", TopicConfig{Partitions: 1}), CodeTopicExists},
		{"create with no partitions", createCmd("u", TopicConfig{}), CodeInvalid},
		{"join unknown topic", command{Op: opJoin, Topic: "nope", Group: "g2", Member: "a", Duration: sec}, CodeUnknownTopic},
		{"heartbeat unknown group", command{Op: opHeartbeat, Group: "nope", Member: "a"}, CodeUnknownGroup},
		{"heartbeat unknown member", command{Op: opHeartbeat, Group: "g", Member: "zed"}, CodeUnknownMember},
		{"commit beyond the end", command{Op: opCommit, Group: "g", Member: "a", Generation: 1, Partition: int64(PartitionFor("k", 2)), Offset: 3}, CodeOutOfRange},
		{"commit with an old generation", command{Op: opCommit, Group: "g", Member: "a", Generation: 0, Partition: 0, Offset: 0}, CodeRebalance},
		{"ack a message never delivered", command{Op: opAck, Topic: "t", Partition: 0, Offset: 5, Delivery: 1}, CodeInvalid},
		{"ack on a missing partition", command{Op: opAck, Topic: "t", Partition: 9}, CodeInvalid},
		{"produce a corrupt batch", command{Op: opProduce, Topic: "t", Batch: []byte{9, 9}}, CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := m.apply(tt.c); r.Code != tt.want {
				t.Errorf("apply %+v: code %q (%s), want %q", tt.c, r.Code, r.Detail, tt.want)
			}
		})
	}
}

func TestMachine_WorkQueueLeases(t *testing.T) {
	m := newMachine()
	mustApply(t, m, createCmd("jobs", TopicConfig{Partitions: 1, MaxDeliveries: 2, DeleteAcked: true}))
	mustApply(t, m, produceCmd("jobs", 0, msgs(2, "k")...))
	recv := func(who string, now int64) []Delivery {
		return mustApply(t, m, command{Op: opReceive, Topic: "jobs", Member: who, Max: 10, Duration: sec, Now: now}).Deliveries
	}
	ackCmd := func(r Receipt, now int64) command {
		return command{Op: opAck, Topic: "jobs", Partition: int64(r.Partition), Offset: r.Offset, Delivery: int64(r.Delivery), Now: now}
	}
	got := recv("a", 1*sec)
	if len(got) != 2 {
		t.Fatalf("first receive: %d deliveries, want 2", len(got))
	}
	if again := recv("b", 1*sec+1); len(again) != 0 {
		t.Fatalf("a second consumer got %d leased messages, want 0", len(again))
	}
	mustApply(t, m, ackCmd(got[0].Receipt, 1*sec+2))
	// a stops before acking the second message; its lease runs out.
	redo := recv("b", 3*sec)
	if len(redo) != 1 || redo[0].Receipt.Offset != 1 || redo[0].Receipt.Delivery != 2 {
		t.Fatalf("after the lease expired b got %+v, want offset 1 as delivery 2", redo)
	}
	if r := m.apply(ackCmd(got[1].Receipt, 3*sec)); r.Code != CodeLeaseExpired {
		t.Errorf("a's late ack: code %q, want %q", r.Code, CodeLeaseExpired)
	}
	// b nacks it; it has used its 2 deliveries, so it is dead-lettered.
	mustApply(t, m, command{Op: opNack, Topic: "jobs", Partition: 0, Offset: 1, Delivery: 2, Reason: "cannot parse", Now: 3 * sec})
	dlq := kept(m.Topics["jobs.dlq"].Parts[0])
	if len(dlq) != 1 || !strings.Contains(dlq[0].Headers["dead-letter-reason"], "cannot parse") {
		t.Fatalf("dead-letter topic holds %+v, want one message with the reason", dlq)
	}
	if p := m.Topics["jobs"].Parts[0]; len(kept(p)) != 0 || p.Base != 2 {
		t.Errorf("with DeleteAcked the topic keeps %d messages from %d, want none from 2", len(kept(p)), p.Base)
	}
	if lag, _ := m.lag("jobs", ""); lag[0].Lag != 0 {
		t.Errorf("work-queue lag %+v, want 0", lag)
	}
}

func TestMachine_RebalanceWhenMemberExpires(t *testing.T) {
	m := newMachine()
	mustApply(t, m, createCmd("t", TopicConfig{Partitions: 4}))
	for _, who := range []string{"a", "b"} {
		mustApply(t, m, command{Op: opJoin, Topic: "t", Group: "g", Member: who, Duration: sec, Now: 1})
	}
	ra := mustApply(t, m, command{Op: opHeartbeat, Group: "g", Member: "a", Now: sec / 2})
	if fmt.Sprint(ra.Partitions) != "[0 2]" || ra.Generation != 2 {
		t.Fatalf("a holds %v in generation %d, want [0 2] in 2", ra.Partitions, ra.Generation)
	}
	// b stops heartbeating; a tick past its session removes it.
	mustApply(t, m, command{Op: opHeartbeat, Group: "g", Member: "a", Now: sec + 2})
	ra = mustApply(t, m, command{Op: opTick, Now: sec + 3})
	ra = mustApply(t, m, command{Op: opHeartbeat, Group: "g", Member: "a", Now: sec + 4})
	if fmt.Sprint(ra.Partitions) != "[0 1 2 3]" || ra.Generation != 3 {
		t.Errorf("after b expired a holds %v in generation %d, want [0 1 2 3] in 3", ra.Partitions, ra.Generation)
	}
	if code := m.owns("g", "b", 2, 1); code != CodeUnknownMember {
		t.Errorf("fetch fence for expired b: %q, want %q", code, CodeUnknownMember)
	}
}

func TestMachine_SnapshotRoundTripAndCorruption(t *testing.T) {
	m := newMachine()
	mustApply(t, m, createCmd("t", TopicConfig{Partitions: 2}))
	mustApply(t, m, produceCmd("t", 1, msgs(3, "k")...))
	data, err := m.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	back, err := restoreMachine(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := kept(back.Topics["t"].Parts[PartitionFor("k", 2)]); len(got) != 3 || string(got[2].Value) != "v2" {
		t.Errorf("restored partition holds %v, want 3 messages ending in v2", got)
	}
	for _, bad := range [][]byte{nil, []byte("garbage"), data[:len(data)/2]} {
		if _, err := restoreMachine(bad); err == nil {
			t.Errorf("restoreMachine(%d corrupt bytes): no error", len(bad))
		}
	}
}

// FuzzDecodeCommand feeds log entries as they might come off a damaged
// disk or a hostile peer: decoding may fail, never panic, and what decodes
// must survive another round trip unchanged. (The input itself may differ
// from its re-encoding: a varint can be written with needless bytes.)
func FuzzDecodeCommand(f *testing.F) {
	pc := produceCmd("t", 1, msgs(2, "k")...)
	f.Add(pc.encode(nil))
	f.Add((&command{Op: opCommit, Group: "g", Member: "a", Offset: 9}).encode(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCommand(b)
		if err != nil {
			return
		}
		once := c.encode(nil)
		again, err := decodeCommand(once)
		if err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", once, err)
		}
		if twice := again.encode(nil); string(twice) != string(once) {
			t.Errorf("round trip changed %x into %x", once, twice)
		}
		if c.Op == opProduce {
			decodeBatch(c.Batch) // may fail, must not panic
		}
	})
}

func FuzzDecodeFetched(f *testing.F) {
	f.Add(encodeFetched(nil, msgs(2, "k")))
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeFetched(b, 0) // must not panic
	})
}

// FuzzRestoreMachine: a snapshot from disk or the network, however
// damaged, is refused or restores a machine that snapshots and restores
// again; it never panics.
func FuzzRestoreMachine(f *testing.F) {
	m := newMachine()
	p := &partition{Pending: map[int64]*delivery{}}
	m.Topics["t"] = &topic{Config: TopicConfig{Partitions: 2}, Parts: []*partition{{Pending: map[int64]*delivery{}}, p}}
	for _, msg := range msgs(chunkSize+3, "k") {
		msg.Partition = 1
		p.append(msg)
	}
	p.enforceLimits(TopicConfig{MaxMessages: 10})
	p.Next = p.Base + 2
	p.Pending[p.Base] = &delivery{Count: 1, Member: "m"}
	data, err := m.snapshot()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		restored, err := restoreMachine(b)
		if err != nil {
			return
		}
		again, err := restored.snapshot()
		if err != nil {
			t.Fatalf("a restored machine does not snapshot: %v", err)
		}
		if _, err := restoreMachine(again); err != nil {
			t.Fatalf("the snapshot of a restored machine does not restore: %v", err)
		}
	})
}

// kept returns the messages a partition holds, in offset order.
func kept(p *partition) []Message {
	return slices.Concat(p.slice(p.Base, p.end())...)
}
