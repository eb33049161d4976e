// Consumer groups: the stream style of consumption (Kafka, NATS JetStream).
//
// A group reads one topic. Each partition is owned by one member of the
// group at a time, and the group remembers, per partition, the offset its
// members have committed: everything before it is processed. Membership is
// decided in the log, like everything else: a member joins, heartbeats and
// leaves with commands, and a member whose last heartbeat is older than its
// session timeout on the machine's clock (log time) is removed. Every
// change of membership starts a new generation with a new assignment.
//
// The assignment is eager, as in Kafka's classic protocol: a member that
// learns of a new generation drops every partition it held before taking
// its new ones, and the broker refuses fetches and commits stamped with an
// old generation. So once a rebalance has settled, no partition is served
// to two members of a group at once.

package queue

import (
	"fmt"
	"slices"
)

// group is one consumer group. Offsets[p] is the committed offset of
// partition p: the next message the group will read there.
type group struct {
	Topic      string
	Generation int64
	Members    map[string]*member
	Offsets    []int64
}

// member is one consumer of a group.
type member struct {
	Timeout    int64 // session timeout, nanoseconds of log time
	LastSeen   int64 // machine clock at its last join or heartbeat
	Partitions []int // assigned in the current generation
}

// join adds c.Member to c.Group (creating the group on c.Topic) and
// rebalances. A member that joins again keeps its assignment.
func (m *machine) join(c command) Result {
	t := m.Topics[c.Topic]
	if t == nil {
		return Result{Code: CodeUnknownTopic, Detail: c.Topic}
	}
	if c.Group == "" || c.Member == "" || c.Duration <= 0 {
		return Result{Code: CodeInvalid, Detail: "join needs a group, a member and a session timeout"}
	}
	g := m.Groups[c.Group]
	if g == nil {
		g = &group{Topic: c.Topic, Members: map[string]*member{}, Offsets: make([]int64, len(t.Parts))}
		m.Groups[c.Group] = g
	}
	if g.Topic != c.Topic {
		return Result{Code: CodeInvalid, Detail: fmt.Sprintf("group %q reads topic %q, not %q", c.Group, g.Topic, c.Topic)}
	}
	mb := g.Members[c.Member]
	if mb == nil {
		mb = &member{}
		g.Members[c.Member] = mb
		g.rebalance()
	}
	mb.Timeout, mb.LastSeen = c.Duration, m.Now
	return g.assignment(mb)
}

// heartbeat keeps c.Member alive and tells it the current assignment.
func (m *machine) heartbeat(c command) Result {
	g, mb, r := m.member(c.Group, c.Member)
	if g == nil {
		return r
	}
	mb.LastSeen = m.Now
	return g.assignment(mb)
}

// leave removes c.Member and rebalances the others.
func (m *machine) leave(c command) Result {
	g, _, r := m.member(c.Group, c.Member)
	if g == nil {
		return r
	}
	delete(g.Members, c.Member)
	g.rebalance()
	return Result{Generation: g.Generation}
}

// commit records the group's offset for a partition, if the member owns it
// in the current generation: a member that missed a rebalance must not
// overwrite the progress of the partition's new owner.
func (m *machine) commit(c command) Result {
	g, mb, r := m.member(c.Group, c.Member)
	if g == nil {
		return r
	}
	if c.Generation != g.Generation || !slices.Contains(mb.Partitions, int(c.Partition)) {
		return Result{Code: CodeRebalance, Generation: g.Generation,
			Detail: fmt.Sprintf("partition %d, generation %d (now %d)", c.Partition, c.Generation, g.Generation)}
	}
	p := m.Topics[g.Topic].Parts[c.Partition]
	if c.Offset < 0 || c.Offset > p.end() {
		return Result{Code: CodeOutOfRange,
			Detail: fmt.Sprintf("commit %d on partition %d, which ends at %d", c.Offset, c.Partition, p.end())}
	}
	g.Offsets[c.Partition] = c.Offset
	return Result{Generation: g.Generation}
}

// member looks up a group and one of its members; on failure it returns a
// nil group and the result to answer with.
func (m *machine) member(groupName, memberName string) (*group, *member, Result) {
	g := m.Groups[groupName]
	if g == nil {
		return nil, nil, Result{Code: CodeUnknownGroup, Detail: groupName}
	}
	mb := g.Members[memberName]
	if mb == nil {
		return nil, nil, Result{Code: CodeUnknownMember, Detail: memberName, Generation: g.Generation}
	}
	return g, mb, Result{}
}

// assignment describes a member's partitions and their committed offsets.
func (g *group) assignment(mb *member) Result {
	r := Result{Generation: g.Generation, Partitions: slices.Clone(mb.Partitions)}
	for _, p := range mb.Partitions {
		r.Offsets = append(r.Offsets, g.Offsets[p])
	}
	return r
}

// rebalance starts a new generation and deals the partitions out to the
// members in name order, round-robin: a pure function of the membership,
// so every replica computes the same assignment.
func (g *group) rebalance() {
	g.Generation++
	names := make([]string, 0, len(g.Members))
	for name, mb := range g.Members {
		names = append(names, name)
		mb.Partitions = nil
	}
	if len(names) == 0 {
		return
	}
	slices.Sort(names)
	for p := range g.Offsets {
		mb := g.Members[names[p%len(names)]]
		mb.Partitions = append(mb.Partitions, p)
	}
}

// expireMembers removes members whose session ran out on the machine's
// clock. Groups are independent and each rebalances once, so the result
// does not depend on the order in which the map is walked.
func (m *machine) expireMembers() {
	for _, g := range m.Groups {
		expired := false
		for name, mb := range g.Members {
			if mb.LastSeen+mb.Timeout < m.Now {
				delete(g.Members, name)
				expired = true
			}
		}
		if expired {
			g.rebalance()
		}
	}
}

// owns reports whether member holds partition in generation: the check
// that fences fetches.
func (m *machine) owns(groupName, memberName string, generation int64, partition int) Code {
	g := m.Groups[groupName]
	if g == nil {
		return CodeUnknownGroup
	}
	mb := g.Members[memberName]
	if mb == nil {
		return CodeUnknownMember
	}
	if generation != g.Generation || !slices.Contains(mb.Partitions, partition) {
		return CodeRebalance
	}
	return CodeOK
}

// PartitionLag is how far a group (or the work queue) is behind one
// partition: End is the offset the next produced message will get,
// Committed the group's committed offset (for the work queue: the first
// offset not yet acknowledged), Lag their difference.
type PartitionLag struct {
	Partition int
	End       int64
	Committed int64
	Lag       int64
}

// lag measures a group's lag, or the work queue's when groupName is "".
func (m *machine) lag(topicName, groupName string) ([]PartitionLag, Code) {
	if groupName != "" {
		g := m.Groups[groupName]
		if g == nil {
			return nil, CodeUnknownGroup
		}
		topicName = g.Topic
	}
	t := m.Topics[topicName]
	if t == nil {
		return nil, CodeUnknownTopic
	}
	out := make([]PartitionLag, len(t.Parts))
	for i, p := range t.Parts {
		done := p.ackFloor()
		if groupName != "" {
			done = max(m.Groups[groupName].Offsets[i], p.Base)
		}
		out[i] = PartitionLag{Partition: i, End: p.end(), Committed: done, Lag: p.end() - done}
	}
	return out, CodeOK
}
