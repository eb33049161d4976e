package raft

import (
	"errors"
	"testing"
	"testing/synctest"
)

func TestElection_InitialLeader(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newCluster(t, 3, seed)
		defer c.cleanup()
		// Three fresh nodes elect exactly one leader.
		c.checkOneLeader()
		term1 := c.checkTerms()
		if term1 < 1 {
			t.Fatalf("seed %d: term is %d after the first election, want >= 1", seed, term1)
		}
		// With no failures, heartbeats keep the leader in office.
		pass(10 * electionMax)
		if term2 := c.checkTerms(); term2 != term1 {
			t.Errorf("seed %d: term changed from %d to %d with no failures", seed, term1, term2)
		}
		c.checkOneLeader()
	})
}

func TestElection_ReelectAfterLeaderLoss(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newCluster(t, 3, seed)
		defer c.cleanup()
		leader1 := c.checkOneLeader()
		// Partition the leader: the other two elect a new one.
		c.disconnect(leader1)
		leader2 := c.checkOneLeader(others(3, leader1)...)
		// The old leader rejoins; it steps down and one leader remains.
		c.connect(leader1)
		if got := c.checkOneLeader(); got != leader2 {
			t.Logf("seed %d: leader changed from %d to %d after heal", seed, leader2, got)
		}
		// No quorum, no leader.
		leader3 := c.checkOneLeader()
		c.disconnect(leader3)
		c.disconnect((leader3 + 1) % 3)
		pass(2 * electionMax)
		c.checkNoLeader(others(3, leader3, (leader3+1)%3)...)
		// A quorum is back: a leader again.
		c.connect((leader3 + 1) % 3)
		c.checkOneLeader(others(3, leader3)...)
		// The last node rejoins: still one leader.
		c.connect(leader3)
		c.checkOneLeader()
	})
}

func TestElection_NoLeaderWithoutMajority(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		c := newCluster(t, 5, seed)
		defer c.cleanup()
		leader := c.checkOneLeader()
		// Cut the leader and two followers off: the two left over are no
		// majority of five and must never elect anyone.
		cut := []int{leader, (leader + 1) % 5, (leader + 2) % 5}
		for _, i := range cut {
			c.disconnect(i)
		}
		rest := others(5, cut...)
		for range 10 {
			pass(electionMax)
			c.checkNoLeader(rest...)
		}
		// Their terms climbed with each failed election...
		term, _ := c.node(rest[0]).State()
		// ...and one of the cut nodes rejoins: three make a majority again.
		c.connect((leader + 1) % 5)
		c.checkOneLeader(append(rest, (leader+1)%5)...)
		if now, _ := c.node(rest[0]).State(); now < term {
			t.Errorf("seed %d: term went back from %d to %d", seed, term, now)
		}
	})
}

func TestElection_ManyElectionsUnderChurn(t *testing.T) {
	forEachSeed(t, func(t *testing.T, seed uint64) {
		const n = 7
		c := newCluster(t, n, seed)
		defer c.cleanup()
		c.checkOneLeader()
		for round := range 10 {
			// Cut three random nodes off: the four left still make a majority.
			cut := c.rng.Perm(n)[:3]
			for _, i := range cut {
				c.disconnect(i)
			}
			// Whatever the cut nodes believe, the connected ones agree on
			// one leader (checkOneLeader also fails on two leaders in a term).
			if l := c.checkOneLeader(others(n, cut...)...); l < 0 {
				t.Fatalf("seed %d: round %d: no leader", seed, round)
			}
			for _, i := range cut {
				c.connect(i)
			}
		}
		c.checkOneLeader()
	})
}

// brokenPeer is a peer that cannot be reached, for nodes tested alone.
type brokenPeer struct{}

func (brokenPeer) Call(string, any, any) error { return errors.New("unreachable") }

