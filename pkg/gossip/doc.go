// Package gossip is SWIM-style group membership and failure detection
// (Das, Gupta, Motivala 2002, "SWIM: Scalable Weakly-consistent
// Infection-style Process Group Membership Protocol"), with state-based
// anti-entropy that spreads a CRDT counter.
//
// Heartbeating every member to every other costs O(N²) messages per
// period. SWIM gets by with O(N): each member probes one other per period,
// and news of joins, suspicions and deaths rides on those probes, spreading
// like an epidemic in O(log N) periods.
//
// # How it works
//
// Every ProbeInterval each [Member] probes the next member of a shuffled
// list (SWIM §4.3, so everyone is probed within one pass):
//
//	A ──Ping──► B            ack within ProbeTimeout: B is fine
//	A ──PingReq(B)──► C, D, E ──Ping──► B      no ack: ask k others (§3.1)
//	nobody got an ack: A marks B Suspect and gossips it
//
// A suspect that hears of its suspicion refutes it by raising its
// incarnation number and gossiping "alive at incarnation i+1", which beats
// the suspicion everywhere (§4.2). A member probing a suspect always tells
// it so in the ping (Lifeguard's "buddy system", Dadgar et al. 2018), since
// the suspect is the one member that can refute. A suspicion nobody refutes within
// SuspicionMult·log10(N) periods becomes Dead. The ordering rules are in
// state.go: news with a higher incarnation wins, and at equal incarnation
// Dead beats Suspect beats Alive.
//
// Updates are piggybacked: each Ping, ack and PingReq carries up to
// MaxPiggyback of them, least-sent first, and each is sent
// RetransmitMult·⌈log10(N+1)⌉ times, then dropped (§4.1). Because a bounded
// piggyback can miss someone, every PushPullInterval a member also swaps its
// whole state with one random member ([Member.PushPull]): the membership
// list, and a [crdt.PNCounter] that every member increments on its own
// entry ([Member.Inc]). The counter merge is a CRDT join, so exchanges in
// any order, repeated or lost, converge. A new member joins the same way
// ([Member.Join]): one push-pull with a seed.
//
// # Running it
//
// Members talk through [Peer]s (the signature of (*rpc.Client).Call) that
// Config.Dial hands out, and serve [Member.Ping], [Member.PingReq] and
// [Member.PushPull] as net/rpc methods under [ServiceName]:
//
//	m := gossip.New(gossip.Config{
//		Name: "n1",
//		Dial: func(name string) (gossip.Peer, error) { return net.Client("n1", name), nil }, // pkg/netsim
//		Members: []string{"n1", "n2", "n3"},
//		Logger:  logger,
//	})
//	srv.RegisterName(gossip.ServiceName, m) // a netsim.Server or an *rpc.Server
//	m.Start()
//	defer m.Stop()
//
// Over real net/rpc, Dial returns an *rpc.Client (closed after each call,
// since it is an io.Closer) or a cached client with its own timeout; the
// member times out probes itself, but a Peer must not block forever.
//
// # Bad input
//
// Messages without a sender, or claiming to be from the receiver, are
// refused with [ErrBadMessage]. A ping from a member we do not know yet is
// answered (it may have joined through someone else a moment ago). Updates
// with an empty name or an unknown state, stale incarnations, and death
// notices about strangers are ignored with a debug log. Nothing panics.
//
// # Figures
//
// Virtual time, protocol period 1 s, on the in-package fastNet transport
// (direct handler calls after 1 to 4 ms delays; netsim's gob copies would
// make the 1000-member run too slow for the suite), anti-entropy off:
// periods until every member knows of a new member, and until a crashed
// one is dead everywhere (the latter includes the 4·log10(N)-period
// suspicion timeout). go test ./pkg/gossip -run Scaling -v -big (measured
// 2026-11-29; virtual time, so the machine does not matter):
//
//	members  join rounds  dead rounds
//	     10          2.3          7.2
//	    100          4.5         12.4
//	   1000          5.8         17.7
//
// False alarms in one virtual minute, 16 members on netsim with 10% of
// requests and 10% of replies lost (go test ./pkg/gossip -run
// FalseSuspicions -v; netsim's concurrent calls make the counts vary a
// little from run to run, so these are the ranges over several runs):
//
//	                       suspicions  declared dead
//	indirect probes (k=3)        5-12              0
//	direct probes only        114-127           6-11
//
// # Concurrency
//
// One mutex guards a member's view; it is never held during a call. One
// goroutine runs the protocol loop; each outgoing probe runs on its own
// goroutine so a late ack still delivers its gossip. OnEvent is called
// without the mutex held. Stop waits for the loop and its calls.
//
// # Reading order
//
// state.go (states and the override rules), member.go (the view and how
// news changes it), probe.go (failure detection), broadcast.go
// (piggybacking), antientropy.go (push-pull and join). Then the tests:
// scenario_test.go, loss_test.go, scale_test.go.
package gossip
