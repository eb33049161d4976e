// The state machine: topics, partitions and retention, applied in log order
// by every replica.
//
// apply is a pure function of the state and the command: it reads no clock
// and draws no random number, so replicas that apply the same log hold the
// same messages, offsets, groups and leases. Time enters only through
// command.Now, the proposing leader's clock; the machine's clock is the
// largest Now applied so far, so it never runs backwards. (The clock and
// the producer table follow pkg/kv's machine.go.) Consumer groups live in
// groups.go, the work queue in workqueue.go, the storage of a partition's
// messages in partition.go.

package queue

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Code is the outcome of an operation, sent in replies as a plain string
// (net/rpc would flatten an error to a string anyway). The client turns
// codes into the package's sentinel errors.
type Code string

// Outcomes an operation may have.
const (
	CodeOK            Code = ""
	CodeUnknownTopic  Code = "unknown topic"
	CodeTopicExists   Code = "topic already exists"
	CodeUnknownGroup  Code = "unknown consumer group"
	CodeUnknownMember Code = "unknown group member (left or expired): join again"
	CodeRebalance     Code = "partition not assigned to this member in this generation: rebalance"
	CodeOutOfRange    Code = "offset out of range"
	CodeLeaseExpired  Code = "lease expired: the message may be delivered again"
	CodeTooLarge      Code = "message or batch too large"
	CodeTopicFull     Code = "topic full: slow down and retry"
	CodeWrongLeader   Code = "not the leader"
	CodeTimeout       Code = "not committed in time (outcome unknown)"
	CodeStale         Code = "batch superseded by a newer one from the same producer"
	CodeInvalid       Code = "invalid request"
)

// TopicConfig shapes a topic. Limits apply to each partition, as Kafka's
// retention.bytes does.
type TopicConfig struct {
	Partitions  int   // default 1, at most MaxPartitions
	MaxMessages int64 // per partition; 0: no limit
	MaxBytes    int64 // per partition, counting keys, values and headers; 0: no limit

	// DiscardNew makes a full partition refuse new messages with
	// ErrTopicFull (backpressure: the producer must slow down). Without it
	// the oldest messages are dropped to make room (retention).
	DiscardNew bool

	// DeleteAcked is work-queue retention: a message leaves the topic as
	// soon as the work queue has acknowledged (or dead-lettered) it and
	// every message before it.
	DeleteAcked bool

	// MaxDeliveries is how often the work queue delivers a message before
	// moving it to the dead-letter topic "<name>.dlq" (default 5).
	MaxDeliveries int
}

// MaxPartitions bounds TopicConfig.Partitions.
const MaxPartitions = 1024

// DeadLetterSuffix names a topic's dead-letter topic: "orders" sends its
// poison messages to "orders.dlq", created with it.
const DeadLetterSuffix = ".dlq"

// Position is where a produced message was stored.
type Position struct {
	Partition int
	Offset    int64
}

// Result is what applying a command produced. Each operation fills the
// fields it needs.
type Result struct {
	Code       Code
	Detail     string     // words for the error message
	Positions  []Position // Produce: one per message, in batch order
	Generation int64      // JoinGroup, Heartbeat
	Partitions []int      // JoinGroup, Heartbeat: the member's partitions
	Offsets    []int64    // JoinGroup, Heartbeat: the group's committed offset of each of them
	Deliveries []Delivery // Receive
	NextExpiry int64      // Receive: the earliest lease end in the topic (log time), 0 if none
}

// topic is a named set of partitions.
type topic struct {
	Config TopicConfig
	Parts  []*partition
	NextRR int64 // round-robin counter for messages without a key
}

// producer remembers an idempotent producer's last batch and its result,
// so a retried batch is answered from memory instead of written twice.
type producer struct {
	Seq    int64
	Result Result
}

// machine is the replicated state. Fields are exported only for gob, which
// encodes snapshots.
type machine struct {
	Topics    map[string]*topic
	Groups    map[string]*group
	Producers map[int64]producer
	Now       int64 // the machine's clock: the largest command.Now applied

	touched map[string]bool // topics that changed during apply, for the server's long polls
	decoded []Message       // produce decodes each batch here; reused, never read between applies
}

func newMachine() *machine {
	return &machine{Topics: map[string]*topic{}, Groups: map[string]*group{}, Producers: map[int64]producer{},
		touched: map[string]bool{}}
}

// apply executes one command and returns its result.
func (m *machine) apply(c command) Result {
	// An idempotent producer numbers its batches and sends one at a time;
	// a retry of a batch already applied gets the remembered result.
	if c.Op == opProduce && c.ProducerID != 0 {
		if s, ok := m.Producers[c.ProducerID]; ok && c.Seq <= s.Seq {
			if c.Seq == s.Seq {
				return s.Result
			}
			return Result{Code: CodeStale}
		}
	}
	// Time passes for everyone before the operation runs, so a member
	// whose session ran out before this command was proposed is gone.
	if c.Now > m.Now {
		m.Now = c.Now
		m.expireMembers()
	}
	r := m.execute(c)
	if c.Op == opProduce && c.ProducerID != 0 {
		m.Producers[c.ProducerID] = producer{Seq: c.Seq, Result: r}
	}
	return r
}

