// Member states, the updates that carry them, and the rules that order them.

package gossip

import (
	"errors"
	"strconv"
	"time"
)

// State is what one member believes about another.
type State uint8

// The states of SWIM's membership list (paper §4.2).
const (
	// Alive: answered recently, or nobody has said otherwise.
	Alive State = iota + 1
	// Suspect: a probe went unanswered, directly and through k others. The
	// member has until the suspicion timeout to refute it.
	Suspect
	// Dead: suspected for too long, or confirmed dead by someone else.
	// Dead members are no longer probed.
	Dead
)

// String returns "alive", "suspect" or "dead".
func (s State) String() string {
	switch s {
	case Alive:
		return "alive"
	case Suspect:
		return "suspect"
	case Dead:
		return "dead"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Update is one piece of gossip: "Name is State at Incarnation". Only Name
// itself ever raises its incarnation, to refute a suspicion; everyone else
// repeats the number they heard.
type Update struct {
	Name        string
	Incarnation uint64
	State       State
}

// Errors the RPC handlers return for messages no correct member sends.
var (
	// ErrBadMessage: a message without a sender, or claiming to come from
	// the receiver itself.
	ErrBadMessage = errors.New("gossip: malformed message")
)

// member is the local view of one other member. Guarded by Member.mu.
type member struct {
	incarnation uint64
	state       State
	since       time.Time // when state last changed: the start of a suspicion
}

// overrides reports whether update u replaces what we know, cur (nil for a
// member we have never heard of). These are SWIM's rules (paper §4.2),
// as memberlist implements them:
//
//   - Alive at i overrides Alive, Suspect or Dead at j < i: the member
//     refuted a suspicion, or came back.
//   - Suspect at i overrides Alive at j <= i, and Suspect at j < i.
//   - Dead at i overrides Alive or Suspect at j <= i. Nothing but a newer
//     Alive overrides Dead.
//
// News about a member we do not know is taken only if it says Alive: a
// rumour that a stranger is dead tells us nothing we need.
func overrides(u Update, cur *member) bool {
	if cur == nil {
		return u.State == Alive
	}
	switch u.State {
	case Alive:
		return u.Incarnation > cur.incarnation
	case Suspect:
		return (cur.state == Alive && u.Incarnation >= cur.incarnation) ||
			(cur.state == Suspect && u.Incarnation > cur.incarnation)
	case Dead:
		return cur.state != Dead && u.Incarnation >= cur.incarnation
	}
	return false
}

// valid reports whether u could have been sent by a correct member.
func (u Update) valid() bool {
	return u.Name != "" && u.State >= Alive && u.State <= Dead
}
