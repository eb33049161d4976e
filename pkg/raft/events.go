// Events: a window into a running node for dashboards, demos and tests.

package raft

// EventKind says what happened.
type EventKind int

// The kinds of Event.
const (
	EventRole       EventKind = iota // the node became Event.Role
	EventVote                        // a vote from Event.Peer arrived
	EventLeader                      // the node learned that Event.Peer leads Event.Term
	EventSend                        // an RPC named Event.RPC went to Event.Peer
	EventReceive                     // an RPC named Event.RPC arrived from Event.Peer
	EventCommit                      // commitIndex advanced to Event.Index
	EventSnapshot                    // the log was compacted up to Event.Index
	EventMembership                  // the node switched configuration; Event.Index is its entry (0: from a snapshot)
)

var kindNames = [...]string{"role", "vote", "leader", "send", "receive", "commit", "snapshot", "membership"}

func (k EventKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Event describes one thing a node did. Node and Term are always set; the
// other fields depend on Kind.
type Event struct {
	Kind    EventKind
	Node    int
	Term    int
	Role    Role   // EventRole
	Peer    int    // EventVote, EventLeader, EventSend, EventReceive
	RPC     string // EventSend, EventReceive
	Entries int    // entries carried by an AppendEntries
	Index   int    // EventCommit, EventSnapshot, EventMembership
}

// emit hands an event to the observer goroutine. It never blocks the node:
// if the observer falls more than the buffer behind, events are dropped.
// Callers either hold n.mu (emit reads currentTerm) or set e.Term
// themselves, as the RPC senders do with the term of their message.
func (n *Node) emit(e Event) {
	if n.events == nil {
		return
	}
	e.Node = n.id
	if e.Term == 0 {
		e.Term = n.currentTerm
	}
	select {
	case n.events <- e:
	default:
	}
}

// deliverEvents calls Config.OnEvent for each event, outside the mutex.
func (n *Node) deliverEvents() {
	defer n.wg.Done()
	for {
		select {
		case e := <-n.events:
			n.cfg.OnEvent(e)
		case <-n.done:
			return
		}
	}
}