func (m *machine) execute(c command) Result {
	switch c.Op {
	case opCreateTopic:
		return m.createTopic(c)
	case opProduce:
		return m.produce(c)
	case opJoin:
		return m.join(c)
	case opHeartbeat:
		return m.heartbeat(c)
	case opLeave:
		return m.leave(c)
	case opCommit:
		return m.commit(c)
	case opReceive:
		return m.receive(c)
	case opAck:
		return m.ack(c)
	case opNack:
		return m.nack(c)
	case opTick:
		return Result{}
	}
	return Result{Code: CodeInvalid}
}

// createTopic makes the topic and its dead-letter topic.
func (m *machine) createTopic(c command) Result {
	cfg := TopicConfig{Partitions: int(c.Partitions), MaxMessages: c.MaxMessages, MaxBytes: c.MaxBytes,
		DiscardNew: c.Flags&flagDiscardNew != 0, DeleteAcked: c.Flags&flagDeleteAcked != 0,
		MaxDeliveries: int(c.MaxDeliveries)}
	if c.Topic == "" || len(c.Topic) > maxNameLen-len(DeadLetterSuffix) || cfg.Partitions < 1 || cfg.Partitions > MaxPartitions || cfg.MaxMessages < 0 ||
		cfg.MaxBytes < 0 || cfg.MaxDeliveries < 1 {
		return Result{Code: CodeInvalid, Detail: fmt.Sprintf("topic %q config %+v", c.Topic, cfg)}
	}
	if m.Topics[c.Topic] != nil {
		return Result{Code: CodeTopicExists, Detail: c.Topic}
	}
	m.Topics[c.Topic] = newTopic(cfg)
	if dlq := c.Topic + DeadLetterSuffix; m.Topics[dlq] == nil {
		m.Topics[dlq] = newTopic(TopicConfig{Partitions: 1, MaxMessages: cfg.MaxMessages, MaxBytes: cfg.MaxBytes,
			MaxDeliveries: cfg.MaxDeliveries})
	}
	return Result{}
}

func newTopic(cfg TopicConfig) *topic {
	t := &topic{Config: cfg}
	for range cfg.Partitions {
		t.Parts = append(t.Parts, &partition{Pending: map[int64]*delivery{}})
	}
	return t
}

// produce appends a batch. A batch is atomic: with DiscardNew, either every
// message fits or none is written.
func (m *machine) produce(c command) Result {
	t := m.Topics[c.Topic]
	if t == nil {
		return Result{Code: CodeUnknownTopic, Detail: c.Topic}
	}
	msgs, err := decodeBatchInto(m.decoded, c.Batch)
	if err != nil {
		// The server refuses bad batches before the log; one that got in
		// anyway is refused the same way by every replica.
		return Result{Code: CodeInvalid, Detail: err.Error()}
	}
	m.decoded = msgs
	n := len(t.Parts)
	rr := t.NextRR
	for i := range msgs {
		if msgs[i].Key == "" {
			msgs[i].Partition = int(rr % int64(n))
			rr++
		} else {
			msgs[i].Partition = PartitionFor(msgs[i].Key, n)
		}
	}
	if t.Config.DiscardNew {
		if detail := t.wouldOverflow(msgs); detail != "" {
			return Result{Code: CodeTopicFull, Detail: c.Topic + ": " + detail}
		}
	}
	t.NextRR = rr
	r := Result{Positions: make([]Position, len(msgs))}
	for i := range msgs {
		msgs[i].Time = time.Unix(0, m.Now)
		r.Positions[i] = t.Parts[msgs[i].Partition].append(msgs[i])
	}
	for _, p := range t.Parts {
		p.enforceLimits(t.Config)
	}
	m.touched[c.Topic] = true
	return r
}

// wouldOverflow says which partition the batch would push past its limits,
// or "" if it fits.
func (t *topic) wouldOverflow(msgs []Message) string {
	count := make(map[int]int64)
	size := make(map[int]int64)
	for i := range msgs {
		count[msgs[i].Partition]++
		size[msgs[i].Partition] += int64(msgs[i].size())
	}
	for i, p := range t.Parts {
		if cfg := t.Config; (cfg.MaxMessages > 0 && p.len()+count[i] > cfg.MaxMessages) ||
			(cfg.MaxBytes > 0 && p.Bytes+size[i] > cfg.MaxBytes) {
			return fmt.Sprintf("partition %d holds %d messages, %d bytes (limits %d, %d)",
				i, p.len(), p.Bytes, cfg.MaxMessages, cfg.MaxBytes)
		}
	}
	return ""
}

