// The RPC handlers of the "Queue" service. Writes go through the log
// (propose); Fetch and Lag read the leader's applied state directly:
// whatever a replica has applied is committed and never changes, so a read
// is never wrong, only possibly behind, and the leader is the least behind.

package queue

import (
	"errors"
	"time"
)

// Request is the argument of every Queue RPC. The method name says which
// operation it is; each uses a few fields.
type Request struct {
	Topic  string
	Group  string
	Member string // group member (JoinGroup, Heartbeat, LeaveGroup, Commit, fenced Fetch) or work-queue consumer (Receive)

	Config TopicConfig // CreateTopic

	Batch      []byte // Produce: messages in the batch format (see message.go)
	ProducerID int64  // Produce: idempotent producer ID (0: none)
	Seq        int64  // Produce: the producer's batch number

	Partitions []int   // Fetch: which partitions
	Offsets    []int64 // Fetch: where to start in each
	Generation int64   // Commit, fenced Fetch
	Partition  int     // Commit
	Offset     int64   // Commit

	Max     int           // Fetch: messages per partition (default 1000); Receive: messages (default 1)
	Wait    time.Duration // Fetch, Receive: long-poll for up to this long when nothing is there
	Timeout time.Duration // JoinGroup: session timeout (default 10s); Receive: visibility timeout (default 30s)

	Receipt Receipt // Ack, Nack
	Reason  string  // Nack
}

// Reply is the result of every Queue RPC. Code is CodeOK on success;
// CodeWrongLeader comes with LeaderHint, the ID of the node believed to
// lead (-1: unknown).
type Reply struct {
	Result
	LeaderHint int
	Records    [][]byte       // Fetch: one chunk per requested partition, in the fetch format
	Lag        []PartitionLag // Lag
}

// CreateTopic creates Topic with Config, and its dead-letter topic.
func (s *Server) CreateTopic(args *Request, reply *Reply) error {
	cfg := args.Config
	if cfg.Partitions == 0 {
		cfg.Partitions = 1
	}
	if cfg.MaxDeliveries == 0 {
		cfg.MaxDeliveries = 5
	}
	c := command{Op: opCreateTopic, Topic: args.Topic, Partitions: int64(cfg.Partitions),
		MaxMessages: cfg.MaxMessages, MaxBytes: cfg.MaxBytes, MaxDeliveries: int64(cfg.MaxDeliveries)}
	if cfg.DiscardNew {
		c.Flags |= flagDiscardNew
	}
	if cfg.DeleteAcked {
		c.Flags |= flagDeleteAcked
	}
	return s.answer(reply, c)
}

// Produce appends Batch to Topic and answers once it is committed, with
// each message's position. A batch from an idempotent producer (ProducerID
// not 0) that was already applied is answered from memory.
func (s *Server) Produce(args *Request, reply *Reply) error {
	reply.LeaderHint = -1
	if len(args.Batch) > MaxBatchBytes {
		reply.Code, reply.Detail = CodeTooLarge, "batch over MaxBatchBytes"
		return nil
	}
	// Refuse bad batches before they reach the log, where every replica
	// would have to decode and refuse them again.
	if msgs, err := decodeBatch(args.Batch); err != nil || len(msgs) == 0 {
		reply.Code = CodeInvalid
		if errors.Is(err, ErrTooLarge) {
			reply.Code = CodeTooLarge
		}
		if err != nil {
			reply.Detail = err.Error()
		}
		return nil
	}
	return s.answer(reply, command{Op: opProduce, Topic: args.Topic, Batch: args.Batch,
		ProducerID: args.ProducerID, Seq: args.Seq})
}

// JoinGroup adds Member to Group, which reads Topic, and answers with the
// member's assignment in the new generation.
func (s *Server) JoinGroup(args *Request, reply *Reply) error {
	timeout := args.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return s.answer(reply, command{Op: opJoin, Topic: args.Topic, Group: args.Group, Member: args.Member,
		Duration: int64(timeout)})
}

// Heartbeat keeps Member of Group alive and answers with its current
// assignment; a new Generation means a rebalance happened.
func (s *Server) Heartbeat(args *Request, reply *Reply) error {
	return s.answer(reply, command{Op: opHeartbeat, Group: args.Group, Member: args.Member})
}

// LeaveGroup removes Member from Group at once, rather than after its
// session times out, and rebalances the others.
func (s *Server) LeaveGroup(args *Request, reply *Reply) error {
	return s.answer(reply, command{Op: opLeave, Group: args.Group, Member: args.Member})
}

// Commit records Offset as Group's position in Partition: the next message
// the group will read there. Member must own Partition in Generation.
func (s *Server) Commit(args *Request, reply *Reply) error {
	return s.answer(reply, command{Op: opCommit, Group: args.Group, Member: args.Member,
		Generation: args.Generation, Partition: int64(args.Partition), Offset: args.Offset})
}

