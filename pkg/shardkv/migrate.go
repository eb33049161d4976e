// Migration: the leader's loop that moves the group from one configuration
// to the next, and the two RPCs groups call on each other to move a shard.
//
// A shard moves by pull. When group B reaches configuration n in which it
// gains shard s from group A, it marks s Pulling; its leader calls
// PullShard(n, s) on A's servers until one that has reached n too answers
// with the shard's data, and proposes the data as an install entry. After
// applying it B serves s (Acking), and its leader calls DeleteShard(n, s)
// on A, whose leader proposes a delete entry; once A has applied it, A has
// freed s and B records the acknowledgment (an acked entry). Each step is
// an entry in one group's log, proposed by its leader: the loop decides
// when, the log decides what happened, and a duplicate step is ignored at
// apply time. A leader that crashes mid-move leaves the state in the log,
// and its successor's loop picks up where it stopped.

package shardkv

import (
	"context"
	"sync"
	"time"

	"distkit/pkg/kv"
	"distkit/pkg/shardctl"
)

// Codes of the migration RPCs, beside kv.CodeOK and kv.CodeWrongLeader.
const (
	// CodeNotReady: the callee has not reached the configuration the
	// caller asks about yet; ask again later.
	CodeNotReady kv.Code = "configuration not reached yet"
	// CodeGone: the callee is past that step (a duplicate request).
	CodeGone kv.Code = "shard no longer here"
)

// ShardArgs names one shard in one configuration.
type ShardArgs struct {
	Num   int // the configuration in which the shard changes hands
	Shard int
}

// PullReply carries a shard's data: its kv.Machine snapshot, with the
// deduplication table.
type PullReply struct {
	Code kv.Code
	Data []byte
}

// DeleteReply answers DeleteShard.
type DeleteReply struct {
	Code kv.Code
}

// PullShard returns the data of a shard this group is giving away in
// configuration args.Num. Any replica may answer, leader or not: a Leaving
// shard is frozen, so every replica that has applied configuration Num holds
// the same bytes for it.
func (s *Server) PullShard(args *ShardArgs, reply *PullReply) error {
	if args.Shard < 0 || args.Shard >= shardctl.NShards {
		reply.Code = kv.CodeInvalid
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.g.cur.Num < args.Num:
		reply.Code = CodeNotReady
	case s.g.cur.Num == args.Num && s.g.state[args.Shard] == Leaving:
		data, err := s.g.shards[args.Shard].Snapshot()
		if err != nil {
			return err
		}
		reply.Data = data
	default:
		reply.Code = CodeGone
	}
	return nil
}

// DeleteShard tells this group that the new owner of shard args.Shard in
// configuration args.Num has installed it, so this group frees its copy.
// Only the leader can propose the deletion; the reply is CodeOK once the
// copy is gone (now or earlier).
func (s *Server) DeleteShard(args *ShardArgs, reply *DeleteReply) error {
	if args.Shard < 0 || args.Shard >= shardctl.NShards {
		reply.Code = kv.CodeInvalid
		return nil
	}
	if _, isLeader := s.rf.State(); !isLeader {
		reply.Code = kv.CodeWrongLeader
		return nil
	}
	s.mu.Lock()
	num, st := s.g.cur.Num, s.g.state[args.Shard]
	s.mu.Unlock()
	switch {
	case num < args.Num:
		reply.Code = CodeNotReady
	case num > args.Num || st != Leaving:
		// Already freed: a group leaves a configuration only after
		// every shard it was giving away is gone.
	default:
		r := s.propose(encodeControl(entryDelete, control{Num: args.Num, Shard: args.Shard}))
		reply.Code = r.Code
	}
	return nil
}

// migrateLoop runs on every replica and acts while it leads: each
// PollInterval it proposes the next configuration once the group has
// settled, pulls the shards it is waiting for, and tells old owners to
// delete the shards it has installed.
//
// A new leader first proposes a no-op. Its log may end with entries of an
// earlier term that it cannot know to be committed, and Raft commits those
// only behind an entry of the leader's own term (§5.4.2; the paper's §8
// has every new leader commit a blank entry for this reason). Without it,
// a group whose replicas all restarted could sit on a state that lags its
// own log: its applied state says "still pulling shard s", the old owner
// answers that s is gone (the install is in the log, uncommitted), no
// client request reaches a migrating shard, and nothing is ever proposed.
func (s *Server) migrateLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	noopTerm := 0 // the last term in which this replica proposed its no-op
	for {
		select {
		case <-t.C:
		case <-s.done:
			return
		}
		if term, isLeader := s.rf.State(); isLeader {
			if term != noopTerm {
				if _, _, ok := s.rf.Start([]byte{byte(entryNoop)}); ok {
					noopTerm = term // refused during a leadership transfer: try again next round
				}
			}
			s.migrateOnce()
		}
	}
}

// migrateOnce does one round of the leader's work.
func (s *Server) migrateOnce() {
	s.mu.Lock()
	cur, prev, settled := s.g.cur.Num, s.g.prev, s.g.settled()
	var pulls, acks []int
	for shard, st := range s.g.state {
		switch st {
		case Pulling:
			pulls = append(pulls, shard)
		case Acking:
			acks = append(acks, shard)
		}
	}
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(s.ctx, 5*s.cfg.PollInterval)
	defer cancel()
	if settled {
		// One configuration at a time, in order: ask for exactly the next.
		next, err := s.cfg.Controller.Query(ctx, cur+1)
		if err == nil {
			s.rf.Start(encodeControl(entryConfig, control{Config: next, Num: next.Num}))
		}
		return
	}
	var wg sync.WaitGroup
	for _, shard := range pulls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from := prev.Groups[prev.Shards[shard]]
			if data, ok := s.pull(from, cur, shard); ok {
				s.rf.Start(encodeControl(entryInstall, control{Num: cur, Shard: shard, Data: data}))
			}
		}()
	}
	for _, shard := range acks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.ack(prev.Groups[prev.Shards[shard]], cur, shard) {
				s.rf.Start(encodeControl(entryAcked, control{Num: cur, Shard: shard}))
			}
		}()
	}
	wg.Wait()
}

// pull asks the old owner's servers, in turn, for a shard's data.
func (s *Server) pull(servers []string, num, shard int) ([]byte, bool) {
	for _, addr := range servers {
		var reply PullReply
		err := s.peer(addr).Call("ShardKV.PullShard", &ShardArgs{Num: num, Shard: shard}, &reply)
		if err == nil && reply.Code == kv.CodeOK {
			return reply.Data, true
		}
	}
	return nil, false
}

// ack asks the old owner's servers, in turn, to delete a shard, and reports
// whether its leader confirmed the deletion.
func (s *Server) ack(servers []string, num, shard int) bool {
	for _, addr := range servers {
		var reply DeleteReply
		err := s.peer(addr).Call("ShardKV.DeleteShard", &ShardArgs{Num: num, Shard: shard}, &reply)
		if err == nil && reply.Code == kv.CodeOK {
			return true
		}
	}
	return false
}

// peer returns the client for a server of another group, dialing it once.
func (s *Server) peer(addr string) interface {
	Call(string, any, any) error
} {
	s.peersMu.Lock()
	defer s.peersMu.Unlock()
	p, ok := s.peers[addr]
	if !ok {
		p = s.cfg.Dial(addr)
		s.peers[addr] = p
	}
	return p
}