// read returns up to max messages of partition from offset on (from the
// oldest kept one if offset was dropped), as runs of consecutive messages
// (see partition.slice). The messages are shared with the machine and must
// not be modified.
func (m *machine) read(topicName string, partition int, offset int64, maxMsgs int) ([][]Message, Code) {
	t := m.Topics[topicName]
	if t == nil {
		return nil, CodeUnknownTopic
	}
	if partition < 0 || partition >= len(t.Parts) {
		return nil, CodeInvalid
	}
	p := t.Parts[partition]
	if offset < 0 || offset > p.end() {
		return nil, CodeOutOfRange
	}
	from := max(offset, p.Base)
	return p.slice(from, min(p.end(), from+int64(maxMsgs))), CodeOK
}

// snapshot encodes the whole machine, the producer table included: a
// replica restored from it must still recognize retried batches.
//
// The machine goes through gob, but its partitions' messages do not (see
// partitionSnapshot): they follow, topic by topic in name order, each
// partition's after an 8-byte length, in the fetch format, written into
// one buffer sized up front. A snapshot holds every message retention
// keeps, so this is the bulk of it:
//
//	[uvarint length][gob of the machine][length][messages] [length][messages] ...
func (m *machine) snapshot() ([]byte, error) {
	var head bytes.Buffer
	if err := gob.NewEncoder(&head).Encode(m); err != nil {
		return nil, fmt.Errorf("queue: encode snapshot: %w", err)
	}
	names := slices.Sorted(maps.Keys(m.Topics))
	size := binary.MaxVarintLen64 + head.Len()
	for _, name := range names {
		for _, p := range m.Topics[name].Parts {
			size += 8 + binary.MaxVarintLen64 + int(p.Bytes) + 32*int(p.len())
		}
	}
	b := make([]byte, 0, size)
	b = binary.AppendUvarint(b, uint64(head.Len()))
	b = append(b, head.Bytes()...)
	for _, name := range names {
		for _, p := range m.Topics[name].Parts {
			start := len(b)
			b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
			b = encodeFetched(b, p.slice(p.Base, p.end())...)
			binary.LittleEndian.PutUint64(b[start:], uint64(len(b)-start-8))
		}
	}
	return b, nil
}

// restoreMachine decodes a snapshot and checks the invariants the rest of
// the code relies on, so that damage is an error, never a panic later.
func restoreMachine(data []byte) (*machine, error) {
	headLen, k := binary.Uvarint(data)
	if k <= 0 || headLen > uint64(len(data)-k) {
		return nil, errors.New("queue: decode snapshot: bad header length")
	}
	m := newMachine()
	if err := gob.NewDecoder(bytes.NewReader(data[k : k+int(headLen)])).Decode(m); err != nil {
		return nil, fmt.Errorf("queue: decode snapshot: %w", err)
	}
	rest := data[k+int(headLen):]
	for _, name := range slices.Sorted(maps.Keys(m.Topics)) {
		t := m.Topics[name]
		if t == nil || len(t.Parts) != t.Config.Partitions || t.Config.Partitions < 1 {
			return nil, fmt.Errorf("queue: decode snapshot: malformed topic %q", name)
		}
		for i, p := range t.Parts {
			if p == nil {
				return nil, fmt.Errorf("queue: decode snapshot: malformed partition of %q", name)
			}
			if len(rest) < 8 || binary.LittleEndian.Uint64(rest) > uint64(len(rest)-8) {
				return nil, fmt.Errorf("queue: decode snapshot: messages of %q partition %d cut short", name, i)
			}
			n := int(binary.LittleEndian.Uint64(rest))
			msgs, err := decodeFetched(rest[8:8+n], i)
			if err == nil {
				err = p.restore(msgs)
			}
			if err != nil {
				return nil, fmt.Errorf("queue: decode snapshot: %q partition %d: %w", name, i, err)
			}
			rest = rest[8+n:]
			if !p.wellFormed() {
				return nil, fmt.Errorf("queue: decode snapshot: malformed partition of %q", name)
			}
			if p.Pending == nil { // gob leaves out empty maps
				p.Pending = map[int64]*delivery{}
			}
			for off, d := range p.Pending {
				if d == nil || off < p.Base || off >= p.Next {
					return nil, fmt.Errorf("queue: decode snapshot: malformed delivery in %q", name)
				}
			}
		}
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("queue: decode snapshot: %d trailing bytes", len(rest))
	}
	for name, g := range m.Groups {
		if g == nil || m.Topics[g.Topic] == nil || len(g.Offsets) != len(m.Topics[g.Topic].Parts) {
			return nil, fmt.Errorf("queue: decode snapshot: malformed group %q", name)
		}
		if g.Members == nil {
			g.Members = map[string]*member{}
		}
		for _, mb := range g.Members {
			if mb == nil {
				return nil, fmt.Errorf("queue: decode snapshot: malformed member of %q", name)
			}
		}
	}
	return m, nil
}