// Ack finishes the work-queue delivery named by Receipt.
func (s *Server) Ack(args *Request, reply *Reply) error {
	return s.answer(reply, command{Op: opAck, Topic: args.Topic, Partition: int64(args.Receipt.Partition),
		Offset: args.Receipt.Offset, Delivery: int64(args.Receipt.Delivery)})
}

// Nack gives the delivery named by Receipt back for redelivery, or to the
// dead-letter topic if it has used up its deliveries, recording Reason.
func (s *Server) Nack(args *Request, reply *Reply) error {
	return s.answer(reply, command{Op: opNack, Topic: args.Topic, Partition: int64(args.Receipt.Partition),
		Offset: args.Receipt.Offset, Delivery: int64(args.Receipt.Delivery), Reason: args.Reason})
}

// Receive leases up to Max messages of Topic's work queue to Member for the
// visibility Timeout. If none is available it waits up to Wait for one
// (woken by the apply loop when the topic changes or a lease runs out).
func (s *Server) Receive(args *Request, reply *Reply) error {
	c := command{Op: opReceive, Topic: args.Topic, Member: args.Member, Max: int64(args.Max),
		Duration: int64(args.Timeout)}
	if c.Max <= 0 {
		c.Max = 1
	}
	if c.Duration <= 0 {
		c.Duration = int64(30 * time.Second)
	}
	deadline := time.Now().Add(min(args.Wait, s.cfg.MaxWait))
	for {
		// Watch before proposing, so a message produced meanwhile wakes us.
		s.mu.Lock()
		changed := s.watchLocked(args.Topic)
		s.mu.Unlock()
		if err := s.answer(reply, c); err != nil || reply.Code != CodeOK || len(reply.Deliveries) > 0 {
			return err
		}
		wait := time.Until(deadline)
		if reply.NextExpiry > 0 {
			// A lease runs out at NextExpiry (log time, stamped by a
			// leader's clock, so comparable with ours).
			wait = min(wait, time.Until(time.Unix(0, reply.NextExpiry))+time.Millisecond)
		}
		if time.Until(deadline) <= 0 {
			return nil
		}
		s.sleep(changed, wait)
		select {
		case <-s.done:
			return nil
		default:
		}
	}
}

// Fetch reads up to Max messages from each of Partitions of Topic, from
// Offsets on. If there are none it waits up to Wait for some. With Group
// set it is fenced: Member must own every partition in Generation.
func (s *Server) Fetch(args *Request, reply *Reply) error {
	reply.LeaderHint = -1
	if len(args.Partitions) != len(args.Offsets) || len(args.Partitions) == 0 {
		reply.Code, reply.Detail = CodeInvalid, "fetch needs one offset per partition"
		return nil
	}
	maxMsgs := args.Max
	if maxMsgs <= 0 {
		maxMsgs = 1000
	}
	deadline := time.Now().Add(min(args.Wait, s.cfg.MaxWait))
	for {
		if !s.leading(reply) {
			return nil
		}
		found := make([][][]Message, len(args.Partitions)) // per partition, runs of messages
		total := 0
		s.mu.Lock()
		for i, p := range args.Partitions {
			if args.Group != "" {
				if reply.Code = s.m.owns(args.Group, args.Member, args.Generation, p); reply.Code != CodeOK {
					break
				}
			}
			found[i], reply.Code = s.m.read(args.Topic, p, args.Offsets[i], maxMsgs)
			if reply.Code != CodeOK {
				break
			}
			for _, run := range found[i] {
				total += len(run)
			}
		}
		changed := s.watchLocked(args.Topic)
		s.mu.Unlock()
		if reply.Code != CodeOK {
			return nil
		}
		if total > 0 || !s.sleep(changed, time.Until(deadline)) {
			// Stored messages never change, so encoding them outside the
			// lock is safe.
			reply.Records = make([][]byte, len(found))
			for i, runs := range found {
				reply.Records[i] = encodeFetched(nil, runs...)
			}
			return nil
		}
	}
}

// Lag reports, per partition, how far Group is behind Topic's end; with
// Group empty, how far the work queue of Topic is behind.
func (s *Server) Lag(args *Request, reply *Reply) error {
	reply.LeaderHint = -1
	if !s.leading(reply) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	reply.Lag, reply.Code = s.m.lag(args.Topic, args.Group)
	return nil
}

// answer proposes c and fills reply with the outcome.
func (s *Server) answer(reply *Reply, c command) error {
	reply.LeaderHint = -1
	reply.Result = s.propose(c)
	if reply.Code == CodeWrongLeader {
		reply.LeaderHint = s.rf.Status().LeaderID
	}
	return nil
}

// leading answers CodeWrongLeader, with a hint, unless this node leads.
func (s *Server) leading(reply *Reply) bool {
	if _, isLeader := s.rf.State(); isLeader {
		return true
	}
	reply.Code, reply.LeaderHint = CodeWrongLeader, s.rf.Status().LeaderID
	return false
}

// sleep waits until changed is closed (true), or d passes or the server
// stops (false).
func (s *Server) sleep(changed <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-changed:
		return true
	case <-t.C:
	case <-s.done:
	}
	return false
}
