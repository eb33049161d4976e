package gossip

import (
	"errors"
	"testing"
)

func newIdle(t *testing.T, name string, members ...string) (*Member, *watcher) {
	t.Helper()
	w := newWatcher()
	m := New(Config{
		Name:    name,
		Dial:    func(string) (Peer, error) { return nil, errors.New("no network in this test") },
		Members: members,
		OnEvent: w.onEvent,
	})
	return m, w
}

func TestHandlersRejectBadSenders(t *testing.T) {
	m, _ := newIdle(t, "a", "b")
	tests := []struct {
		name string
		call func() error
	}{
		{"ping without sender", func() error { return m.Ping(&PingArgs{}, &PingReply{}) }},
		{"ping from ourselves", func() error { return m.Ping(&PingArgs{From: "a"}, &PingReply{}) }},
		{"ping-req without target", func() error { return m.PingReq(&PingReqArgs{From: "b"}, &PingReqReply{}) }},
		{"ping-req for the requester", func() error {
			return m.PingReq(&PingReqArgs{From: "b", Target: "b"}, &PingReqReply{})
		}},
		{"push-pull without sender", func() error { return m.PushPull(&PushPullArgs{}, &PushPullReply{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrBadMessage) {
				t.Errorf("got error %v, want ErrBadMessage", err)
			}
		})
	}
}

func TestStaleAndMalformedUpdatesIgnored(t *testing.T) {
	m, _ := newIdle(t, "a", "b")
	feed := func(us ...Update) {
		t.Helper()
		if err := m.Ping(&PingArgs{From: "stranger", Updates: us}, &PingReply{}); err != nil {
			t.Fatalf("Ping from an unknown member: %v, want an ack", err)
		}
	}
	feed(Update{Name: "b", Incarnation: 3, State: Alive})
	tests := []struct {
		name string
		u    Update
		want Update // what a then believes about u.Name
	}{
		{"older alive", Update{Name: "b", Incarnation: 2, State: Alive}, Update{Name: "b", Incarnation: 3, State: Alive}},
		{"older suspect", Update{Name: "b", Incarnation: 1, State: Suspect}, Update{Name: "b", Incarnation: 3, State: Alive}},
		{"unknown state", Update{Name: "b", Incarnation: 9, State: State(42)}, Update{Name: "b", Incarnation: 3, State: Alive}},
		{"empty name", Update{Name: "", Incarnation: 9, State: Dead}, Update{Name: "b", Incarnation: 3, State: Alive}},
		{"current suspect", Update{Name: "b", Incarnation: 3, State: Suspect}, Update{Name: "b", Incarnation: 3, State: Suspect}},
		{"same suspect again", Update{Name: "b", Incarnation: 3, State: Suspect}, Update{Name: "b", Incarnation: 3, State: Suspect}},
		{"newer alive refutes", Update{Name: "b", Incarnation: 4, State: Alive}, Update{Name: "b", Incarnation: 4, State: Alive}},
		{"dead", Update{Name: "b", Incarnation: 4, State: Dead}, Update{Name: "b", Incarnation: 4, State: Dead}},
		{"suspect cannot revive the dead", Update{Name: "b", Incarnation: 9, State: Suspect}, Update{Name: "b", Incarnation: 4, State: Dead}},
		{"newer alive rejoins", Update{Name: "b", Incarnation: 5, State: Alive}, Update{Name: "b", Incarnation: 5, State: Alive}},
	}
	for _, tt := range tests {
		feed(tt.u)
		if got := find(m.Members(), "b"); got != tt.want {
			t.Errorf("%s: after %+v, a believes %+v, want %+v", tt.name, tt.u, got, tt.want)
		}
	}
	// Rumours of an unknown member's death are not worth keeping.
	feed(Update{Name: "ghost", Incarnation: 0, State: Dead})
	if got := find(m.Members(), "ghost"); got != (Update{}) {
		t.Errorf("dead stranger: a keeps %+v, want nothing", got)
	}
}

func TestRefuteOwnSuspicion(t *testing.T) {
	m, _ := newIdle(t, "a", "b")
	var reply PingReply
	if err := m.Ping(&PingArgs{From: "b", Updates: []Update{{Name: "a", Incarnation: 0, State: Suspect}}}, &reply); err != nil {
		t.Fatal(err)
	}
	want := Update{Name: "a", Incarnation: 1, State: Alive}
	if got := find(reply.Updates, "a"); got != want {
		t.Errorf("after hearing it is suspect, a gossips %+v, want %+v", got, want)
	}
	// An old suspicion (incarnation 0 < 1) is already refuted.
	m.Ping(&PingArgs{From: "b", Updates: []Update{{Name: "a", Incarnation: 0, State: Dead}}}, &reply)
	if got := find(m.Members(), "a"); got != want {
		t.Errorf("after a stale death notice, a is %+v, want %+v", got, want)
	}
}

func find(us []Update, name string) Update {
	for _, u := range us {
		if u.Name == name {
			return u
		}
	}
	return Update{}
}