// TestElection_VoteRule feeds one RequestVote to a node restored from a
// given term, vote and log, and checks the answer against Figure 2 and
// §5.4.1's up-to-date rule.
func TestElection_VoteRule(t *testing.T) {
	tests := []struct {
		name       string
		term       int   // the voter's currentTerm
		votedFor   int   // the voter's vote in that term
		logTerms   []int // terms of the voter's log entries
		args       RequestVoteArgs
		wantGrant  bool
		wantTerm   int // reply.Term and the voter's term afterwards
		wantVotedF int // the voter's vote afterwards
	}{
		{"empty logs, new term", 0, noVote, nil,
			RequestVoteArgs{Term: 1, CandidateID: 2}, true, 1, 2},
		{"stale term is refused", 5, noVote, []int{1, 5},
			RequestVoteArgs{Term: 4, CandidateID: 2, LastLogIndex: 9, LastLogTerm: 4}, false, 5, noVote},
		{"already voted for another in this term", 3, 1, []int{1},
			RequestVoteArgs{Term: 3, CandidateID: 2, LastLogIndex: 1, LastLogTerm: 1}, false, 3, 1},
		{"repeated request from the same candidate", 3, 2, []int{1},
			RequestVoteArgs{Term: 3, CandidateID: 2, LastLogIndex: 1, LastLogTerm: 1}, true, 3, 2},
		{"new term clears an old vote", 3, 1, []int{1},
			RequestVoteArgs{Term: 4, CandidateID: 2, LastLogIndex: 1, LastLogTerm: 1}, true, 4, 2},
		{"same last term, shorter log is refused", 2, noVote, []int{1, 2, 2},
			RequestVoteArgs{Term: 3, CandidateID: 2, LastLogIndex: 2, LastLogTerm: 2}, false, 3, noVote},
		{"same last term, same length", 2, noVote, []int{1, 2, 2},
			RequestVoteArgs{Term: 3, CandidateID: 2, LastLogIndex: 3, LastLogTerm: 2}, true, 3, 2},
		{"same last term, longer log", 2, noVote, []int{1, 2},
			RequestVoteArgs{Term: 3, CandidateID: 2, LastLogIndex: 5, LastLogTerm: 2}, true, 3, 2},
		{"later last term beats a longer log", 3, noVote, []int{1, 1, 1, 1},
			RequestVoteArgs{Term: 4, CandidateID: 2, LastLogIndex: 2, LastLogTerm: 3}, true, 4, 2},
		{"earlier last term loses to a shorter log", 3, noVote, []int{3},
			RequestVoteArgs{Term: 4, CandidateID: 2, LastLogIndex: 9, LastLogTerm: 2}, false, 4, noVote},
		{"candidate with an empty log", 1, noVote, []int{1},
			RequestVoteArgs{Term: 2, CandidateID: 2}, false, 2, noVote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				storage := NewMemoryStorage()
				storage.SaveHardState(HardState{CurrentTerm: tt.term, VotedFor: tt.votedFor})
				var entries []Entry
				for k, term := range tt.logTerms {
					entries = append(entries, Entry{Index: k + 1, Term: term})
				}
				storage.Append(entries)
				node, err := New(Config{
					ID: 1, Peers: map[int]Peer{2: brokenPeer{}, 3: brokenPeer{}},
					ApplyCh: make(chan ApplyMsg), Storage: storage,
				})
				if err != nil {
					t.Fatal(err)
				}
				defer node.Stop()

				var reply RequestVoteReply
				if err := node.RequestVote(&tt.args, &reply); err != nil {
					t.Fatalf("RequestVote: %v", err)
				}
				st := node.Status()
				saved, _ := storage.Load()
				if reply.VoteGranted != tt.wantGrant || reply.Term != tt.wantTerm {
					t.Errorf("voter term %d, vote %d, log terms %v; request %+v: got granted=%v term=%d, want granted=%v term=%d",
						tt.term, tt.votedFor, tt.logTerms, tt.args, reply.VoteGranted, reply.Term, tt.wantGrant, tt.wantTerm)
				}
				if st.VotedFor != tt.wantVotedF || saved.HardState.VotedFor != tt.wantVotedF || saved.HardState.CurrentTerm != tt.wantTerm {
					t.Errorf("after request %+v: votedFor %d, saved %+v; want votedFor %d in term %d, saved",
						tt.args, st.VotedFor, saved.HardState, tt.wantVotedF, tt.wantTerm)
				}
			})
		})
	}
}

// others lists 0..n-1 without the given nodes.
func others(n int, without ...int) []int {
	var out []int
outer:
	for i := range n {
		for _, w := range without {
			if i == w {
				continue outer
			}
		}
		out = append(out, i)
	}
	return out
}
